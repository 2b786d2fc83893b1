"""Figure 4, export: ``Database.export`` (Parquet) against ``COPY (SELECT * FROM view) TO ...
(FORMAT parquet)`` of the same objects, time and bytes.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from common import Results, best_side_by_side, fmt_bytes, fmt_s, fmt_size, verdict

TARGET_EXPORT_RATIO = 1.2  # time and bytes against raw COPY, at every size


def bench_export(results: Results, facts: int, database: Path, work: Path, args: argparse.Namespace) -> None:
    """Figure 4: hebeidb's Parquet export against DuckDB's COPY ... TO of the same objects."""
    import duckdb

    from hebeidb.reader.database import Database

    out = work / f"export-{facts}"
    names: list[str] = []

    def hebeidb_export() -> None:
        shutil.rmtree(out, ignore_errors=True)
        db = Database(database)
        try:
            files = db.export(out)
        finally:
            db.close()
        names[:] = [f.name.removesuffix(".parquet") for f in files if f.suffix == ".parquet"]

    hebeidb_export()  # learns the objects the anchor must write

    def raw_export() -> None:
        folder = work / f"copy-{facts}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        con = duckdb.connect()
        try:
            con.execute("ATTACH $p AS src (READ_ONLY)", {"p": str(database)})
            for name in names:
                schema, _, table = name.rpartition(".")
                con.execute(
                    f"COPY (SELECT * FROM src.{schema or 'main'}.\"{table}\") TO '{folder / (name + '.parquet')}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
        finally:
            con.close()

    # The export above warmed hebeidb's side up already.
    heb_s, raw_s, runs, _ = best_side_by_side(hebeidb_export, raw_export, args, args.export_repeat, (False, True))
    heb_bytes = sum(p.stat().st_size for p in out.iterdir())
    raw_bytes = sum(p.stat().st_size for p in (work / f"copy-{facts}").iterdir())
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / f"copy-{facts}", ignore_errors=True)
    results.raw["sizes"][str(facts)]["export"] = {
        "files": len(names),
        "hebeidb_seconds": heb_s,
        "raw_seconds": raw_s,
        "hebeidb_bytes": heb_bytes,
        "raw_bytes": raw_bytes,
        "runs": runs,
    }
    results.add(
        f"4 export Parquet ({len(names)} files) vs raw COPY, time",
        fmt_size(facts),
        fmt_s(heb_s),
        fmt_s(raw_s),
        f"{heb_s / raw_s:.2f}x",
        f"<= {TARGET_EXPORT_RATIO:.1f}x",
        verdict(heb_s / raw_s <= TARGET_EXPORT_RATIO),
    )
    results.add(
        "  export size vs raw COPY",
        fmt_size(facts),
        fmt_bytes(heb_bytes),
        fmt_bytes(raw_bytes),
        f"{heb_bytes / raw_bytes:.2f}x",
        f"<= {TARGET_EXPORT_RATIO:.1f}x",
        verdict(heb_bytes / raw_bytes <= TARGET_EXPORT_RATIO),
    )
    print(f"  export: hebeidb {fmt_s(heb_s)}, raw COPY {fmt_s(raw_s)}", flush=True)
