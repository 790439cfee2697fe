"""Fuzzing the running bot: every update, crafted or random, gets an answer and no handler raises.

Each update goes through the sandbox over HTTP to the real Application, from several people (two parents,
a professional, a coordinator, someone who never went through onboarding) in French, English and Arabic:

- crafted: every button prefix of `Action` with edge fields ("²", "٣", "-1", "", 20 digits, 2147483648,
  NUL, long strings, unicode); each kind of button the bot really showed (found by pressing one of each,
  screen after screen) with each number field forged and one more field added; the coordinator's and the
  professional's buttons pressed by a parent; every registered command with odd arguments (coordinator
  commands from a coordinator and from a parent); texts of 4096 characters, control, bidi and zero-width
  characters, emoji, right-to-left text; files and locations;
- random: a seeded walk that presses the buttons the bot really sent, mutates their fields, presses the
  buttons sent to someone else (forged: the data of another person's message on one's own), types
  random text, shares locations and sends files.

Photos and stickers go in as documents with an image type: the sandbox's control API sends text, button
presses, locations and documents. Pressing a button on a message of another chat is not possible in
Telegram (a press names a message of one's own chat), so a forged button here is another person's data
pressed on one's own message, which a modified client can send.

An update fails when a handler logs an error (a record at ERROR or above: the error handler's "handler
failed" line, a traceback) or when no chat saw any bot reaction (a message, an edit or a callback answer;
a relayed message is answered in the other person's chat). The test runs to the end and then lists every
failing input, so one run shows them all. The seed is fixed; set FUZZ_SEED to explore, and a failure
prints the seed to reproduce it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.core.callbacks import SEPARATOR, VERSION, Action
from bot.roles import PARENT, PROFESSIONAL
from sandbox.client import SandboxUser
from tests.campaign_support import add_person
from tests.conftest import HANG, Harness

SEED = int(os.environ.get("FUZZ_SEED", "20261202"))
RANDOM_UPDATES = int(os.environ.get("FUZZ_UPDATES", "200"))
COORDINATOR = 900300
# The commands only coordinators may use: each is sent by a coordinator and by a parent.
COORDINATION = {
    "campaign",
    "campaigns",
    "grant",
    "revoke",
    "coordinators",
    "audit",
    "invite",
    "training_stats",
}

# Fields a forged button or a command argument may carry: numbers Python reads but the database does not,
# numbers beyond the columns, signs, NUL, long and non-ASCII strings.
EDGE = [
    "²",
    "٣",
    "-1",
    "",
    "0",
    "99999999999999999999",
    "2147483648",
    "2147483647",
    "1\x00",
    "\x00",
    "x" * 50,
    "é",
    "🙂",
    "\u202e1",
    " 1",
    "1e3",
]
# What a number field may be forged into.
NUMBERS = ["²", "99999999999999999999", "2147483648", "1\x00"]
# Command arguments: the numbers of NUMBERS and a few words.
ARGUMENTS = ["", *NUMBERS, "\x00", "-1", "٣", "inv_AB\x00CD", "a b c", "x" * 300, "🙂", "\u202e1"]
# Presses that show the fuzz the bot's screens before it starts, per person.
EXPLORE_PRESSES = 60
# Typed text that has broken bots before: controls, bidi overrides, zero-width joiners, right to left.
TEXTS = [
    "a" * 4096,
    "é" * 4096,
    "🙂" * 2048,  # 4096 UTF-16 units, Telegram's limit
    "ب" * 4096,
    "AB\x00CD",
    "\x00",
    "\x1b[31mrouge\x1b[0m",
    "\u202eesrever",
    "\u2066isolé\u2069 \u2067معزول\u2069 \u2068x",
    "\u200b\u200c\u200d\ufeff",
    "\u061c\u200e\u200f",
    "ابني لا يريد الذهاب إلى المدرسة",
    "Mon fils 🙂 a peur",
    "%s %d {0} {name} ${x}",
    "<b>gras</b> <a href='x'>lien</a> &amp;",
    "*_`[]()~>#+-=|{}.!",
    "\ud7ff\ue000\U0010ffff",
    "/",
    "//start",
    "@reperes_bot",
]
FILES = [
    ("notes.txt", b"hello", "text/plain"),
    ("photo.jpg", b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg"),
    ("sticker.webp", b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
    ("\u202egpj.exe", b"MZ", "application/octet-stream"),
]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR)}


class Errors(logging.Handler):
    """Every record at ERROR or above, from any logger, while the fuzz runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Fuzz:
    harness: Harness
    people: list[SandboxUser]
    errors: Errors
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    last_update_id: int = 0
    latest: dict[int, int] = field(default_factory=dict)  # each person's latest message from the bot
    seen_data: dict[int, list[str]] = field(default_factory=dict)  # buttons each person was shown

    async def _update(self, person: SandboxUser, what: str, path: str, **body: Any) -> None:
        """Send one update from `person` through the sandbox's control API, and judge how it went."""
        errors, seq = len(self.errors.records), await self._seq()
        reply = await self.harness.client.request("POST", f"/users/{person.id}/{path}", **body)
        await self._settled(person, f"{_who(person)} {what}", reply, errors, seq)

    async def _seq(self) -> int:
        """The sandbox's latest event number: what the bot does next comes after it, in any chat."""
        return int((await self.harness.client.request("GET", "/info"))["seq"])

    async def _settled(
        self, person: SandboxUser, what: str, reply: dict[str, Any], errors: int, seq: int
    ) -> None:
        """Wait for the bot to finish the update, then check it answered somewhere (the person's chat
        first, another one for a relayed message) and logged no error."""
        self.sent += 1
        update_id = reply.get("update_id")
        assert isinstance(update_id, int) and self.harness.client.processed is not None
        self.last_update_id = update_id
        try:
            await asyncio.wait_for(self.harness.client.processed(update_id), HANG)
        except TimeoutError as hang:
            hang.add_note(f"the bot never finished {what} (FUZZ_SEED={SEED})")
            raise
        answered = False
        for someone in [person, *(p for p in self.people if p is not person)]:
            for event in await someone.poll_events(0):
                self._harvest(someone, event)
                from_bot = event.get("type") != "message" or (event.get("message") or {}).get("from_bot")
                answered = answered or bool(from_bot and int(event["seq"]) > seq)
            if answered:
                break  # the others' events are read when they next act or are needed
        problems = [
            f"{record.levelname} {record.name}: {record.getMessage()}"
            + (f" ({type(record.exc_info[1]).__name__})" if record.exc_info and record.exc_info[1] else "")
            for record in self.errors.records[errors:]
        ]
        if not answered:
            problems.append("no answer in any chat")
        if problems:
            self.failures.append(f"{what}: {'; '.join(problems)}")

    def _harvest(self, person: SandboxUser, event: dict[str, Any]) -> None:
        """Keep the buttons the bot showed, and its latest message (where the person's presses land)."""
        message = event.get("message") or {}
        if event.get("type") == "message" and message.get("from_bot"):
            self.latest[person.id] = int(message["message_id"])
        if event.get("type") == "delete" and self.latest.get(person.id) == event.get("message_id"):
            del self.latest[person.id]
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data and data not in self.seen_data.setdefault(person.id, []):
                    self.seen_data[person.id].append(data)

    async def send(self, person: SandboxUser, text: str) -> None:
        await self._update(person, f"sends {text[:80]!r}", "messages", json={"text": text})

    async def press(self, person: SandboxUser, data: str) -> None:
        body = {"message_id": await self._a_message_of(person), "data": data}
        await self._update(person, f"presses {data!r}", "callbacks", json=body)

    async def locate(self, person: SandboxUser, latitude: float, longitude: float) -> None:
        body = {"latitude": latitude, "longitude": longitude}
        await self._update(person, f"shares ({latitude}, {longitude})", "locations", json=body)

    async def upload(self, person: SandboxUser, name: str, content: bytes, kind: str) -> None:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type=kind)
        await self._update(person, f"uploads {name!r}", "documents", data=form)

    async def _a_message_of(self, person: SandboxUser) -> int:
        """The bot's latest message in the person's chat (a press needs one); greeted first if none."""
        if person.id not in self.latest:
            await self.send(person, "/start")
        return self.latest[person.id]


