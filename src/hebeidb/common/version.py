"""The version of hebeidb: one definition, read by the package, the build and the wheel."""

__version__ = "0.1.0"
