"""What a reader sees of a message once its direction marks are read past (bot/bidi.py adds them in
right-to-left messages): tests compare words, not where the bidirectional layer put its marks. The same
reading the sandbox client uses to press a label."""

from __future__ import annotations

from sandbox.client import as_read as unmarked

__all__ = ["unmarked"]
