"""Whether what a person typed tells a danger or a worry, from the word lists of `worries.yml`.

The text is folded and cut into words (bot/content/folding.py), then each listed phrase is looked for as
whole words in order. A danger anywhere wins over a worry. The person's language is tried first, then the
others: a parent whose Telegram is in English may well type in French or Arabic. The text is used for this
one answer: it is neither stored nor logged, and nothing here says which phrase matched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.content.folding import forms, words
from bot.content.worries import GAP, MAX_GAP, STEM, Phrase, WordLists, WorryGroup


class Level(StrEnum):
    DANGER = "danger"
    WORRY = "worry"


@dataclass(frozen=True)
class Recognised:
    level: Level
    concern: str | None  # the worried path's concern the matched group leads to, if it names one
    helpline: str | None  # the helpline the matched group names, if any


def recognise(lists: Mapping[str, WordLists], text: str, language: str) -> Recognised | None:
    """A danger, else a worry, told by `text` in any language's lists (the person's first); or None."""
    typed = [forms(word) for word in words(text)]
    if not typed:
        return None
    ordered = [lists[language]] if language in lists else []
    ordered += [found for code, found in lists.items() if code != language]
    for level in Level:
        for found in ordered:
            groups: Sequence[WorryGroup] = found.danger if level is Level.DANGER else found.worry
            for group in groups:
                if any(_found(phrase, typed) for phrase in group.phrases):
                    return Recognised(level, group.concern, group.helpline)
    return None


def _found(phrase: Phrase, typed: list[frozenset[str]]) -> bool:
    return any(_match_at(phrase, 0, typed, start) for start in range(len(typed)))


def _match_at(phrase: Phrase, item: int, typed: list[frozenset[str]], position: int) -> bool:
    """Whether phrase[item:] matches the typed words from `position` on."""
    if item == len(phrase):
        return True
    wanted = phrase[item]
    if wanted == GAP:  # up to MAX_GAP words of any kind, then the rest of the phrase
        last = min(position + MAX_GAP, len(typed))
        return any(_match_at(phrase, item + 1, typed, skip) for skip in range(position, last + 1))
    if position >= len(typed) or not _same(wanted, typed[position]):
        return False
    return _match_at(phrase, item + 1, typed, position + 1)


def _same(wanted: str, written: frozenset[str]) -> bool:
    if wanted.endswith(STEM):
        stem = wanted[: -len(STEM)]
        return any(form.startswith(stem) for form in written)
    return wanted in written
