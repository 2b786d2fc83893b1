from pathlib import Path


def test_fresh_build_has_the_articles_headline_figure(db) -> None:
    rows = db.sql("SELECT value, qualifier, unit FROM facts WHERE fact_id = 'persons_benefiting'").fetchall()
    assert [(int(v), q, u) for v, q, u in rows] == [(1300000, "over", "persons")]


def test_cli_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("hebeidb ")


def test_build_writes_the_file(built_db: Path) -> None:
    assert built_db.is_file()
