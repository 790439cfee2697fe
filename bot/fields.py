"""Numbers read from button data and command arguments: one reading, ASCII digits within the column's range.

Button data comes back from any Telegram client, so it can be forged; command arguments are typed. Python's
own readings are too generous for either: `str.isdigit()` accepts "²" (which `int()` then refuses), and
`int()` accepts "٣", "+1", " 1" and "1_000", and numbers no database column holds (PostgreSQL's integer
stops at 2**31 - 1, past which the driver fails instead of finding nothing). Every number a handler takes
from outside goes through `number` and its variants: anything else is None, which the handler answers as a
stale button or with the command's usage line.

Pure, in the bottom layer: configuration and delivery read ids with it too, and property tests
(tests/test_parsers_properties.py) check it in isolation.
"""

from __future__ import annotations

# PostgreSQL's integer column (SQLite's integers are wider): every row id and count the models keep as `int`.
INT32_MAX = 2**31 - 1
# Telegram's user and chat ids: "at most 52 significant bits", stored in BIGINT columns.
TELEGRAM_ID_MAX = 2**52 - 1
_DIGITS = frozenset("0123456789")


def number(text: str, *, low: int = 0, high: int = INT32_MAX) -> int | None:
    """The whole number `text` writes in ASCII digits, if `low <= n <= high`; else None.

    No sign, space, underscore or other script's digit; leading zeros are fine ("007" is 7). Its length is
    checked before `int()` runs, so a field of thousands of digits costs nothing and raises nothing."""
    if not text or len(text) > len(str(high)) + 8 or not _DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def row_id(field: str) -> int | None:
    """The id of a database row a button names ("12"): 1 to PostgreSQL's largest integer."""
    return number(field, low=1, high=INT32_MAX)


def index(field: str, count: int) -> int | None:
    """A position in a list of `count` items (a quiz question, an option): 0 to count - 1."""
    return number(field, low=0, high=count - 1) if count > 0 else None


def telegram_id(text: str) -> int | None:
    """A Telegram user id, written out (in a /revoke button, say): 1 to Telegram's largest."""
    return number(text, low=1, high=TELEGRAM_ID_MAX)


def chat_number(text: str) -> int | None:
    """A chat id written out ("123", or "-100123" for a group): the sign, then a Telegram id."""
    magnitude = telegram_id(text.removeprefix("-"))
    return None if magnitude is None else -magnitude if text.startswith("-") else magnitude


def numbers(fields: list[str], *, high: int = INT32_MAX) -> list[int] | None:
    """Every field read as a number from 0 to `high`, or None when one of them is not."""
    values = [number(field, high=high) for field in fields]
    return None if any(value is None for value in values) else [v for v in values if v is not None]
