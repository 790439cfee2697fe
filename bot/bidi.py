"""Left-to-right runs (numbers, commands, distances, Latin names, URLs) kept in order in right-to-left text.

In a right-to-left paragraph the Unicode bidirectional algorithm lays out each number of "01 99 00 00 01" left
to right but the numbers themselves right to left, so an Arabic reader sees "01 00 00 99 01"; "/forget" shows
as "forget/" and "1,2 km" as "km 1,2". Wrapping each such run in LRI … PDI (U+2066 … U+2069) makes it one
neutral block to the Arabic around it, laid out left to right inside. Works on Telegram HTML: tags (and the
URLs in their attributes) are left untouched, entities count as the character they stand for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

LRM, RLM = "\u200e", "\u200f"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_OPENERS = (LRI, RLI, FSI)
# Marks already placed by someone who knew better: a run never crosses them.
_MARKS = frozenset({LRM, RLM, "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", PDI})
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);|.", re.DOTALL)
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#x27;": "'", "&#39;": "'"}
# Signs that belong to the run they touch: "/forget", "+33", "#1", "@name", "50 %", "15 €", "20 °C".
_PREFIXES = frozenset("/+#@")
_SUFFIXES = frozenset("%‰°€$£")
_SPACES = frozenset(" \u00a0\u202f")
_PAIRS = {"(": ")", "[": "]"}
_QUOTES = {"«": "»", "“": "”", '"': '"'}
# Before the first letter of a left-to-right line: punctuation that opens it ("«", "(", '"') goes in the run;
# bullets, emoji and list markers stay outside, where the right-to-left line puts them first.
_LEADING = frozenset("«(\"'[¿¡")
# Between a name and a number, a separator that makes them two items of the Arabic sentence: in
# "CJC (exemple) — 1.2 كم" the name and the distance are read one after the other, right to left, and the
# number must stay beside its unit. Between two words ("CJC — Consultation") it is part of a name.
_SEPARATORS = frozenset("—–•·|")
# The Arabic comma is a common separator (CS) for the bidirectional algorithm, like ",": a run would carry it
# inside, and "2026، https://…" or "119 Allô، https://…" would read in the wrong order. Typed only in Arabic
# text, it ends a left-to-right run as an Arabic letter does.
_ARABIC_SEPARATORS = frozenset("\u060c")

LETTER, RTL, NUMBER, NEUTRAL, TAG, BARRIER = "L", "R", "EN", "N", "tag", "barrier"


@lru_cache(maxsize=32)
def is_rtl(language: str) -> bool:
    """Whether `language` is written right to left, from its CLDR data (Arabic, Hebrew, Persian, Urdu…)."""
    try:
        return Locale.parse(language).character_order == "right-to-left"
    except (ValueError, UnknownLocaleError):
        return False


@dataclass
class _Token:
    text: str
    kind: str
    char: str  # the character it shows ("" for a tag)


def _tokens(line: str) -> list[_Token]:
    tokens: list[_Token] = []
    depth = 0  # inside an isolate someone already placed: left as it is
    for match in _TOKEN.finditer(line):
        text = match.group()
        if text.startswith("<") and len(text) > 1:
            tokens.append(_Token(text, TAG, ""))
            continue
        char = _char(text)
        if char in _OPENERS:
            depth += 1
        elif char == PDI and depth:
            depth -= 1
            tokens.append(_Token(text, BARRIER, char))
            continue
        if depth or char in _MARKS:
            tokens.append(_Token(text, BARRIER, char))
            continue
        kind = "R" if char in _ARABIC_SEPARATORS else unicodedata.bidirectional(char)
        if kind == "NSM" and tokens:  # a combining accent goes with its letter
            kind = next((t.kind for t in reversed(tokens) if t.kind != TAG), NEUTRAL)
        tokens.append(_Token(text, _kind(kind), char))
    return tokens


def _char(text: str) -> str:
    if len(text) == 1 or not text.startswith("&"):
        return text[:1]
    if text in _ENTITIES:
        return _ENTITIES[text]
    if text.startswith("&#"):
        try:
            return chr(int(text[3:-1], 16) if text[2] in "xX" else int(text[2:-1]))
        except (ValueError, OverflowError):
            return "?"
    return "?"  # another named entity: Telegram accepts only the four above, so it is just text


def _kind(bidi_class: str) -> str:
    if bidi_class in (LETTER, NUMBER, RTL, BARRIER, TAG, NEUTRAL):
        return bidi_class
    if bidi_class in ("R", "AL", "AN"):
        return RTL
    if bidi_class in ("B", "S", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"):
        return BARRIER
    return NEUTRAL


def _strong(token: _Token) -> bool:
    return token.kind in (LETTER, NUMBER)


def isolate_line(line: str) -> str:
    """`line` (Telegram HTML, no newline) with each left-to-right run wrapped in LRI … PDI."""
    tokens = _tokens(line)
    if not any(_strong(t) for t in tokens):
        return line
    spans = [_whole_line(tokens)] if not any(t.kind == RTL for t in tokens) else _runs(tokens)
    opening = {start for start, _ in spans}
    closing = {end for _, end in spans}
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index in opening:
            out.append(LRI)
        out.append(token.text)
        if index in closing:
            out.append(PDI)
    return "".join(out)


def isolate_label(label: str) -> str:
    """A button label: its own paragraph, so a label with no Arabic letter (a place's name, "Français") is
    laid out left to right as it is; only the runs inside an Arabic label need isolating."""
    tokens = _tokens(label)
    return isolate_line(label) if any(t.kind == RTL for t in tokens) else label


def _whole_line(tokens: list[_Token]) -> tuple[int, int]:
    # No right-to-left letter at all (a French sentence, a phone number on its own line): the line from its
    # first letter or digit, with the punctuation that opens it, to its last character, reads left to right.
    first = next(i for i, t in enumerate(tokens) if _strong(t))
    start = _with_prefix(tokens, first)
    while start > 0 and tokens[start - 1].char in _LEADING:
        start -= 1
    end = max(i for i, t in enumerate(tokens) if t.kind != TAG and not t.char.isspace())
    end = max(end, first)
    while tokens[end].kind == BARRIER and end > first:
        end -= 1
    return start, end


def _runs(tokens: list[_Token]) -> list[tuple[int, int]]:
    # Maximal stretches from a letter or digit to the last one before a right-to-left letter (or a mark).
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        if not _strong(tokens[index]):
            index += 1
            continue
        first = last = index
        scan = index + 1
        while scan < len(tokens) and tokens[scan].kind not in (RTL, BARRIER):
            if _strong(tokens[scan]):
                if _separated(tokens, last, scan):
                    break
                last = scan
            scan += 1
        last = _to_closing_quote(tokens, first, last)
        for start, end in _balanced(tokens, first, last):
            spans.append((_with_prefix(tokens, start), _with_suffix(tokens, end)))
        index = last + 1
    return spans


def _to_closing_quote(tokens: list[_Token], first: int, last: int) -> int:
    """A run quoted whole («Quels sont les numéros… ?») keeps its closing punctuation: left outside, the
    "?" or "!" would be laid out right to left, before the French words it ends."""
    before = first - 1
    while before >= 0 and (tokens[before].char in _SPACES or tokens[before].kind == TAG):
        before -= 1
    closer = _QUOTES.get(tokens[before].char) if before >= 0 else None
    if closer is None:
        return last
    scan = last + 1
    while scan < len(tokens) and tokens[scan].kind in (NEUTRAL, TAG) and tokens[scan].char != closer:
        scan += 1
    if scan == len(tokens) or tokens[scan].char != closer:
        return last
    end = scan - 1
    while end > last and (tokens[end].char in _SPACES or tokens[end].kind == TAG):
        end -= 1
    return end


def _separated(tokens: list[_Token], last: int, following: int) -> bool:
    if tokens[last].kind == LETTER and tokens[following].kind == LETTER:
        return False
    gap = "".join(t.char for t in tokens[last + 1 : following])
    return any(c in _SEPARATORS for c in gap) or " - " in gap


def _with_prefix(tokens: list[_Token], start: int) -> int:
    if start > 0 and tokens[start - 1].char in _PREFIXES:
        return start - 1
    return start


def _with_suffix(tokens: list[_Token], end: int) -> int:
    scan = end + 1
    if scan < len(tokens) and tokens[scan].char in _SPACES:
        scan += 1
    if scan < len(tokens) and tokens[scan].char in _SUFFIXES:
        while scan + 1 < len(tokens) and tokens[scan + 1].char in _SUFFIXES:
            scan += 1
        return scan
    return end


def _balanced(tokens: list[_Token], first: int, last: int) -> list[tuple[int, int]]:
    """The run cut or stretched so no bracket is left alone on one side of the isolate.

    A bracket whose partner is outside the isolate would be mirrored by the right-to-left text around it:
    "(gratuit" inside and ")" outside would show as "(gratuit(".
    """
    stack: list[tuple[int, str]] = []
    for index in range(first, last + 1):
        char = tokens[index].char
        if char in _PAIRS:
            stack.append((index, _PAIRS[char]))
        elif char in _PAIRS.values():
            if stack and stack[-1][1] == char:
                stack.pop()
            else:  # a closing bracket opened before the run: the run stops short of it, and goes on after it
                return _split(tokens, first, index, last)
    while stack:
        opened, closer = stack[-1]
        scan = last + 1
        while scan < len(tokens) and tokens[scan].kind in (NEUTRAL, TAG) and tokens[scan].char != closer:
            scan += 1
        if scan < len(tokens) and tokens[scan].char == closer:
            last = scan
            stack.pop()
        else:  # its partner lies beyond a right-to-left word: the run stops before the bracket
            return _split(tokens, first, opened, last)
    return [(first, last)]


def _split(tokens: list[_Token], first: int, bracket: int, last: int) -> list[tuple[int, int]]:
    before = [i for i in range(first, bracket) if _strong(tokens[i])]
    after = [i for i in range(bracket + 1, last + 1) if _strong(tokens[i])]
    spans = [(first, before[-1])] if before else []
    if after:
        spans += _balanced(tokens, after[0], after[-1])
    return spans


def directed(text: str, rtl: bool) -> str:
    """An RTL message with a right-to-left mark opening each line and its left-to-right runs isolated.

    The mark makes Telegram clients (and a browser's dir="auto") lay every line out right to left even when it
    begins with a number or a Latin word. Lines that already start with a direction mark (a French fallback,
    see `foreign`) are left as they are. Left-to-right text is returned unchanged.
    """
    if not rtl:
        return text
    lines = []
    for line in text.split("\n"):
        if not line or line.startswith((RLM, LRM)):
            lines.append(line)
        else:
            lines.append(RLM + isolate_line(line))
    return "\n".join(lines)


def foreign(text: str, rtl: bool) -> str:
    """Text in a left-to-right language (a page with no Arabic version yet) shown to a right-to-left reader.

    Each line opens with a left-to-right mark, so a Telegram client aligns it left, and its text is isolated
    (LRI … PDI, tags outside), so that even in a right-to-left bubble it reads left to right, its final full
    stop included. `directed` then leaves these lines alone.
    """
    if not rtl:
        return text
    lines = []
    for line in text.split("\n"):
        tokens = _tokens(line)
        visible = [i for i, t in enumerate(tokens) if t.kind != TAG]
        if not visible or line.startswith((RLM, LRM)):
            lines.append(line)
            continue
        start, end = visible[0], visible[-1]
        out = [(LRI if i == start else "") + t.text + (PDI if i == end else "") for i, t in enumerate(tokens)]
        lines.append(LRM + "".join(out))
    return "\n".join(lines)


def typed(text: str, rtl: bool) -> str:
    """Text someone typed, in a language nobody recorded (a referent's reply), for a right-to-left reader.

    Each line goes the way its first letter goes: a line in French is laid out left to right as a whole
    (`foreign`), a line in Arabic is directed, so neither scrambles the other.
    """
    if not rtl:
        return text
    lines = []
    for line in text.split("\n"):
        first = next((t.kind for t in _tokens(line) if t.kind in (LETTER, RTL)), RTL)
        lines.append(foreign(line, rtl) if first == LETTER else directed(line, rtl))
    return "\n".join(lines)
