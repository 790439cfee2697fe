"""Button data: one registry of prefixes, one format version, and Telegram's 64-byte limit.

Data looks like "1:k:e:12": the format version, the action's prefix, then the action's fields. Every
prefix is listed once in `Action`, so two features cannot take the same one; `pack` builds the data,
`pattern` the regex its handler is registered with, and `unpack` reads a press back.

A button of another version, or data that does not parse, matches no feature's pattern and reaches the
catch-all's stale-button answer ("Ce bouton n'est plus valable").
"""

from __future__ import annotations

import re
from enum import StrEnum, unique
from functools import cache
from typing import NamedTuple

from bot import fields

# The format version, the only place it is written. Buttons already sit in people's chats with "1:..."
# data, and Telegram sends it back unchanged when pressed: bumping this turns every one of them into a
# stale button. Bump it only when a prefix's fields change meaning in a way old buttons cannot follow.
VERSION = "1"
SEPARATOR = ":"
MAX_BYTES = 64


@unique  # a second member with the same prefix fails at import (and tests/test_callbacks.py says why)
class Action(StrEnum):
    """Every button prefix, once, with the feature that owns it. Prefixes stay one letter: each byte
    spent here is one fewer for the fields under Telegram's 64-byte limit. The letters are those of the
    buttons already sent, so they must not change (see VERSION)."""

    MENU = "m"  # people (menu): back to the main menu
    HELP = "h"  # people (menu): what the bot can do
    PAGE = "p"  # people (menu): a content page listed in the menu
    ONBOARDING = "o"  # people (onboarding): language, role, territory, then the notice
    SETTINGS = "s"  # people (settings): language, profile, territory, messages, reminders
    PRIVACY = "x"  # people (privacy): export or erase one's data
    TOPIC = "t"  # families (resources): the topics, then one topic's resources
    RESOURCE = "r"  # families (resources): one resource, page by page
    MYTH = "y"  # families (myths): true-or-false cards and the weekly card
    QUIZ = "q"  # families (myths): the true-or-false quiz
    DIRECTORY = "d"  # families (directory): local services, helplines, nearest places
    WORRIED = "w"  # families (worried): "I am worried about my child"
    SAFEGUARD = "e"  # families (safeguarding): a child threatened, missing or exploited; the CRIP
    CONTACT = "k"  # contact (tickets, relay): ask for a professional, take, end or withdraw a request
    TRAINING = "f"  # trainings (modules): modules, cards, quiz, certificates
    REVIEW = "g"  # trainings (reminders): the spaced-review question
    COMPOSER = "c"  # campaigns (composer): a coordinator's draft card
    CAMPAIGN = "a"  # campaigns (admin, approval): a campaign's card, approval, pause, resume, cancel
    GRANT = "n"  # coordination (grants): a "become a coordinator" link, its approval, /revoke
    INVITES = "l"  # coordination (invites): revoke a professionals' invite from /invites
    INVITED = "v"  # people (onboarding): a professional invite opened by someone who said "parent"
    YOUTH = "j"  # youth (space): the youth space, its language in the data, nothing stored
    RESIDENTS = "b"  # residents (contacts): who a resident can talk to locally
    CONSULT = "u"  # consultations: answer one (residents); publish, close, read results, tag ideas (staff)


class Pressed(NamedTuple):
    action: Action
    fields: list[str]


class CallbackTooLong(ValueError):
    pass


def pack(action: Action, *fields: str) -> str:
    """The data for a button of `action`; fields may be empty but may not hold the separator."""
    if any(SEPARATOR in field for field in fields):
        raise ValueError(f"a button field may not contain {SEPARATOR!r}: {fields!r}")
    data = SEPARATOR.join((VERSION, action.value, *fields))
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Pressed | None:
    """The action and fields of a press; None for another version, an unknown prefix, or no data."""
    if not data:
        return None
    version, _, rest = data.partition(SEPARATOR)
    if version != VERSION or not rest:
        return None
    prefix, *fields = rest.split(SEPARATOR)
    try:
        action = Action(prefix)
    except ValueError:
        return None
    return Pressed(action, fields)


@cache
def pattern(action: Action) -> re.Pattern[str]:
    """What a `CallbackQueryHandler` for `action` is registered with: this version and this prefix, then
    fields or nothing ("1:k" and "1:k:e:12", never "1:kx" nor "2:k"). `\\Z`, not `$`, which also matches
    before a final newline: "1:k\\n" is data `unpack` refuses, so no handler may be chosen for it."""
    head = re.escape(SEPARATOR.join((VERSION, action.value)))
    return re.compile(f"^{head}(?:{re.escape(SEPARATOR)}|\\Z)")


# Kept here for the buttons that already import them; the reading itself is bot.fields's, shared with
# command arguments.
MAX_ROW_ID = fields.INT32_MAX
row_id = fields.row_id
