"""Button data: the format version, the separator, and Telegram's 64-byte limit (bytes, not characters)."""

from __future__ import annotations

import pytest

from bot.core.callbacks import MAX_BYTES, SEPARATOR, VERSION, CallbackTooLong, pack, unpack


def test_packed_data_is_the_version_then_the_fields() -> None:
    assert (VERSION, SEPARATOR, MAX_BYTES) == ("1", ":", 64)
    assert pack("a", "12", "ok", "3") == "1:a:12:ok:3"
    assert pack("m") == "1:m"


@pytest.mark.parametrize("fields", [("a",), ("c", "5", "w", "d"), ("o", "l", "ar"), ("q", "", "x")])
def test_what_is_packed_unpacks_to_the_same_fields(fields: tuple[str, ...]) -> None:
    assert unpack(pack(*fields)) == list(fields)


def test_a_field_may_not_contain_the_separator() -> None:
    with pytest.raises(ValueError, match="may not contain"):
        pack("s", "18:00")


def test_sixty_four_bytes_fit_and_sixty_five_do_not() -> None:
    longest = pack("x" * (MAX_BYTES - 2))  # "1:" + 62 characters
    assert len(longest.encode()) == MAX_BYTES
    with pytest.raises(CallbackTooLong):
        pack("x" * (MAX_BYTES - 1))
    assert issubclass(CallbackTooLong, ValueError)


def test_the_limit_counts_bytes_not_characters() -> None:
    assert pack("é" * 31) == "1:" + "é" * 31  # 62 bytes after "1:"
    with pytest.raises(CallbackTooLong):
        pack("é" * 32)  # 34 characters, but 66 bytes
    with pytest.raises(CallbackTooLong):
        pack("ع" * 40)  # Arabic: two bytes a letter


@pytest.mark.parametrize("data", [None, "", "1", "1:", "2:a:12", "0:a", "a:12", ":a", "garbage"])
def test_old_or_foreign_data_unpacks_to_nothing(data: str | None) -> None:
    assert unpack(data) is None