def _who(person: SandboxUser) -> str:
    return f"{person.first_name}({person.language_code})"


def button(action: Action, *fields: str) -> str:
    """Button data as a forged client sends it: no 64-byte limit, no check on the fields."""
    return SEPARATOR.join((VERSION, action.value, *fields))


def crafted_buttons(seen: dict[int, list[str]]) -> Iterator[str]:
    """Every prefix bare and with each edge field; then each kind of real button ("1:q:3:1:0") with each
    of its number fields in turn replaced by each edge number, and with an edge number added at its end."""
    for action in Action:
        yield button(action)
        yield button(action) + SEPARATOR
        for edge in EDGE:
            yield button(action, edge)
    for example in shapes(seen):
        parts = example.split(SEPARATOR)
        for index, part in enumerate(parts[2:], start=2):
            if part.isdigit():
                for edge in NUMBERS:
                    yield SEPARATOR.join([*parts[:index], edge, *parts[index + 1 :]])
        for edge in NUMBERS:
            yield SEPARATOR.join([*parts, edge])


def shape_of(data: str) -> tuple[str, ...]:
    """A button's kind: its action and one-letter verbs, whatever its numbers and ids ("1:q:3:1:0" is
    1:q:#:#:#, "1:r:talk_without_judging:2" and every other resource page are 1:r:w:#)."""
    return tuple("#" if part.isdigit() else part if len(part) == 1 else "w" for part in data.split(SEPARATOR))


