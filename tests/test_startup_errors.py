"""Mistakes in the deployment (database address, catalogs) stop the real process with one line and code 2.

Each case runs `python -m bot` as a subprocess, as an operator would: a traceback or babel's warnings on
the terminal would fail these tests as surely as a wrong exit code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CONTENT, ROOT
from tests.test_config_cli import run_cli

TOKEN = "123456:" + "A" * 35
SERVE = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.fr/t", "WEBHOOK_SECRET": "s3cret"}
COMMANDS = [("db", "upgrade"), ("demo", "--port", "0"), ("serve",)]


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # The database's folder would be under a file: it cannot be created.
        (
            "sqlite+aiosqlite:///{tmp}/a-file/x.db",
            "error: DATABASE_URL: cannot create the folder {tmp}/a-file (FileExistsError).",
        ),
        ("postgresql://u:p@127.0.0.1:notaport/db", "error: DATABASE_URL is wrong: expected "),
    ],
    ids=["folder-under-a-file", "port-not-a-number"],
)
def test_a_wrong_database_url_is_one_line(
    command: tuple[str, ...], url: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url, expected = url.format(tmp=tmp_path), expected.format(tmp=tmp_path)
    result = run_cli(*command, env={"DATABASE_URL": url, "CONTENT_DIR": str(CONTENT), **SERVE}, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert one_error_line(result.stderr).startswith(expected)


def bot_with_catalogs(tmp_path: Path) -> Path:
    """A copy of the bot whose catalogs a test may break: the bot reads them next to its package."""
    app = tmp_path / "app"
    shutil.copytree(ROOT / "bot", app / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "locales", app / "locales")
    return app


def break_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = text
    path.write_text("".join(lines), encoding="utf-8")


def first_msgstr_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    # The header's msgstr is empty; the first translated message's msgstr comes after it.
    return next(n for n, line in enumerate(lines, 1) if line.startswith('msgstr "') and len(line) > 12)


def broken(app: Path, case: str) -> str:
    """Break the Arabic catalog one way; return what the error line says after "error: "."""
    catalog = app / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
    shown = "locales/ar/LC_MESSAGES/messages.po"
    if case == "missing":
        catalog.unlink()
        return f"{shown}: error: cannot read the catalog (FileNotFoundError)"
    number = first_msgstr_line(catalog)
    if case == "stray-line":
        break_line(catalog, number, "ceci n'est pas du PO\n")  # babel warned and went on
        return f"{shown}:{number}: error: expected a keyword and a quoted string, or a quoted string"
    if case == "merge-conflict":
        # What msgcat leaves where two catalogs disagreed: babel warned and went on.
        break_line(catalog, number, "#-#-#-#-#  messages.po  #-#-#-#-#\n")
        return f"{shown}:{number}: error: cannot parse po file with conflicts"
    # babel took a msgstr without its opening quote silently, cutting the translation's first letter.
    line = catalog.read_text(encoding="utf-8").splitlines()[number - 1]
    break_line(catalog, number, line.replace('msgstr "', "msgstr ", 1) + "\n")
    return f"{shown}:{number}: error: expected a keyword and a quoted string, or a quoted string"


CATALOG_CASES = ["missing", "stray-line", "merge-conflict", "unquoted"]


@pytest.mark.parametrize("case", CATALOG_CASES)
def test_a_broken_catalog_is_reported_by_content_check(case: str, tmp_path: Path) -> None:
    app = bot_with_catalogs(tmp_path)
    expected = broken(app, case)
    result = run_cli("content", "check", env={"CONTENT_DIR": str(CONTENT)}, cwd=app)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout.splitlines()
    assert "WARNING" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("demo", "--port", "0"), ("serve",)], ids=lambda c: c[0])
@pytest.mark.parametrize("case", CATALOG_CASES)
def test_the_bot_does_not_start_on_a_broken_catalog(
    case: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    app = bot_with_catalogs(tmp_path)
    expected = broken(app, case)
    env = {"CONTENT_DIR": str(CONTENT), "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", **SERVE}
    if command[0] == "serve":
        assert run_cli("db", "upgrade", env=env, cwd=app).returncode == 0
    result = run_cli(*command, env=env, cwd=app)
    assert result.returncode == 2, result.stdout + result.stderr
    assert one_error_line(result.stderr) == f"error: {expected}"
    assert "WARNING" not in result.stdout


def test_the_shipped_catalogs_have_no_problem() -> None:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.i18n import catalog_problems

    assert catalog_problems(SUPPORTED_LANGUAGES) == []
