"""Characters no handler should meet in what people send: removed from an update before any handler reads it.

- NUL and the other C0 and C1 control characters but tab, newline and carriage return: PostgreSQL refuses NUL
  in text (CharacterNotInRepertoireError), so `/verify AB\\0CD` failed there and not on SQLite; the others are
  never typed on purpose.
- A lone UTF-16 surrogate, which JSON can carry and no database driver can encode.
- The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). They open a scope
  that runs to the end of the line: one typed into a campaign title or a relayed reply, unclosed, would turn
  the rest of the bot's line around, or close one of the isolates bot/bidi.py placed. The marks that open no
  scope (LRM, RLM, ALM) stay, as do Arabic, emoji with their joiners, newlines and tabs.

Pure (no telegram import): bot/core/incoming.py applies it to every update, polled or from the webhook.
"""

from __future__ import annotations

import re
from typing import Any

UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Telegram's formatting spans point into these texts, in UTF-16 code units: they move with what is removed.
_WITH_ENTITIES = {"text": "entities", "caption": "caption_entities"}


def clean_text(text: str) -> str:
    return UNWANTED.sub("", text)


def _utf16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def clean_spans(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """`text` cleaned, with its entities' offsets and lengths (UTF-16 units) moved to match; an entity
    left with nothing in it goes."""
    removed: list[int] = []  # UTF-16 offsets, in the original text, of the characters removed
    position = 0
    for char in text:
        if UNWANTED.match(char):
            removed.append(position)
        position += _utf16(char)
    if not removed:
        return text, entities

    def moved(offset: int) -> int:
        return offset - sum(1 for at in removed if at < offset)

    kept = []
    for entity in entities:
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            kept.append(entity)  # not Telegram's shape: PTB will refuse it as it would have
            continue
        start, end = moved(offset), moved(offset + length)
        if end > start:  # changed in place: the walk in `clean_payload` may hold this very dict
            entity["offset"], entity["length"] = start, end - start
            kept.append(entity)
    return clean_text(text), kept


def clean_payload(payload: Any) -> bool:
    """Clean every string of a decoded JSON update in place; whether anything changed.

    Walked with a stack rather than recursion: a deeply nested body must not raise RecursionError here."""
    changed = False
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if not UNWANTED.search(value):
                        continue
                    changed = True
                    spans = _WITH_ENTITIES.get(key)
                    if spans is not None and isinstance(node.get(spans), list):
                        node[key], node[spans] = clean_spans(value, node[spans])
                    else:
                        node[key] = clean_text(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, str):
                    if UNWANTED.search(value):
                        node[index], changed = clean_text(value), True
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return changed