def shapes(seen: dict[int, list[str]]) -> list[str]:
    """One real button of each kind."""
    found: dict[tuple[str, ...], str] = {}
    for data in (d for buttons in seen.values() for d in buttons):
        found.setdefault(shape_of(data), data)
    return list(found.values())


def commands_of(harness: Harness) -> list[str]:
    return sorted(
        {
            command
            for handlers in harness.app.handlers.values()
            for handler in handlers
            if isinstance(handler, CommandHandler)
            for command in handler.commands
        }
    )


def mutate(data: str, rng: random.Random) -> str:
    parts = data.split(SEPARATOR)
    index = rng.randrange(1, len(parts) + 1)
    edge = rng.choice(EDGE)
    if index == len(parts):
        return SEPARATOR.join([*parts, edge])
    parts[index] = edge
    return SEPARATOR.join(parts)


def random_text(rng: random.Random) -> str:
    pools = [
        "abcdefghij XYZ éàç ",
        "ابتثجحخدذرزسشصضطظعغفقكلمنهوي ",
        "\x00\x01\x1b\x7f\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
        "🙂👨‍👩‍👧🏳️‍🌈٣²0123456789",
        "/:_-@#<>&'\"",
    ]
    length = rng.choice([1, 2, 5, 30, 300, 4096])
    text = "".join(rng.choice(rng.choice(pools)) for _ in range(length))
    return text if text.strip() else text + "a"


async def people_of(harness: Harness) -> list[SandboxUser]:
    client = harness.client
    parent_fr = await client.new_user("Parent", "fr")
    parent_ar = await client.new_user("أم", "ar")
    professional = await client.new_user("Pro", "en")
    coordinator = await client.new_user("Coord", "fr", user_id=COORDINATOR)
    newcomer = await client.new_user("New", None)
    await add_person(harness, parent_fr, role=PARENT)
    await add_person(harness, parent_ar, language="ar", role=PARENT)
    await add_person(harness, professional, language="en", role=PROFESSIONAL)
    await add_person(harness, coordinator, role=PROFESSIONAL)
    return [parent_fr, parent_ar, professional, coordinator, newcomer]


async def explore(fuzz: Fuzz) -> None:
    """Open the screens a real session opens, then press one button of each kind each person is shown,
    screen after screen, so the fuzz knows the bot's real buttons (a module's cards, a resource's pages, a
    quiz's questions). Erasing one's data is left out: the people must stay who they are."""
    coordinator = fuzz.people[3]
    await fuzz.send(coordinator, "/campaign Essai")
    await fuzz.send(coordinator, "/invite")
    for person in fuzz.people:
        for command in ("/start", "/menu", "/help", "/settings", "/privacy", "/crip", "/campaigns"):
            await fuzz.send(person, command)
    for person in (fuzz.people[0], fuzz.people[2], coordinator):  # a parent, a professional, a coordinator
        pressed: set[tuple[str, ...]] = set()
        for _ in range(EXPLORE_PRESSES):
            fresh = [
                data
                for data in fuzz.seen_data.get(person.id, [])
                if shape_of(data) not in pressed and not data.startswith(button(Action.PRIVACY))
            ]
            if not fresh:
                break
            pressed.add(shape_of(fresh[0]))
            await fuzz.press(person, fresh[0])


@pytest.fixture
def fuzz_errors() -> Iterator[Errors]:
    errors = Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        yield errors
    finally:
        root.removeHandler(errors)


def verdict(fuzz: Fuzz, kind: str) -> None:
    if fuzz.failures:
        listing = "\n".join(fuzz.failures)
        pytest.fail(
            f"{len(fuzz.failures)} of {fuzz.sent} {kind} updates failed (FUZZ_SEED={SEED}):\n{listing}",
            pytrace=False,
        )


