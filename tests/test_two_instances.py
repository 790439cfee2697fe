"""Two real `python -m bot serve` processes on one PostgreSQL database, behind one webhook address.

Both answer updates; one holds the delivery lease and sends a campaign at a slow BROADCAST_RATE. It is
killed (SIGKILL) mid-send: the other takes the lease, recovers the batch in flight and sends the rest.
Nobody is skipped, duplicates stay within that batch and the report counts them, and the sandbox, which
enforces a global limit a little above BROADCAST_RATE, never had to answer 429: one sender at a time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import select

from bot.db import Database
from bot.delivery.lease import CHANNEL
from bot.domain import run_outcomes
from bot.models import Campaign, CampaignRun
from bot.runner import SANDBOX_TOKEN
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import enrol_parent, wait_for
from tests.conftest import CONTENT, HANG, ROOT
from tests.test_crash_resume import COORDINATOR, approved
from tests.test_webhook_serve import free_port

RECIPIENTS = 60
RATE = 5  # messages per second: the send lasts about 12 s, long enough to kill the sender in the middle
BATCH = max(1, round(RATE / 2))  # the sender's batch: half a second of sending
SECRET = "two_instances-secret"
INTERACTIVE = 6  # people who write to the bot through the shared address


class RoundRobin:
    """The one address in front of both instances (a load balancer): each update goes to the next instance
    that answers, so a dead one is skipped, and it counts which instance took each."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.taken: Counter[str] = Counter()
        self._next = 0
        self.http: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        assert self.http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        for _ in self.backends:
            backend = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                async with self.http.post(backend + request.path, data=body, headers=headers) as reply:
                    self.taken[backend] += reply.status == 200
                    return web.Response(status=reply.status, body=await reply.read())
            except aiohttp.ClientConnectionError:
                continue  # this instance is down: the next one takes the update
        return web.Response(status=502)


async def start_instance(
    port: int, *, base_url: str, database_url: str, webhook: str, log: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_URL": base_url,
        "DATABASE_URL": database_url,
        "WEBHOOK_URL": webhook,
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "COORDINATORS": str(COORDINATOR),
        "BROADCAST_RATE": str(RATE),
        "CONTENT_DIR": str(CONTENT),
    }
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdout=output, stderr=output
        )


async def scrape(http: aiohttp.ClientSession, backend: str, name: str) -> float:
    """One figure from an instance's /metrics (0 when absent)."""
    async with http.get(f"{backend}/metrics") as reply:
        body = await reply.text()
    values = [float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name + " ")]
    values += [float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name + "{")]
    return sum(values)


