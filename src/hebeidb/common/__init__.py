"""The ground the builder and the readers both stand on.

Nothing here writes a database or reads one for a user: errors, SQL text, report specs, the file's contract,
the one module that opens DuckDB connections, atomic files, progress and output formats. It imports neither
:mod:`hebeidb.builder` nor :mod:`hebeidb.reader`.
"""
