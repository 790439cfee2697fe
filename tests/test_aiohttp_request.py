"""The aiohttp request layer end to end against the sandbox: what python-telegram-bot's httpx layer does."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox

TOKEN = "123456:TEST-token-for-sandbox-abcdefghij"


@pytest.fixture
async def base() -> AsyncIterator[str]:
    runner, url = await start_sandbox("127.0.0.1", 0)
    yield url
    await runner.cleanup()


def aiohttp_bot(base: str, *, read_timeout: float = 5.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


async def test_messages_errors_and_files_round_trip(base: str) -> None:
    async with SandboxClient(base) as client, aiohttp_bot(base) as bot:
        user = await client.new_user("Amélie", "fr")
        sent = await bot.send_message(user.id, "<b>Bonjour</b> é", parse_mode="HTML")
        assert (await user.last_bot_message() or {})["text"] == "Bonjour é"
        assert sent.chat.id == user.id
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(1, "nobody")

        content = "données,exemple\n".encode() * 2000
        document = InputFile(content, filename="export.csv")
        message = await bot.send_document(user.id, document, caption="fichier")
        assert message.document is not None and message.document.file_name == "export.csv"
        stored = await bot.get_file(message.document.file_id)
        assert bytes(await stored.download_as_bytearray()) == content


async def test_a_slow_answer_is_timed_out(base: str) -> None:
    async with SandboxClient(base) as client, aiohttp_bot(base, read_timeout=0.2) as bot:
        (chat_id,) = await client.create_users(1)
        # A minute of round trip: no answer comes within the read timeout, however slow the machine.
        await client.set_latency(60_000)
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id, "too slow")


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = aiohttp_bot(f"http://127.0.0.1:{port}")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()
    with pytest.raises(NetworkError):
        await bot.initialize()
    await bot.shutdown()


async def test_shutdown_closes_and_initialize_reopens(base: str) -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps it, as for httpx
        await request.post(f"{base}/bot{TOKEN}/getMe")
    for _ in range(2):
        await request.initialize()
        me = await request.post(f"{base}/bot{TOKEN}/getMe")
        assert isinstance(me, dict) and me["id"] == 123456
        await request.shutdown()
    await request.shutdown()  # twice is harmless, as with PTB's own layer