async def healthy(http: aiohttp.ClientSession, backend: str) -> bool:
    try:
        async with http.get(f"{backend}/healthz") as reply:
            return reply.status == 200
    except aiohttp.ClientConnectionError:
        return False


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[RoundRobin, str, list[int]]]:
    ports = [free_port(), free_port()]
    balancer = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    app = web.Application()
    app.router.add_post("/{tail:.*}", balancer.forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http:
        balancer.http = http
        yield balancer, f"http://127.0.0.1:{port}/hook/telegram", ports
    await runner.cleanup()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_instances_share_updates_and_the_sender_survives_kill_9(
    database: Database,
    database_url: str,
    proxy: tuple[RoundRobin, str, list[int]],
    tmp_path: Path,
) -> None:
    balancer, webhook, ports = proxy
    sandbox, base_url = await start_sandbox("127.0.0.1", 0)
    client = SandboxClient(base_url)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes: list[asyncio.subprocess.Process] = []
    http = aiohttp.ClientSession()
    try:
        coordinator = await client.new_user("Coord", "fr", user_id=COORDINATOR)
        ids = await client.create_users(RECIPIENTS)
        now = datetime.now(UTC)
        async with database.session() as session:
            for chat_id in ids:
                await enrol_parent(session, chat_id=chat_id, now=now)
        backends = balancer.backends
        for port, log in zip(ports, logs, strict=True):  # one after the other: the first takes the lease
            processes.append(
                await start_instance(
                    port, base_url=base_url, database_url=database_url, webhook=webhook, log=log
                )
            )
            backend = backends[len(processes) - 1]

            async def up(backend: str = backend) -> bool:
                return await healthy(http, backend)

            await wait_for(up, HANG, f"instance {len(processes)} to serve")
        held = [await scrape(http, backend, "reperes_delivery_lease_held") for backend in backends]
        assert held == [1.0, 0.0], "exactly one instance holds the lease, the first one started"

        # Both instances answer people: the shared address hands updates to each in turn.
        people = [await client.new_user(f"Parent {n}", "fr") for n in range(INTERACTIVE)]
        for person in people:
            replies = await person.send("/start")
            texts = [str(event.get("message", {}).get("text")) for event in replies]
            assert any("Choisissez votre langue" in t for t in texts), texts
        assert all(balancer.taken[backend] >= 2 for backend in backends), balancer.taken
        for backend in backends:
            assert await scrape(http, backend, "reperes_updates_total") >= 2, f"{backend} handled no update"

        # A campaign at a slow rate; the sandbox refuses anything past a little above it, over all chats.
        await client.set_limits(enabled=True, global_rate=RATE + 3, per_chat_rate=100, per_chat_burst=10)
        await client.reset_stats()
        async with database.session() as session:
            session.add(approved("Relayée", datetime.now(UTC)))
        async with database.session() as session:  # what an instance without the lease does after /campaign
            connection = await session.connection()
            await connection.execute(text("SELECT pg_notify(:c, 'tick')"), {"c": CHANNEL})

        async def under_way() -> bool:
            return int((await client.stats())["delivered"]) >= 15

        await wait_for(under_way, HANG, "the send to be under way")
        processes[0].kill()  # SIGKILL: the sender dies mid-batch, with no goodbye
        await processes[0].wait()
        at_kill = int((await client.stats())["delivered"])
        assert at_kill < RECIPIENTS, "the kill came too late to test anything"

        async def taken_over() -> bool:
            return await scrape(http, backends[1], "reperes_delivery_lease_held") == 1.0

        await wait_for(taken_over, HANG, "the second instance to take the lease")

        async def done() -> bool:
            async with database.session() as session:
                runs = (await session.exec(select(CampaignRun))).all()
                return len(runs) == 1 and runs[0].status == "done"

        await wait_for(done, HANG, "the second instance to finish the send")

        # The surviving instance still answers everyone through the same address.
        for person in people[:2]:
            assert await person.send("/help")

        duplicates = 0
        for chat_id in ids:
            messages = await client.request("GET", f"/chats/{chat_id}/messages")
            got = sum("Campagne Relayée" in str(m.get("text", "")) for m in messages if m["from_bot"])
            assert got >= 1, f"chat {chat_id} was skipped"
            duplicates += got - 1
        async with database.session() as session:
            campaign = (await session.exec(select(Campaign).where(Campaign.title == "Relayée"))).one()
            run = (await run_outcomes.runs_of(session, campaign.id or 0))[0]
        print(  # the figures the README quotes, shown with `pytest -s`
            f"two instances: updates taken {dict(balancer.taken)}; holder killed after {at_kill} of "
            f"{RECIPIENTS} messages; {run.possible_duplicates} in flight, {duplicates} arrived twice"
        )
        assert duplicates <= run.possible_duplicates <= BATCH
        stats = await client.stats()
        assert stats["too_many_requests"] == 0, "two instances sent at once, or one sent too fast"

        texts = [str(m.get("text", "")) for m in await coordinator.messages() if m["from_bot"]]
        report = [t for t in texts if t.startswith("📤 Relayée")]
        assert report, texts
        assert f"Envoyés : {RECIPIENTS}" in report[-1].replace("\u202f", "")
        if run.possible_duplicates:
            assert "Peut-être reçus deux fois" in report[-1]

        processes[1].send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(processes[1].wait(), HANG) == 0
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await http.close()
        await client.close()
        await sandbox.cleanup()
        for log in logs:
            if log.exists():
                print(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:])
