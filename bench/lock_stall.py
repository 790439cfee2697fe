"""What one held database lock costs everyone else: reply latency of other chats while a lock is held.

    .venv/bin/python bench/lock_stall.py                    # SQLite, a 25 s lock, 40 readers
    .venv/bin/python bench/lock_stall.py --hold 10 --readers 100

One process: the sandbox (Bot API) and the real bot (polling it, `bot.runner.running`) on a fresh migrated
SQLite file. People are enrolled with yesterday as their day of last use, so each one's next update is their
first of the day (the case where the bot used to write that day before answering). Then another connection
(a thread of its own, as another process would) takes the write lock with BEGIN IMMEDIATE and holds it for
`--hold` seconds, while:
- `--readers` other people send /menu, all at once: only reads are needed to answer them;
- one person sends /stop, which must write their row: it needs the lock.
Measured: POST -> first reply (from the sandbox's record of each chat's first bot message) for the readers
(p50, p99, max) and for the blocked person, and what the blocked person got (the answer or the apology).
Run it on the commit before the fix and after to compare (bench/README.md, "One slow lock").
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_services  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.domain.people import accept_notice  # noqa: E402
from bot.runner import SANDBOX_TOKEN, prepare_database, running  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.server import start_sandbox  # noqa: E402

APOLOGY = "mal passé"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(hold: float, readers: int, folder: Path) -> dict[str, object]:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    path = folder / "bench.db"
    settings = load_settings(None, telegram_api_url=base_url, database_url=f"sqlite+aiosqlite:///{path}")
    found = build_services(settings)
    await prepare_database(found.database, migrate_schema=True)
    client = SandboxClient(base_url)
    try:
        ids = await client.create_users(readers + 1)
        yesterday = datetime.now(UTC) - timedelta(days=1)
        async with found.database.session() as session:
            for chat_id in ids:
                await accept_notice(
                    session,
                    chat_id=chat_id,
                    language="fr",
                    role="parent",
                    territory=found.territory_ids[0],
                    source=None,
                    now=yesterday,
                )
        blocked, others = ids[0], ids[1:]
        async with running(found, token=SANDBOX_TOKEN, timers=False) as app:
            assert app.updater is not None
            await app.updater.start_polling(timeout=1, poll_interval=0)
            release, held = threading.Event(), threading.Event()

            def hold_lock() -> None:
                connection = sqlite3.connect(str(path), isolation_level=None)
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("UPDATE person SET language = language WHERE chat_id = ?", (blocked,))
                held.set()
                release.wait()
                connection.execute("ROLLBACK")
                connection.close()

            holder = asyncio.create_task(asyncio.to_thread(hold_lock))
            await asyncio.to_thread(held.wait)
            taken = time.time()
            await client.reset_stats()
            posted: dict[int, float] = {}

            async def send(chat_id: int, text: str) -> None:
                posted[chat_id] = time.time()
                await client.request("POST", f"/users/{chat_id}/messages", json={"text": text})

            await asyncio.gather(send(blocked, "/stop"), *(send(chat_id, "/menu") for chat_id in others))
            await asyncio.sleep(max(0.0, hold - (time.time() - taken)))
            release.set()
            await holder
            released = time.time()
            deadline = released + 60
            while time.time() < deadline:
                replies = await client.first_replies()
                if all(chat_id in replies for chat_id in ids):
                    break
                await asyncio.sleep(0.2)
            messages = await client.request("GET", f"/chats/{blocked}/messages")
            first_to_blocked = next((m["text"] for m in messages if m["from_bot"]), "")
    finally:
        await client.close()
        await runner.cleanup()
    latencies = [replies[c] - posted[c] for c in others if c in replies]
    return {
        "hold_s": hold,
        "readers": readers,
        "answered": len(latencies),
        "readers_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "readers_p99_s": round(percentile(latencies, 0.99), 3) if latencies else None,
        "readers_max_s": round(max(latencies), 3) if latencies else None,
        "readers_answered_before_release": sum(replies[c] < released for c in others if c in replies),
        "blocked_s": round(replies[blocked] - posted[blocked], 3) if blocked in replies else None,
        "blocked_got": "apology"
        if APOLOGY in first_to_blocked
        else ("answer" if first_to_blocked else "none"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=25.0, help="seconds the lock is held")
    parser.add_argument("--readers", type=int, default=40, help="other people reading meanwhile")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(measure(arguments.hold, arguments.readers, Path(folder)))
    for key, value in result.items():
        print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
