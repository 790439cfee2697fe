"""The update processor: chats in parallel, one chat in order, a bound, no memory kept for idle chats.

Real asyncio throughout; events decide when a handler may finish, so nothing depends on timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bot.core.updates import SHARED, ChatOrderedProcessor, chat_key
from bot.runner import SANDBOX_TOKEN
from sandbox.server import start_sandbox


def message_update(update_id: int, chat_id: int) -> Update:
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
    sender = {"id": abs(chat_id), "is_bot": False, "first_name": "T"}
    data = {"message_id": update_id, "date": 0, "chat": chat, "from": sender, "text": str(update_id)}
    return Update.de_json({"update_id": update_id, "message": data}, None)


class Gate:
    """A handler body that records when it starts and waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.release: dict[int, asyncio.Event] = {}
        self.entered: dict[int, asyncio.Event] = {}

    def prepare(self, *ids: int) -> None:
        for update_id in ids:
            self.release[update_id] = asyncio.Event()
            self.entered[update_id] = asyncio.Event()

    async def handle(self, update_id: int) -> None:
        self.started.append(update_id)
        self.entered[update_id].set()
        await self.release[update_id].wait()
        self.finished.append(update_id)


async def settle() -> None:
    """Let every runnable task run until it blocks (a few loop turns; no timing involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


def test_chat_key_prefers_the_chat_then_the_user() -> None:
    assert chat_key(message_update(1, 42)) == 42
    assert chat_key(message_update(2, -100)) == -100
    sender = {"id": 7, "is_bot": False, "first_name": "T"}
    inline = {"id": "q", "from": sender, "query": "", "offset": ""}
    query = Update.de_json({"update_id": 3, "inline_query": inline}, None)
    assert chat_key(query) == 7
    assert chat_key(Update(update_id=4)) == SHARED
    assert chat_key(object()) == SHARED


async def test_one_chat_in_order_while_other_chats_go_ahead() -> None:
    processor = ChatOrderedProcessor(8)
    gate = Gate()
    gate.prepare(1, 2, 3)
    tasks = [
        asyncio.create_task(processor.process_update(message_update(1, 10), gate.handle(1))),
        asyncio.create_task(processor.process_update(message_update(2, 10), gate.handle(2))),
        asyncio.create_task(processor.process_update(message_update(3, 20), gate.handle(3))),
    ]
    await gate.entered[1].wait()
    await gate.entered[3].wait()  # another chat runs while chat 10's first update is still running
    await settle()
    assert gate.started == [1, 3]  # chat 10's second update waits for its first
    assert processor.current_concurrent_updates == 2
    gate.release[3].set()
    gate.release[1].set()
    await gate.entered[2].wait()
    gate.release[2].set()
    await asyncio.gather(*tasks)
    assert gate.finished.index(1) < gate.finished.index(2)
    assert processor.waiting_chats == 0  # nothing kept for idle chats


async def test_many_updates_of_one_chat_keep_their_order() -> None:
    processor = ChatOrderedProcessor(4)
    seen: list[int] = []

    async def record(update_id: int) -> None:
        await asyncio.sleep(0)  # give others every chance to overtake
        seen.append(update_id)

    await asyncio.gather(*(processor.process_update(message_update(i, 5), record(i)) for i in range(1, 101)))
    assert seen == list(range(1, 101))
    assert processor.waiting_chats == 0


async def test_the_bound_holds_and_waiting_chats_take_no_slot() -> None:
    processor = ChatOrderedProcessor(2)
    gate = Gate()
    ids = [1, 2, 3, 4]
    gate.prepare(*ids)
    # Two updates of chat 10 first: the second waits for its chat and must not take one of the two slots.
    chats = {1: 10, 2: 10, 3: 20, 4: 30}
    tasks = [
        asyncio.create_task(processor.process_update(message_update(i, chats[i]), gate.handle(i)))
        for i in ids
    ]
    await gate.entered[1].wait()
    await gate.entered[3].wait()
    await settle()
    assert sorted(gate.started) == [1, 3]  # two running: chat 30 waits for a slot, chat 10 for its turn
    assert processor.current_concurrent_updates == 2
    gate.release[3].set()
    await gate.entered[4].wait()  # the freed slot goes to the other chat, not to chat 10's second update
    await settle()
    assert sorted(gate.started) == [1, 3, 4]
    gate.release[1].set()
    await gate.entered[2].wait()
    gate.release[2].set()
    gate.release[4].set()
    await asyncio.gather(*tasks)
    assert processor.current_concurrent_updates == 0
    assert processor.waiting_chats == 0


async def test_a_failing_handler_frees_its_chat() -> None:
    processor = ChatOrderedProcessor(2)

    async def fail() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await processor.process_update(message_update(1, 10), fail())
    done = asyncio.Event()

    async def succeed() -> None:
        done.set()

    await processor.process_update(message_update(2, 10), succeed())
    assert done.is_set()
    assert processor.waiting_chats == 0


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ChatOrderedProcessor(0)


@pytest.fixture
async def sandbox_url() -> AsyncIterator[str]:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    try:
        yield base_url
    finally:
        await runner.cleanup()


async def test_application_runs_every_group_and_stop_waits_for_queued_updates(sandbox_url: str) -> None:
    """Through PTB's own Application: group -1 still sees each update first, and stop() drains the queue."""
    processor = ChatOrderedProcessor(4)
    app = (
        ApplicationBuilder()
        .token(SANDBOX_TOKEN)
        .base_url(f"{sandbox_url}/bot")
        .concurrent_updates(processor)
        .build()
    )
    assert app.update_processor is processor
    steps: list[tuple[int, str]] = []
    first_running = asyncio.Event()
    let_go = asyncio.Event()

    async def counter(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        steps.append((update.update_id, "counted"))

    async def handler(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.update_id == 1:
            first_running.set()
            await let_go.wait()
        steps.append((update.update_id, "handled"))

    app.add_handler(TypeHandler(Update, counter), group=-1)
    app.add_handler(TypeHandler(Update, handler), group=0)
    async with app:
        await app.start()
        for update_id in (1, 2, 3):
            await app.update_queue.put(message_update(update_id, 10))
        await app.update_queue.put(message_update(4, 20))
        await first_running.wait()
        stopping = asyncio.create_task(app.stop())
        await settle()
        assert not stopping.done()  # stop() waits for the update in progress and those queued behind it
        let_go.set()
        await stopping
    handled = [update_id for update_id, step in steps if step == "handled"]
    assert sorted(handled) == [1, 2, 3, 4]
    assert [i for i in handled if i != 4] == [1, 2, 3]
    for update_id in (1, 2, 3, 4):
        assert steps.index((update_id, "counted")) < steps.index((update_id, "handled"))
    assert processor.waiting_chats == 0
