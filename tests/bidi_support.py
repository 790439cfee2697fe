"""What a reader sees of a message once its direction marks are read past (bot/bidi.py adds them in
right-to-left messages): tests compare words, not where the bidirectional layer put its marks."""

from __future__ import annotations

import re

# Every mark and isolate that may stand around a left-to-right run: LRM, RLM, ALM, embeddings, isolates.
DIRECTION_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def unmarked(text: str) -> str:
    """`text` without its direction marks."""
    return DIRECTION_MARKS.sub("", text)
