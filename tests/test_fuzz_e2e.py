"""Fuzzing the running bot: every update, crafted or random, gets an answer and no handler raises.

Each update goes through the sandbox over HTTP to the real Application, from several people (two parents,
a professional, a coordinator, someone who never went through onboarding) in French, English and Arabic:

- crafted: every button prefix of `Action` with edge fields ("²", "٣", "-1", "", 20 digits, 2147483648,
  NUL, long strings, unicode), every registered command with the same arguments (coordinator commands
  from a coordinator and from others), texts of 4096 characters, control, bidi and zero-width characters;
- random: a seeded walk that presses the buttons the bot really sent, mutates their fields, presses the
  buttons sent to someone else (forged: the data of another person's message on one's own), types
  random text, shares locations and sends files.

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
NUMBERS = ["²", "٣", "-1", "", "0", "99999999999999999999", "2147483648", "1\x00"]
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
    seen_data: dict[int, list[str]] = field(default_factory=dict)  # buttons each person was shown

    async def _settled(self, what: str, reply: dict[str, Any], before: int) -> None:
        """Wait for the bot to finish the update, then check it answered somewhere and logged no error."""
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
        for person in self.people:
            for event in await person.poll_events(0):
                if event.get("type") != "message" or (event.get("message") or {}).get("from_bot"):
                    answered = True
                self._harvest(person, event)
        problems = [
            f"{record.levelname} {record.name}: {record.getMessage()}"
            + (f" ({type(record.exc_info[1]).__name__})" if record.exc_info and record.exc_info[1] else "")
            for record in self.errors.records[before:]
        ]
        if not answered:
            problems.append("no answer in any chat")
        if problems:
            self.failures.append(f"{what}: {'; '.join(problems)}")

    def _harvest(self, person: SandboxUser, event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data and data not in self.seen_data.setdefault(person.id, []):
                    self.seen_data[person.id].append(data)

    async def send(self, person: SandboxUser, text: str) -> None:
        before = len(self.errors.records)
        reply = await self.harness.client.request("POST", f"/users/{person.id}/messages", json={"text": text})
        await self._settled(f"{_who(person)} sends {text[:80]!r}", reply, before)

    async def press(self, person: SandboxUser, data: str) -> None:
        message_id = await self._a_message_of(person)
        before = len(self.errors.records)
        body = {"message_id": message_id, "data": data}
        reply = await self.harness.client.request("POST", f"/users/{person.id}/callbacks", json=body)
        await self._settled(f"{_who(person)} presses {data!r}", reply, before)

    async def locate(self, person: SandboxUser, latitude: float, longitude: float) -> None:
        before = len(self.errors.records)
        body = {"latitude": latitude, "longitude": longitude}
        reply = await self.harness.client.request("POST", f"/users/{person.id}/locations", json=body)
        await self._settled(f"{_who(person)} shares ({latitude}, {longitude})", reply, before)

    async def upload(self, person: SandboxUser, name: str, content: bytes, kind: str) -> None:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type=kind)
        before = len(self.errors.records)
        reply = await self.harness.client.request("POST", f"/users/{person.id}/documents", data=form)
        await self._settled(f"{_who(person)} uploads {name!r}", reply, before)

    async def _a_message_of(self, person: SandboxUser) -> int:
        """The latest bot message in the person's chat (a press needs one), greeting them if there is none."""
        found = await person.last_bot_message()
        if found is None:
            await self.send(person, "/start")
            found = await person.last_bot_message()
        assert found is not None
        return int(found["message_id"])


def _who(person: SandboxUser) -> str:
    return f"{person.first_name}({person.language_code})"


def button(action: Action, *fields: str) -> str:
    """Button data as a forged client sends it: no 64-byte limit, no check on the fields."""
    return SEPARATOR.join((VERSION, action.value, *fields))


def crafted_buttons(seen: dict[int, list[str]]) -> Iterator[str]:
    """Every prefix bare and with each edge field; then each kind of real button ("1:q:3:1:0") with each
    of its number fields in turn replaced by each edge number."""
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


def shapes(seen: dict[int, list[str]]) -> list[str]:
    """One real button of each kind: the same action and words, whatever the numbers."""
    found: dict[tuple[str, ...], str] = {}
    for data in (d for buttons in seen.values() for d in buttons):
        key = tuple("#" if part.isdigit() else part for part in data.split(SEPARATOR))
        found.setdefault(key, data)
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
    """Show every person the screens a real session opens, so the fuzz knows the bot's real buttons."""
    for person in fuzz.people:
        for command in ("/start", "/menu", "/help", "/settings", "/privacy", "/crip", "/campaigns"):
            await fuzz.send(person, command)
        for data in list(fuzz.seen_data.get(person.id, []))[:25]:
            await fuzz.press(person, data)
    coordinator = fuzz.people[3]
    await fuzz.send(coordinator, "/campaign Essai")
    await fuzz.send(coordinator, "/invite")


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
        for index, argument in enumerate(["", *EDGE, "inv_AB\x00CD", "a b c", "x" * 300]):
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
    await fuzz._settled("the same update again", {"update_id": fuzz.last_update_id}, len(fuzz_errors.records))
    assert fuzz.failures == ["the same update again: no answer in any chat"]
