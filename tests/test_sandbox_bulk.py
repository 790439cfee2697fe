"""The sandbox under benchmark load: bulk users, paid broadcasts, failing chats, cheap counters and bounds."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter

from sandbox import limits, state
from sandbox.client import SandboxClient, SandboxError
from sandbox.context import SANDBOX
from sandbox.limits import Fault, FaultInjector, RateLimiter
from sandbox.server import create_sandbox_app, start_sandbox
from sandbox.state import FIRST_USER_ID, World

# PTB 22 warns that retry_after will become a timedelta; the helper below accepts both.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-token-for-sandbox-abcdefghij"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000030806000000"
    "9d74cb2f0000001049444154789c63f8ffff3f03420100c3f60bfd00000000"
    "49454e44ae426082"
)
# A refill this slow never happens during a test: every 429 below is deterministic, even on a slow machine.
NEVER = 0.01


@pytest.fixture
async def base() -> AsyncIterator[str]:
    runner, url = await start_sandbox("127.0.0.1", 0)
    yield url
    await runner.cleanup()


@pytest.fixture
async def bot(base: str) -> AsyncIterator[Bot]:
    async with Bot(token=TOKEN, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot") as bot:
        yield bot


@pytest.fixture
async def client(base: str) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(base) as client:
        yield client


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_bulk_users_are_contiguous_and_fast(bot: Bot, client: SandboxClient) -> None:
    # An explicit id in the way: the block starts after it rather than overlapping it.
    await client.new_user("Obstacle", user_id=FIRST_USER_ID + 5)
    started = time.perf_counter()
    ids = await client.create_users(100_000, language_code="ar", first_name="Banc")
    elapsed = time.perf_counter() - started
    assert ids == list(range(FIRST_USER_ID + 6, FIRST_USER_ID + 6 + 100_000))
    assert elapsed < 5, f"100,000 users took {elapsed:.2f} s"
    last = await client.request("GET", f"/users/{ids[-1]}")
    assert last == {
        "id": ids[-1],
        "first_name": "Banc",
        "language_code": "ar",
        "username": None,
        "blocked": False,
    }
    assert (await bot.send_message(ids[-1], "Bienvenue")).chat.first_name == "Banc"
    assert (await client.new_user("Suivant")).id == ids[-1] + 1
    assert (await client.stats())["users"] == 100_002

    assert await client.create_users(1, language_code=None) == [ids[-1] + 2]
    assert (await client.request("GET", f"/users/{ids[-1] + 2}"))["language_code"] is None
    for count in (0, 200_001, "10", True, None):
        with pytest.raises(SandboxError, match="400"):
            await client.request("POST", "/users/bulk", json={"count": count})


async def test_paid_broadcasts_have_their_own_global_bucket(bot: Bot, client: SandboxClient) -> None:
    ids = await client.create_users(8)
    source = await bot.send_message(ids[7], "Le message à copier")

    # The free bucket holds one message; paid ones go through up to 1000/s, per chat still paced.
    limits_json = await client.set_limits(global_rate=NEVER, per_chat_rate=NEVER)
    assert limits_json["paid_rate"] == 1000.0
    await bot.send_message(ids[0], "gratuit")
    with pytest.raises(RetryAfter):
        await bot.send_message(ids[1], "gratuit")
    await bot.send_message(ids[1], "payant", allow_paid_broadcast=True)
    await bot.send_photo(ids[2], PNG, allow_paid_broadcast=True)
    await bot.send_document(ids[3], b"guide", filename="guide.txt", allow_paid_broadcast=True)
    await bot.copy_message(ids[4], ids[7], source.message_id, allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(ids[0], "même chat", allow_paid_broadcast=True)

    # And the other way round: an empty paid bucket leaves the free one alone.
    await client.set_limits(paid_rate=NEVER)
    await bot.send_message(ids[5], "payant", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ids[6], "payant", allow_paid_broadcast=True)
    assert retry_seconds(caught.value) >= 1
    await bot.send_message(ids[6], "gratuit")

    stats = await client.stats()
    assert stats["limits"]["paid_rate"] == NEVER
    assert (stats["delivered"], stats["paid_messages"], stats["too_many_requests"]) == (8, 5, 3)
    with pytest.raises(SandboxError, match="400"):
        await client.set_limits(paid_rate=0)


async def test_stats_reset_between_phases(bot: Bot, client: SandboxClient) -> None:
    ids = await client.create_users(3)
    for chat_id in ids:
        await bot.send_message(chat_id, "phase 1", allow_paid_broadcast=True)
    ended = await client.reset_stats()
    assert (ended["delivered"], ended["paid_messages"], ended["requests"]["sendMessage"]) == (3, 3, 3)
    await bot.send_message(ids[0], "phase 2")
    stats = await client.stats()
    assert (stats["delivered"], stats["paid_messages"], stats["requests"]) == (1, 0, {"sendMessage": 1})
    assert stats["users"] == 3


async def test_a_chat_can_fail_as_not_found(bot: Bot, client: SandboxClient) -> None:
    gone, other = await client.create_users(2)
    await client.add_fault(
        error_code=400, description="Bad Request: chat not found", chat_id=gone, method="sendMessage", times=2
    )
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)^chat not found$"):
            await bot.send_message(gone, "x")
    await bot.send_message(other, "les autres chats passent")
    await bot.send_message(gone, "épuisé, le défaut laisse passer")
    assert (await client.stats())["faults_pending"] == 0


async def test_blocked_user_is_forbidden_on_every_send(bot: Bot, client: SandboxClient) -> None:
    user = await client.new_user("Bloque")
    await user.block()
    sends = (
        bot.send_message(user.id, "x"),
        bot.send_photo(user.id, PNG),
        bot.send_document(user.id, b"x", filename="x.txt"),
    )
    for send in sends:
        with pytest.raises(Forbidden, match=r"(?i)^forbidden: bot was blocked by the user$"):
            await send
    assert (await client.stats())["delivered"] == 0


async def test_edit_keeps_the_message_event_as_sent(bot: Bot, client: SandboxClient) -> None:
    user = await client.new_user("Lecteur")
    sent = await bot.send_message(user.id, "avant")
    await bot.edit_message_text("après", chat_id=user.id, message_id=sent.message_id)
    events = await user.poll_events()
    assert [(event["type"], event["message"]["text"]) for event in events] == [
        ("message", "avant"),
        ("edit", "après"),
    ]


def test_faults_keep_their_order_across_chats() -> None:
    injector = FaultInjector()
    injector.add(Fault(error_code=502))
    injector.add(Fault(error_code=400, chat_id=7, times=2))
    injector.add(Fault(error_code=403, chat_id=8))
    assert [fault.error_code for fault in injector.faults] == [502, 400, 403]
    taken = [injector.take("sendmessage", 7) for _ in range(4)]
    assert [fault.error_code if fault else None for fault in taken] == [502, 400, 400, None]
    assert len(injector) == 1 and injector.take("getupdates", 8) is None
    assert (fault := injector.take("sendmessage", 8)) is not None and fault.error_code == 403
    assert len(injector) == 0 and injector.faults == []


def test_rate_limiter_keeps_pacing_chats_past_its_pruning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TRACKED_CHATS", 10)
    limiter = RateLimiter(enabled=True, global_rate=1e9, per_chat_rate=NEVER)
    assert all(limiter.check(chat_id) is None for chat_id in range(1000))
    # Pruning can drop no bucket here (none refills): every chat must still be refused.
    assert all(limiter.check(chat_id) is not None for chat_id in range(1000))


def test_stored_messages_and_events_are_bounded_over_all_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "MAX_STORED_MESSAGES", 5)
    monkeypatch.setattr(state, "MAX_STORED_EVENTS", 5)
    world = World("b")
    chats = [world.chats[user_id] for user_id in world.add_users(3, "Bench", "fr")]
    for number in range(12):
        chat = chats[number % 3]
        stored = world.add_message(chat, from_bot=True, fields={"text": str(number)})
        world.add_event(chat, "message", message=stored)
    kept = sorted(int(m.data["text"]) for chat in chats for m in chat.messages.values())
    assert kept == [7, 8, 9, 10, 11]
    assert sorted(event.seq for chat in chats for event in chat.events) == [8, 9, 10, 11, 12]
    assert [event.seq for event in world.events_after(chats[0], 9)] == [10]


async def test_an_event_wakes_only_its_own_chat() -> None:
    world = World("b")
    watched, busy = (world.chats[user_id] for user_id in world.add_users(2, "Bench", "fr"))
    checks = 0  # how many times the waiter looked at its chat

    def predicate() -> bool:
        nonlocal checks
        checks += 1
        return bool(world.events_after(watched, 0))

    waiting = asyncio.create_task(world.wait_for(predicate, 5, topic=watched.id))
    await asyncio.sleep(0)
    for _ in range(100):
        world.add_event(busy, "message")
        await asyncio.sleep(0)
    assert checks == 1 and not waiting.done()
    world.add_event(watched, "message")
    assert await asyncio.wait_for(waiting, 1)


async def test_latency_is_a_round_trip_around_every_call() -> None:
    # The waits are recorded rather than timed: half the round trip before the call, half after, and the
    # message is in the chat when the second half starts (a reply reaches a chat before the bot hears).
    runner = web.AppRunner(create_sandbox_app(latency_ms=60), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    sandbox = runner.app[SANDBOX]
    waits: list[tuple[float, int]] = []

    async def record(seconds: float) -> None:
        waits.append((seconds, sandbox.stats.delivered))

    sandbox.sleep = record
    try:
        async with SandboxClient(base) as control, Bot(TOKEN, base_url=f"{base}/bot") as bot:
            assert (await control.stats())["latency_ms"] == 60
            (chat_id,) = await control.create_users(1)
            waits.clear()
            await bot.send_message(chat_id, "hello")
            assert waits == [(0.03, 0), (0.03, 1)]
            assert list(await control.first_replies()) == [chat_id]

            await control.set_latency(0)
            assert (await control.stats())["latency_ms"] == 0
            waits.clear()
            await bot.send_message(chat_id, "again")
            assert waits == []
            with pytest.raises(SandboxError):
                await control.set_latency(-1)
            await control.reset_stats()
            assert await control.first_replies() == {}
    finally:
        await runner.cleanup()
