"""Button data: the registry of prefixes, the format version, the separator, and Telegram's 64-byte limit
(bytes, not characters)."""

from __future__ import annotations

import enum

import pytest
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, JobQueue

from bot.app import register_handlers
from bot.core.callbacks import (
    MAX_BYTES,
    SEPARATOR,
    VERSION,
    Action,
    CallbackTooLong,
    Pressed,
    pack,
    pattern,
    unpack,
)
from bot.core.context import CONTEXT_TYPES, CustomContext


def test_the_format_of_buttons_already_in_chats_does_not_change() -> None:
    # Written out on purpose: buttons sent by earlier releases carry exactly this data, and must keep
    # reaching their handler. A failure here means every button in people's chats has gone stale.
    assert (VERSION, SEPARATOR, MAX_BYTES) == ("1", ":", 64)
    assert pack(Action.CONTACT, "e", "12") == "1:k:e:12"
    assert pack(Action.CAMPAIGN, "12", "ok", "3") == "1:a:12:ok:3"
    assert pack(Action.MENU) == "1:m"
    assert {action.value for action in Action} >= set("mhpoxstryqdwkfgcae")  # new ones may be added
    assert {"n", "l", "v"} <= {action.value for action in Action}  # grants, invites, a parent invited


def test_every_prefix_belongs_to_one_action() -> None:
    # An Enum quietly makes a second member with a taken value an alias of the first; `__members__` still
    # lists the alias, so a prefix taken twice shows here (and `@unique` refuses it at import).
    members = Action.__members__
    values = [member.value for member in members.values()]
    taken_twice = {value for value in values if values.count(value) > 1}
    assert not taken_twice, f"prefixes taken by two actions: {taken_twice}"
    assert len(list(Action)) == len(members)


def test_the_registry_refuses_a_prefix_taken_twice() -> None:
    # What a feature taking a taken prefix would meet: the registry's own decorator refuses the class.
    with pytest.raises(ValueError, match="duplicate values"):

        @enum.unique
        class Clash(enum.StrEnum):
            MENU = Action.MENU.value
            MINE = Action.MENU.value


@pytest.mark.parametrize("action", list(Action))
def test_a_prefix_is_one_plain_letter(action: Action) -> None:
    # One byte each: the fields get the rest of the 64. And no separator, or the prefix would split.
    assert len(action.value) == 1 and action.value.isalpha() and SEPARATOR not in action.value


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        (Action.CAMPAIGN, ()),
        (Action.COMPOSER, ("5", "w", "d")),
        (Action.ONBOARDING, ("l", "ar")),
        (Action.QUIZ, ("", "x")),
        (Action.ONBOARDING, ("", "", "", "y")),
    ],
)
def test_what_is_packed_unpacks_to_the_same_action_and_fields(
    action: Action, fields: tuple[str, ...]
) -> None:
    assert unpack(pack(action, *fields)) == Pressed(action, list(fields))


def test_a_field_may_not_contain_the_separator() -> None:
    with pytest.raises(ValueError, match="may not contain"):
        pack(Action.SETTINGS, "18:00")


def test_sixty_four_bytes_fit_and_sixty_five_do_not() -> None:
    head = len(f"{VERSION}{SEPARATOR}{Action.PRIVACY.value}{SEPARATOR}")  # "1:x:"
    longest = pack(Action.PRIVACY, "x" * (MAX_BYTES - head))
    assert len(longest.encode()) == MAX_BYTES
    with pytest.raises(CallbackTooLong):
        pack(Action.PRIVACY, "x" * (MAX_BYTES - head + 1))
    assert issubclass(CallbackTooLong, ValueError)


def test_the_limit_counts_bytes_not_characters() -> None:
    assert pack(Action.PRIVACY, "é" * 30) == "1:x:" + "é" * 30  # 60 bytes after "1:x:"
    with pytest.raises(CallbackTooLong):
        pack(Action.PRIVACY, "é" * 31)  # 35 characters, but 66 bytes
    with pytest.raises(CallbackTooLong):
        pack(Action.PRIVACY, "ع" * 40)  # Arabic: two bytes a letter


@pytest.mark.parametrize(
    "data",
    [None, "", "1", "1:", "2:a:12", "0:a", "a:12", ":a", "garbage", "1:zz", "1:z:12", "1::12", "11:a"],
)
def test_old_foreign_or_unknown_data_unpacks_to_nothing(data: str | None) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("action", list(Action))
def test_a_pattern_takes_its_action_in_this_version_and_nothing_else(action: Action) -> None:
    mine = pattern(action)
    assert mine is pattern(action), "compiled once"
    assert mine.match(pack(action)) and mine.match(pack(action, "12", "ok"))
    other_version = "2" if VERSION != "2" else "3"
    assert not mine.match(pack(action).replace(VERSION, other_version, 1))
    assert not mine.match(pack(action, "12").replace(VERSION, other_version, 1))
    assert not mine.match(pack(action) + "x"), "a longer prefix is another action"
    for other in Action:
        if other is not action:
            assert not mine.match(pack(other)) and not mine.match(pack(other, "12"))


def test_every_button_handler_is_registered_through_the_registry() -> None:
    """Each action has its handler, and no handler is registered with a pattern written by hand."""
    app = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[CustomContext]())
        .token("1:sandbox")
        .build()
    )
    register_handlers(app)
    patterns = [
        handler.pattern
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None
    ]
    registered = {action: [p for p in patterns if p is pattern(action)] for action in Action}
    assert all(len(found) == 1 for found in registered.values()), registered
    assert len(patterns) == len(Action), "a CallbackQueryHandler pattern that is not from the registry"


def test_a_row_id_is_ascii_digits_within_a_database_integer() -> None:
    from bot.core.callbacks import MAX_ROW_ID, row_id

    assert row_id("12") == 12 and row_id(str(MAX_ROW_ID)) == MAX_ROW_ID
    for forged in ("", "0", "-1", "1.5", "١٢", "²", str(MAX_ROW_ID + 1), "9" * 40):
        assert row_id(forged) is None, forged
