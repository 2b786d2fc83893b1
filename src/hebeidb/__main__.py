"""``python -m hebeidb`` runs the command line."""

import sys

from hebeidb.cli import main

sys.exit(main())
