"""The sandbox answers python-telegram-bot exactly as Telegram would, over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, NetworkError, RetryAfter

from sandbox.client import SandboxClient, SandboxError, SandboxUser
from sandbox.server import start_sandbox
from sandbox.state import MAX_MESSAGES_PER_CHAT, World
from tests.conftest import HANG

# PTB 22 warns that retry_after will become a timedelta; the helper below accepts both.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-token-for-sandbox-abcdefghij"


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


@pytest.fixture
async def user(client: SandboxClient) -> SandboxUser:
    return await client.new_user("Amélie", language_code="fr")


async def post_message(client: SandboxClient, user: SandboxUser, text: str) -> Any:
    """The user writes without waiting for an answer (the test plays the bot by hand)."""
    return await client.request("POST", f"/users/{user.id}/messages", json={"text": text})


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_get_me_follows_the_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "reperes_sandbox_bot"


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_send_html_gives_text_entities_and_page_html(bot: Bot, user: SandboxUser) -> None:
    source = '<b>Bonjour</b> 👋 <i>toi</i> &amp; <a href="https://example.org">lien</a>'
    message = await bot.send_message(user.id, source, parse_mode="HTML")

    assert message.text == "Bonjour 👋 toi & lien"
    assert message.chat.id == user.id and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.is_bot
    # The emoji counts for two UTF-16 units, so "toi" starts at 11, not 10.
    spans = [(e.type, e.offset, e.length, e.url) for e in message.entities]
    assert spans == [
        ("bold", 0, 7, None),
        ("italic", 11, 3, None),
        ("text_link", 17, 4, "https://example.org"),
    ]
    page = await user.last_bot_message()
    assert page is not None and page["message_id"] == message.message_id
    assert page["html"].startswith('<b>Bonjour</b> 👋 <i>toi</i> &amp; <a href="https://example.org"')


async def test_inline_keyboard_round_trip(bot: Bot, user: SandboxUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="q1:yes")]])
    sent = await bot.send_message(user.id, "Continuer ?", reply_markup=keyboard)
    assert sent.reply_markup == keyboard
    assert user.buttons(await user.last_bot_message()) == ["Oui"]

    press = asyncio.create_task(user.press("Oui"))
    updates = await bot.get_updates(timeout=5)
    query = updates[-1].callback_query
    assert query is not None and query.data == "q1:yes"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == user.id
    assert await bot.answer_callback_query(query.id, text="Merci !")
    edited = await bot.edit_message_text("C'est noté.", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, object) and getattr(edited, "edit_date", None) is not None

    events = await press
    assert [event["type"] for event in events] == ["callback_answer", "edit"]
    assert events[0]["text"] == "Merci !" and events[0]["show_alert"] is False
    assert events[1]["message"]["text"] == "C'est noté." and events[1]["message"]["reply_markup"] is None
    # Telegram accepts one answer per query.
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)


async def test_edit_errors(bot: Bot, user: SandboxUser) -> None:
    sent = await bot.send_message(user.id, "Même texte")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Même texte", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=9999)
    assert await bot.delete_message(user.id, sent.message_id)
    assert await user.messages() == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_validation_errors(bot: Bot, user: SandboxUser) -> None:
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "x", reply_markup=too_long_data)
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "p" at byte offset 0'):
        await bot.send_message(user.id, "<p>Paragraphe</p>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "x")
    # The limit counts characters of the parsed text, not of the markup.
    assert (await bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")).text


async def test_blocked_user_is_forbidden(bot: Bot, user: SandboxUser) -> None:
    await user.block(True)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "Coucou")
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    await user.block(False)
    assert (await bot.send_message(user.id, "Re-bonjour")).text == "Re-bonjour"


async def test_per_chat_limit_answers_retry_after(bot: Bot, client: SandboxClient, user: SandboxUser) -> None:
    await client.set_limits(enabled=True, per_chat_rate=1, per_chat_burst=1)
    await bot.send_message(user.id, "un")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "deux")
    assert retry_seconds(caught.value) >= 1
    stats = await client.stats()
    assert stats["too_many_requests"] == 1 and stats["delivered"] == 1
    assert stats["requests"]["sendMessage"] == 2


async def test_injected_faults(bot: Bot, client: SandboxClient, user: SandboxUser) -> None:
    await client.add_fault(method="sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "x")
    assert retry_seconds(caught.value) == 7

    await client.add_fault(method="sendMessage", chat_id=user.id, error_code=403)
    with pytest.raises(Forbidden):
        await bot.send_message(user.id, "x")

    await client.add_fault(error_code=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as server_error:
            await bot.send_message(user.id, "x")
        assert not isinstance(server_error.value, BadRequest)

    await client.add_fault(method="sendMessage", drop=True)
    with pytest.raises(NetworkError, match=r"(?i)disconnected without sending a response"):
        await bot.send_message(user.id, "x")

    # Every fault is used up: the next request goes through, and getMe was never affected.
    assert (await bot.send_message(user.id, "enfin")).text == "enfin"
    stats = await client.stats()
    assert stats["faults_injected"] == 5 and stats["faults_pending"] == 0


async def test_get_updates_long_poll(bot: Bot, client: SandboxClient, user: SandboxUser) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await post_message(client, user, "/start bonjour")
    updates = await asyncio.wait_for(poll, HANG)
    assert len(updates) == 1 and isinstance(updates[0], Update)
    message = updates[0].message
    assert message is not None and message.text == "/start bonjour"
    assert message.from_user is not None and message.from_user.language_code == "fr"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    # Confirming with offset forgets the update.
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_webhook_delivery_with_secret_and_retry(
    bot: Bot, client: SandboxClient, user: SandboxUser
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    got = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if len(received) == 1:
            return web.Response(status=500)  # the sandbox must retry
        got.set()
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret_-X")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()

        await post_message(client, user, "via webhook")
        await asyncio.wait_for(got.wait(), HANG)
        assert [secret for secret, _ in received] == ["s3cret_-X", "s3cret_-X"]
        assert received[0][1]["update_id"] == received[1][1]["update_id"]
        update = Update.de_json(received[1][1], bot)
        assert update.message is not None and update.message.text == "via webhook"
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0 and "500" in (info.last_error_message or "")
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_documents_both_ways(bot: Bot, base: str, client: SandboxClient, user: SandboxUser) -> None:
    content = "Guide des parents — repères\n".encode() * 100
    sent = await bot.send_document(
        user.id, content, filename="guide.txt", caption="<b>Le guide</b>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "guide.txt"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Le guide" and sent.caption_entities[0].type == "bold"

    page = await user.last_bot_message()
    assert page is not None and page["html"] == "<b>Le guide</b>"
    async with client.session.get(base + page["document"]["url"]) as response:
        assert response.status == 200 and await response.read() == content
    telegram_file = await bot.get_file(sent.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == content

    upload = asyncio.create_task(user.upload("note.txt", b"hello sandbox", caption="ma note", timeout=3))
    updates = await bot.get_updates(timeout=5)
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None and document.file_name == "note.txt"
    downloaded = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"hello sandbox"
    await bot.send_message(user.id, "Reçu")
    events = await upload
    assert events[0]["message"]["text"] == "Reçu"


async def test_photo_location_venue(bot: Bot, user: SandboxUser) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000002000000030806000000"
        "9d74cb2f0000001049444154789c63f8ffff3f03420100c3f60bfd00000000"
        "49454e44ae426082"
    )
    photo = await bot.send_photo(user.id, png, caption="carte")
    assert photo.photo[-1].width == 2 and photo.photo[-1].height == 3
    venue = await bot.send_venue(user.id, 48.85, 2.35, "Mairie", "Place de l'Hôtel de Ville")
    assert venue.venue is not None and venue.venue.title == "Mairie" and venue.location is not None
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, b"not an image")
    kinds = [(m["photo"] is not None, m["venue"] is not None) for m in await user.messages()]
    assert kinds == [(True, False), (False, True)]


async def test_commands_per_language(bot: Bot, client: SandboxClient) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Commencer"), BotCommand("aide", "Aide")])
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    scope = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands([BotCommand("start", "ابدأ")], scope=scope, language_code="ar")

    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert [c["command"] for c in await client.commands("fr")] == ["start", "aide"]
    assert [c["description"] for c in await client.commands("en")] == ["Start"]
    assert [c["description"] for c in await client.commands("ar")] == ["ابدأ"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    assert await bot.delete_my_commands(language_code="en")
    assert [c["command"] for c in await client.commands("en")] == ["start", "aide"]


async def test_client_reports_a_silent_bot(user: SandboxUser) -> None:
    with pytest.raises(AssertionError, match=r"(?i)the bot did not answer"):
        await user.send("Il y a quelqu'un ?", timeout=0.3)


async def test_memory_stays_bounded() -> None:
    world = World("b")
    user = world.add_user("Benchmark")
    chat = world.chats[user.id]
    for number in range(MAX_MESSAGES_PER_CHAT + 50):
        world.add_message(chat, from_bot=True, fields={"text": str(number)})
    assert len(chat.messages) == MAX_MESSAGES_PER_CHAT
    assert next(iter(chat.messages.values())).data["text"] == "50"


async def test_control_api_rejects_unknown_user(client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="404"):
        await client.request("POST", "/users/1/messages", json={"text": "x"})
    async with aiohttp.ClientSession() as session, session.get(client.base_url + "/") as page:
        assert page.status == 200 and "<html" in (await page.text()).lower()
