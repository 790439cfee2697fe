"""`python -m bot export`: the evaluation export from the command line, read back; bad arguments are one
line and exit code 2, never a traceback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.db import Database
from tests import indicator_support as given
from tests.conftest import CONTENT
from tests.test_config_cli import run_cli
from tests.test_indicator_export import read_ods


async def populated(url: str) -> None:
    database = Database(url)
    async with database.session() as session:
        await given.people(session, 8, month="2026-03", territory="demo")
        await given.people(session, 6, month="2026-03", territory="elsewhere")
    await database.close()


async def test_an_ods_export_of_one_territory_opens_with_its_figures(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    await populated(sqlite_database_url)
    env = {"DATABASE_URL": sqlite_database_url, "CONTENT_DIR": str(CONTENT)}
    output = tmp_path / "out.ods"
    result = run_cli(
        "export", "--from", "2026-01", "--to", "2026-12", "--format", "ods", "--territory", "demo",
        "--output", str(output), "--language", "en", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = read_ods(output.read_bytes(), tmp_path)
    header = rows[0]
    assert header[:3] == ["Area", "Month", "People who joined"]
    places = {row[0] for row in rows[1:]}
    assert "elsewhere" not in places and "Total" in places, "only the territory asked for"
    march = next(row for row in rows[1:] if row[1] == "2026-03" and row[0] != "Total")
    assert march[2] == "8"
    assert len(rows) == 1 + 12 * 2, "each month, for the territory and for the total"


async def test_a_csv_export_to_stdout(sqlite_database_url: str, tmp_path: Path) -> None:
    await populated(sqlite_database_url)
    env = {"DATABASE_URL": sqlite_database_url, "CONTENT_DIR": str(CONTENT)}
    result = run_cli("export", "--from", "2026-03", "--to", "2026-03", "--format", "csv", "--output", "-",
                     env=env, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    totals = {row[0]: row[2] for row in rows[1:]}
    assert totals["Total"] == "14"


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--from", "2026-13", "--to", "2026-12"], "YYYY-MM"),
        (["--from", "2026-05", "--to", "2026-04"], "before"),
        (["--from", "2026-01"], "--to"),
        (["--from", "2026-01", "--to", "2026-02", "--territory", "atlantis"], "unknown territory 'atlantis'"),
        (["--from", "2026-01", "--to", "2026-02", "--format", "xls"], "invalid choice"),
        # An option the command does not know sends to the command's own help, not the bot's.
        (["--from", "2026-01", "--to", "2026-02", "-o", "x.csv"], "x.csv (see python -m bot export --help"),
    ],
)
def test_bad_arguments_are_one_line(arguments: list[str], said: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/none.db", "CONTENT_DIR": str(CONTENT)}
    result = run_cli("export", *arguments, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


def test_a_database_never_upgraded_is_one_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "CONTENT_DIR": str(CONTENT)}
    result = run_cli("export", "--from", "2026-01", "--to", "2026-02", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "db upgrade" in result.stderr and "Traceback" not in result.stderr
