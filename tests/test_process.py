"""The real process: `python -m bot run` without a token starts the sandbox; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

from sandbox.client import SandboxClient
from tests.conftest import CONTENT, HANG, ROOT, last


async def test_run_without_token_starts_the_sandbox_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "CONTENT_DIR": str(CONTENT), "PORT": "8080"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--port",
        "0",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), HANG)).decode()
        found = re.search(r"open (http://127\.0\.0\.1:\d+)/ in a browser", line)
        assert found, line
        async with SandboxClient(found.group(1)) as client:
            user = await client.new_user("Process", "fr")
            await user.send("/start")
            message = await last(user)
            assert message is not None and "Choisissez votre langue" in message["text"]
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), HANG)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    errors = (await process.stderr.read()).decode()
    assert code == 0, errors
    assert "Repères stopped" in errors
    assert "Traceback" not in errors
    assert str(message["chat"]["id"] if "chat" in message else user.id) not in errors, (
        "no chat id in the logs"
    )


async def test_run_without_token_says_it_uses_the_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))}
    with socket.socket() as taken:
        # A port already in use: the run says it falls back to the sandbox, then fails with one clear line.
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env |= {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "CONTENT_DIR": str(CONTENT), "PORT": port}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), HANG)
    assert "TELEGRAM_BOT_TOKEN is not set: starting the local sandbox instead." in out.decode()
    assert process.returncode == 2, err.decode()
    assert (
        err.decode().strip()
        == f"error: PORT: cannot listen on 127.0.0.1:{port} (address in use or not allowed)."
    )
