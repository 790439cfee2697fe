"""What a reader sees of a message once its direction marks are read past (bot/bidi.py adds them in
right-to-left messages): tests compare words, not where the bidirectional layer put its marks."""

from __future__ import annotations

from sandbox.client import as_read


def unmarked(text: str) -> str:
    """`text` without its direction marks: the same reading the sandbox client uses to press a label."""
    return as_read(text)