async def test_crafted_inputs_are_answered_without_an_error(harness: Harness, fuzz_errors: Errors) -> None:
    fuzz = Fuzz(harness, await people_of(harness), fuzz_errors)
    await explore(fuzz)
    parent, parent_ar, professional, coordinator, newcomer = fuzz.people
    # Each button from the person it is meant for (some actions check the role before the fields), the
    # others from the two parents in turn.
    meant_for = {Action.COMPOSER: coordinator, Action.CAMPAIGN: coordinator, Action.CONTACT: professional}
    for index, data in enumerate(dict.fromkeys(crafted_buttons(fuzz.seen_data))):
        action = Action(data.split(SEPARATOR)[1])
        await fuzz.press(meant_for.get(action, parent_ar if index % 2 else parent), data)
    # Forged: the buttons the coordinator and the professional were shown, pressed by a parent.
    for data in [*fuzz.seen_data.get(coordinator.id, []), *fuzz.seen_data.get(professional.id, [])]:
        await fuzz.press(parent, data)
    for command in commands_of(harness):
        senders = (parent_ar, coordinator) if command in COORDINATION else (parent, professional)
        for index, argument in enumerate(ARGUMENTS):
            text = f"/{command} {argument}" if argument.strip() else f"/{command}"
            if command in COORDINATION:
                await fuzz.send(parent_ar, text)  # refused before the argument is read
            await fuzz.send(coordinator if command in COORDINATION else senders[index % 2], text)
    for person in (professional, newcomer):
        for text in TEXTS:
            await fuzz.send(person, text)
        for name, content, kind in FILES:
            await fuzz.upload(person, name, content, kind)
        await fuzz.locate(person, 0.0, 0.0)
        await fuzz.locate(person, -90.0, 180.0)
    verdict(fuzz, "crafted")


async def test_random_updates_are_answered_without_an_error(harness: Harness, fuzz_errors: Errors) -> None:
    rng = random.Random(SEED)
    fuzz = Fuzz(harness, await people_of(harness), fuzz_errors)
    await explore(fuzz)
    commands = commands_of(harness)
    for _ in range(RANDOM_UPDATES):
        person = rng.choice(fuzz.people)
        own = fuzz.seen_data.get(person.id) or ["1:m"]
        others = [d for p in fuzz.people if p is not person for d in fuzz.seen_data.get(p.id, [])] or own
        roll = rng.random()
        if roll < 0.35:
            await fuzz.press(person, rng.choice(own[-30:]))  # a real button, most likely a recent one
        elif roll < 0.5:
            await fuzz.press(person, mutate(rng.choice(own), rng))
        elif roll < 0.6:
            await fuzz.press(person, rng.choice(others))  # another person's button, on one's own message
        elif roll < 0.75:
            argument = rng.choice(["", *EDGE, random_text(rng)[:64]])
            await fuzz.send(person, f"/{rng.choice(commands)} {argument}".rstrip() or "/start")
        elif roll < 0.93:
            await fuzz.send(person, random_text(rng))
        elif roll < 0.97:
            await fuzz.locate(person, rng.uniform(-90, 90), rng.uniform(-180, 180))
        else:
            await fuzz.upload(person, *rng.choice(FILES))
    verdict(fuzz, "random")


async def test_the_fuzz_notices_a_handler_error_and_an_unanswered_update(
    harness: Harness, fuzz_errors: Errors
) -> None:
    """The fuzz's two checks themselves: a handler that raises, and an update nobody answered."""

    async def explode(_update: Update, _context: object) -> None:
        raise ValueError("boom")

    harness.app.add_handler(MessageHandler(filters.Regex("^boom$"), explode), group=-5)
    fuzz = Fuzz(harness, await people_of(harness), fuzz_errors)
    await fuzz.send(fuzz.people[0], "boom")
    assert len(fuzz.failures) == 1 and "handler failed: ValueError" in fuzz.failures[0], fuzz.failures
    # The bot apologised, so that update was answered; the same update read again finds no new answer.
    assert "no answer" not in fuzz.failures[0]
    await fuzz.send(fuzz.people[0], "bonjour")
    fuzz.failures.clear()
    again = {"update_id": fuzz.last_update_id}
    await fuzz._settled(
        fuzz.people[0], "the same update again", again, len(fuzz_errors.records), await fuzz._seq()
    )
    assert fuzz.failures == ["the same update again: no answer in any chat"]
    assert fuzz.sent == 3
