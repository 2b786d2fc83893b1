"""The readers: everything done with a built file without writing it.

The :class:`~hebeidb.reader.database.Database` facade opens the file read-only; search, the exports, rendering
for other engines, lineage and the site all query through it. It stands on :mod:`hebeidb.common` and never
imports :mod:`hebeidb.builder`.
"""
