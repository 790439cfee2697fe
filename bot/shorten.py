"""Labels cut to fit, at a word boundary, with an ellipsis.

Telegram shows a long button label cut wherever the screen ends, often inside a word ("…ave"), and a cut
made with `[:60]` does the same. Every label that may be too long goes through `shorten`, so a cut always
falls between two words and says so with "…".
"""

from __future__ import annotations

# Telegram publishes no limit for a button's text; past about 64 characters no phone shows it whole.
LABEL_LIMIT = 64
ELLIPSIS = "…"
# Punctuation that would dangle before the ellipsis ("Parler, …").
_DANGLING = " \t\n,;:.–—-/·(«“\"'"
# Cutting a word boundary more than this far back loses too much: a long word is cut instead.
_SHORTEST_SHARE = 0.5


def shorten(text: str, limit: int = LABEL_LIMIT) -> str:
    """`text` if it fits in `limit` characters, else its longest run of whole words that fits with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(1, limit - len(ELLIPSIS))
    kept = text[:room]
    if not text[room].isspace():
        boundary = kept.rstrip().rfind(" ")
        # One very long word (a URL, a German compound) is cut inside rather than dropped whole.
        if boundary >= limit * _SHORTEST_SHARE:
            kept = kept[:boundary]
    kept = kept.rstrip(_DANGLING) or kept
    return kept + ELLIPSIS
