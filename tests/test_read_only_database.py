"""A database file that stops taking writes: refused at start, seen in /healthz, recovered from by itself.

Making a file read-only for a test that may run as root: root ignores permission bits, so `chmod` proves
nothing. Two ways that hold as root and for any user:
- at start, the real process is run without the capabilities that let root ignore them (CAP_DAC_OVERRIDE
  and CAP_DAC_READ_SEARCH, dropped from its bounding set with `setpriv`), so a `chmod 444` file is
  read-only to it as to any user;
- while the bot runs, the file and its WAL are made immutable (`chattr +i`): the kernel then refuses writes
  even on the descriptors already open (a `chmod` only affects files opened afterwards), which is what a
  disk remounted read-only does. Filesystems or containers without `chattr` skip that test, saying why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import URL, make_url

from bot import runner as runner_module
from bot.config import ConfigError
from bot.db import Database
from bot.runner import SANDBOX_TOKEN, prepare_database, running
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox
from tests.conftest import CONTENT, HANG, ROOT, ContentCache, _admin, _postgres_database, last, make_settings
from tests.test_config_cli import run_cli
from tests.test_webhook_serve import SECRET, free_port

SORRY = "Désolé, quelque chose s'est mal passé."


def without_root_overrides(*command: str) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only to the bot")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


def test_the_bot_does_not_start_on_a_read_only_file(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "CONTENT_DIR": str(CONTENT)}
    assert run_cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    (tmp_path / "bot.db").chmod(0o444)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    for command in (("demo", "--port", "0"), ("db", "upgrade")):
        result = subprocess.run(
            without_root_overrides(sys.executable, "-m", "bot", *command),
            env={**clean, **env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            "error: DATABASE_URL: the database is read-only; the bot needs to write to it."
        ]


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    names = [str(path) for path in paths if path.exists()]
    subprocess.run(["chattr", "+i", *names], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *names], check=True, capture_output=True)


def chattr_works(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_text("")
    if shutil.which("chattr") is None:
        return False
    try:
        with immutable(probe):
            pass
    except subprocess.CalledProcessError:
        return False
    return True


async def onboard(user: SandboxUser) -> None:
    """Onboarding, whose last step (Accept) is the first write: nothing is stored before it."""
    await user.send("/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    await user.press("✅ J'accepte")


async def health(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, str]]:
    async with http.get(f"{url}/healthz") as reply:
        return reply.status, await reply.json()


async def test_a_file_that_stops_taking_writes_then_takes_them_again(tmp_path: Path) -> None:
    if not chattr_works(tmp_path):
        pytest.skip("chattr +i is not available here (filesystem or missing CAP_LINUX_IMMUTABLE)")
    sandbox, base_url = await start_sandbox("127.0.0.1", 0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = tmp_path / "bot.db"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env = clean | {
        "TELEGRAM_API_URL": base_url,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "DATABASE_URL": f"sqlite:///{database}",
        "WEBHOOK_URL": f"{url}/hook/telegram",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "CONTENT_DIR": str(CONTENT),
    }
    assert run_cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    log = Log(process)
    try:
        await asyncio.wait_for(log.ready.wait(), HANG)
        async with SandboxClient(base_url) as client, aiohttp.ClientSession() as http:
            assert (await health(http, url))[0] == 200
            with immutable(database, database.with_name("bot.db-wal")):
                user = await client.new_user("Lecture seule", "fr")
                await onboard(user)  # the reading steps are answered; the Accept writes, and fails
                message = await last(user)
                assert message is not None and SORRY in message["text"]
                status, body = await health(http, url)
                assert status == 503, body
                assert body["database_write"] in ("read-only", "write error")
            # Writable again: the connections opened meanwhile were read-only; each failure discards the
            # pool's older connections, so at most one more check meets one before new ones are opened.
            statuses = [(await health(http, url))[0] for _ in range(2)]
            assert statuses[-1] == 200, statuses
            again = await client.new_user("Écriture", "fr")
            await onboard(again)
            message = await last(again)
            assert message is not None and "Vos choix sont enregistrés" in message["text"], message
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), HANG)
        await asyncio.wait_for(log.drained, HANG)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await sandbox.cleanup()
    text = "".join(log.lines)
    assert code == 0, text  # was 1, with "RuntimeError: This Application is still running!"
    assert "still running" not in text
    assert "Repères stopped" in text


class Log:
    """The bot's stderr, read as it comes so that the pipe never fills and blocks the bot."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self.drained = asyncio.ensure_future(self._read(process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            if "Repères is serving the webhook" in line:
                self.ready.set()


class DeliveryFailed(Exception):
    pass


async def test_a_failure_after_the_start_still_stops_the_application(
    database_url: str, content_dir: Path, content_cache: ContentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a read-only file the sender's first write failed right after `app.start()`; the Application was
    # then shut down without being stopped, and PTB's "This Application is still running!" replaced the
    # real error (exit 1, at the first start or at SIGTERM). Whatever fails there, the stop comes first.
    async def fails(*_args: object) -> None:
        raise DeliveryFailed

    monkeypatch.setattr(runner_module, "start_delivery", fails)
    sandbox, base_url = await start_sandbox("127.0.0.1", 0)
    try:
        settings = make_settings(
            telegram_api_url=base_url, database_url=database_url, content_dir=content_dir
        )
        found = content_cache.services(settings)
        with pytest.raises(DeliveryFailed):
            async with running(found, token=SANDBOX_TOKEN):
                pass
    finally:
        await sandbox.cleanup()


async def test_a_read_only_postgresql_database_is_refused_at_start(
    postgres_admin: URL, postgres_template: str
) -> None:
    # A standby, or a database set read-only: every write would fail with the apology.
    async with _postgres_database(postgres_admin, postgres_template) as url:
        name = make_url(url).database
        await _admin(postgres_admin, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        database = Database(url)
        try:
            with pytest.raises(ConfigError, match="the database is read-only"):
                await prepare_database(database, migrate_schema=True)
        finally:
            await database.close()
