"""Synthetic national-scale inputs: every provincial-level region, twenty years, many indicators.

The generator writes ordinary build inputs (schema/, queries/ and checks/ copied from the installed ones,
seeds/ generated) and hands them to the normal build, so a synthetic database goes through the same
bulk loading, validation and checks as the real one. Everything is generated set-based by DuckDB
from a seed: the same seed and size give the same database.

Each generated document is a statistical bulletin for one region, year and domain, made of sentences such as
"The figure for Education measure C in Hebei was cumulatively over 12,345 persons." whose numbers
are the facts' values, quoted at their offsets, with their qualifiers written before them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from hebeidb.builder.inputs import Inputs
from hebeidb.common.connect import connect
from hebeidb.common.progress import Listener
from hebeidb.common.sqltext import placeholders

PROVINCES = (
    "Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin", "Heilongjiang", "Shanghai",
    "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong", "Henan", "Hubei", "Hunan", "Guangdong",
    "Guangxi", "Hainan", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet", "Shaanxi", "Gansu", "Qinghai",
    "Ningxia", "Xinjiang", "Hong Kong", "Macao", "Taiwan",
)  # fmt: skip
FIRST_YEAR, YEARS = 2006, 20
INDICATORS_PER_DOMAIN = 8
COPIED_SEEDS = ("domains", "units", "qualifiers", "number_words")
GENERATED_SEEDS = ("indicators", "sources", "regions", "competitions", "competition_hosts", "delegations", "facts")
# The generator's SQL, one file per step, run in the order of their numbers (the fifth writes the seeds).
SQL_DIR = Path(__file__).resolve().parent
KINDS = ("summer_paralympics", "winter_paralympics", "winter_deaflympics", "national_games")


def generate_inputs(folder: Path, facts: int, seed: int) -> Inputs:
    """Write synthetic inputs with about ``facts`` facts into ``folder`` and return them."""
    if facts < 100:
        raise ValueError("synthetic data needs at least 100 facts")
    installed = Inputs.installed()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("schema", "queries", "checks"):
        shutil.copytree(installed.root / name, folder / name, dirs_exist_ok=True)
    seeds = folder / "seeds"
    (seeds / "texts").mkdir(parents=True, exist_ok=True)
    for name in COPIED_SEEDS:
        shutil.copy(installed.seeds_dir / f"{name}.csv", seeds / f"{name}.csv")
    shutil.copy(installed.seeds_dir / "facts.sql", seeds / "facts.sql")
    # It reads the installed seeds and writes the generated ones, nothing else.
    con = connect("synth", reads=[installed.seeds_dir], writes=[seeds], extra={"preserve_insertion_order": True})
    try:
        _generate(con, installed, seeds, facts, seed)
    finally:
        con.close()
    return Inputs(folder.resolve(), "synthetic")


def _generate(con: duckdb.DuckDBPyConnection, installed: Inputs, seeds: Path, total: int, seed: int) -> None:
    competitions = max(1, min(len(KINDS) * YEARS, total // 2000))
    medal_facts = competitions * (len(PROVINCES) * 3 + 4)
    params: dict[str, object] = {
        "seed": int(seed),
        "plain": max(total - medal_facts, 0),
        "competitions": competitions,
        "provinces": list(PROVINCES),
        "n_regions": len(PROVINCES),
        "kinds": list(KINDS),
        "first_year": FIRST_YEAR,
        "years": YEARS,
        "indicators_per_domain": INDICATORS_PER_DOMAIN,
        "domains_csv": str(installed.seeds_dir / "domains.csv"),
        "units_csv": str(installed.seeds_dir / "units.csv"),
        "installed_indicators_csv": str(installed.seeds_dir / "indicators.csv"),
        **{f"{name}_csv": str(seeds / f"{name}.csv") for name in GENERATED_SEEDS},
    }
    for script in sorted(SQL_DIR.glob("*.sql")):
        if script.name.startswith("050"):
            _write_texts(con, seeds)
        _run_script(con, script, params)
    for name, header in (
        ("programmes", "programme_id,name_en,name_zh,name_zh_official,name_zh_source_id,kind,domain_id,region_id,"
                       "edition,period_start,period_end,description,source_id,quote,quote_start,quote_end,"
                       "part_of_programme_id,period_source_id,period_precision"),
        ("inference_basis", "basis_id,fact_id,basis_fact_id,basis_source_id,role"),
        ("exclusions", "exclusion_id,source_id,token,token_start,token_end,reason_kind,reason,fact_id,"
                       "competition_id,programme_id"),
    ):  # fmt: skip
        (seeds / f"{name}.csv").write_text(header + "\n", encoding="utf-8")


def _run_script(con: duckdb.DuckDBPyConnection, script: Path, params: dict[str, object]) -> None:
    """Run each statement of a generator script, binding the parameters it names (paths included)."""
    for statement in con.extract_statements(script.read_text(encoding="utf-8")):
        wanted = placeholders(statement.query)
        con.execute(statement.query, {name: params[name] for name in wanted} or None)


def _write_texts(con: duckdb.DuckDBPyConnection, seeds: Path) -> None:
    # Texts are written as plain files (the build reads them with read_blob), a few documents at a
    # time so that memory stays bounded by the largest bulletins.
    texts = seeds / "texts"
    cursor = con.execute("SELECT source_id, text FROM documents ORDER BY source_id")
    while batch := cursor.fetchmany(16):
        for source_id, text in batch:
            (texts / f"{source_id}.txt").write_bytes(text.encode("utf-8"))


@contextmanager
def synthetic_inputs(facts: int, seed: int, keep: Path | None = None) -> Iterator[Inputs]:
    """Generated inputs in ``keep`` (kept) or in a temporary folder (removed afterwards)."""
    if keep is not None:
        yield generate_inputs(keep, facts, seed)
        return
    folder = Path(tempfile.mkdtemp(prefix="hebeidb-synth-"))
    try:
        yield generate_inputs(folder, facts, seed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_synthetic(
    path: str | os.PathLike[str],
    facts: int,
    seed: int = 0,
    keep_inputs: Path | None = None,
    listener: Listener | None = None,
) -> object:
    """Generate inputs for ``facts`` facts and build them into ``path`` with the normal build.

    ``listener`` hears of the generation, then of each phase of the build."""
    from hebeidb.builder.pipeline import build_database

    if listener is not None:
        listener("generating inputs", None, False)
    with synthetic_inputs(facts, seed, keep_inputs) as inputs:
        if listener is not None:
            listener("generating inputs", facts, True)
        return build_database(path, inputs=inputs, listener=listener)
