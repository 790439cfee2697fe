"""Button data: short, versioned, and checked against Telegram's 64-byte limit.

Data looks like "1:o:l:ar": a format version, then fields. A button from an older version of the bot, or
data that does not parse, decodes to None and gets the "this button has expired" answer.
"""

from __future__ import annotations

VERSION = "1"
SEPARATOR = ":"
MAX_BYTES = 64


class CallbackTooLong(ValueError):
    pass


def pack(*fields: str) -> str:
    if any(SEPARATOR in field for field in fields):
        raise ValueError(f"a button field may not contain {SEPARATOR!r}: {fields!r}")
    data = SEPARATOR.join((VERSION, *fields))
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> list[str] | None:
    if not data:
        return None
    version, _, rest = data.partition(SEPARATOR)
    if version != VERSION or not rest:
        return None
    return rest.split(SEPARATOR)
