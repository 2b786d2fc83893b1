"""Exports of a built file: Parquet or CSV files with a datapackage.json (``files``), Hive-partitioned Parquet
(``partitioned``) and one SQLite file for datasette (``sqlite``)."""

from hebeidb.reader.export.files import export_database

__all__ = ["export_database"]
