"""The command line: wrong configuration and invalid content stop with a clear message and exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.conftest import CONTENT, HANG, ROOT


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_URL", "ftp://example.org"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("WEBHOOK_URL", "bot.example.fr"),
        ("WEBHOOK_SECRET", "has spaces!"),
        ("PORT", "99999"),
        ("DEFAULT_LANGUAGE", "de"),
        ("COORDINATORS", "12,alice"),
        ("TIMEZONE", "Mars/Olympus"),
        ("RETENTION_DAYS", "3"),
    ],
)
def test_wrong_configuration_names_the_variable(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_env: None
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {name} is wrong: expected ")


def test_wrong_configuration_in_a_real_process(tmp_path: Path) -> None:
    result = run_cli("run", env={"TIMEZONE": "Mars/Olympus"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: TIMEZONE is wrong: expected an IANA time zone such as Europe/Paris.\n"


def test_settings_accept_the_usual_spellings() -> None:
    settings = load_settings(
        None,
        database_url="postgres://user:secret@db.internal/reperes",
        coordinators="12, 34;56",
        telegram_api_url="http://localhost:8081/",
        webhook_url="https://bot.example.fr/hook/telegram",
    )
    assert settings.database_url == "postgresql+asyncpg://user:secret@db.internal/reperes"
    assert settings.coordinators == (12, 34, 56)
    assert settings.telegram_api_url == "http://localhost:8081"
    assert settings.webhook_path == "/hook/telegram"
    assert load_settings(None, webhook_url="https://bot.example.fr").webhook_path == "/"
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL is wrong"):
        load_settings(None, webhook_url="http://bot.example.fr/telegram")  # Telegram only calls https
    with pytest.raises(ConfigError, match=r"^DATABASE_URL is wrong"):
        load_settings(None, database_url="postgresql://")


def test_run_without_token_or_sandbox_says_so_in_one_line(tmp_path: Path) -> None:
    # The sandbox is a package of its own; a bot installed without it must say so, not show a traceback.
    hide_sandbox = (
        "import sys; sys.modules['sandbox'] = None; from bot.cli import main; sys.exit(main(['run']))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", hide_sandbox],
        env={**clean, "CONTENT_DIR": str(CONTENT), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: the sandbox is not installed: run `make run` or `pip install -e ./sandbox`, "
        "or set TELEGRAM_BOT_TOKEN."
    ]


def test_serve_without_webhook_settings_says_what_is_missing(tmp_path: Path) -> None:
    result = run_cli("serve", env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: WEBHOOK_URL is missing: serve needs the public https URL Telegram will call."
    )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "upgrade",
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "CONTENT_DIR": str(CONTENT)},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: DATABASE_URL: cannot")
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "x.db").exists()


def test_content_check_passes_on_the_shipped_content() -> None:
    result = run_cli("content", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content is valid" in result.stdout


def test_bot_refuses_to_start_on_invalid_content(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    page = broken / "fr" / "pages" / "about.md"
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    check = run_cli("content", "check", env={"CONTENT_DIR": str(broken)})
    assert check.returncode == 2
    assert "content/fr/pages/about.md:2: error: title: this field is required" in check.stdout
    start = run_cli(
        "demo", "--port", "0", env={"CONTENT_DIR": str(broken), "DATABASE_URL": f"sqlite:///{tmp_path}/d.db"}
    )
    assert start.returncode == 2
    assert "content/fr/pages/about.md:2: error: title: this field is required" in start.stderr
    assert "the bot will not start" in start.stderr
    assert "Traceback" not in start.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
