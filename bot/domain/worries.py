"""Whether what a person typed tells a danger or a worry, from the word lists of `worries.yml`.

The text is folded and cut into words (bot/content/folding.py), then each listed phrase is looked for as
whole words in order. A danger anywhere wins over a worry. The person's language is tried first, then the
others: a parent whose Telegram is in English may well type in French or Arabic. The text is used for this
one answer: it is neither stored nor logged, and nothing here says which phrase matched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.content.folding import forms, words
from bot.content.worries import GAP, MAX_GAP, MIN_STEM, STEM, Phrase, WordLists, WorryGroup


class Level(StrEnum):
    DANGER = "danger"
    WORRY = "worry"


@dataclass(frozen=True)
class Recognised:
    level: Level
    concern: str | None  # the worried path's concern the matched group leads to, if it names one
    helpline: str | None  # the helpline the matched group names, if any


@dataclass(frozen=True)
class _Entry:
    rank: tuple[int, int]  # (level, group): a danger before a worry, then the lists' order
    language: str
    group: WorryGroup
    phrase: Phrase


class Recogniser:
    """Every language's lists, indexed by each phrase's first word: a long message costs a few lookups per
    word, not one pass per phrase (the handler runs on the event loop)."""

    def __init__(self, lists: Mapping[str, WordLists]) -> None:
        self._words: dict[str, list[_Entry]] = {}
        self._stems: dict[str, list[_Entry]] = {}
        for language, found in lists.items():
            for level, groups in enumerate((found.danger, found.worry)):
                for index, group in enumerate(groups):
                    for phrase in group.phrases:
                        first = phrase[0]
                        entry = _Entry((level, index), language, group, phrase)
                        if first.endswith(STEM):
                            self._stems.setdefault(first[: -len(STEM)], []).append(entry)
                        else:
                            self._words.setdefault(first, []).append(entry)

    def recognise(self, text: str, language: str) -> Recognised | None:
        """A danger, else a worry, told by `text` in any language's lists (the person's first); or None."""
        typed = [forms(word) for word in words(text)]
        best: tuple[tuple[int, bool, int], _Entry] | None = None
        candidates: dict[frozenset[str], list[_Entry]] = {}  # a word said twice is looked up once
        for position, written in enumerate(typed):
            if written not in candidates:
                candidates[written] = self._starting_with(written)
            for entry in candidates[written]:
                if _match_at(entry.phrase, 1, typed, position + 1):
                    level, group = entry.rank
                    key = (level, entry.language != language, group)
                    if best is None or key < best[0]:
                        best = (key, entry)
        if best is None:
            return None
        entry = best[1]
        found = Level.DANGER if entry.rank[0] == 0 else Level.WORRY
        return Recognised(found, entry.group.concern, entry.group.helpline)

    def _starting_with(self, written: frozenset[str]) -> list[_Entry]:
        found: list[_Entry] = []
        for form in written:
            found += self._words.get(form, [])
            for end in range(MIN_STEM, len(form) + 1):
                found += self._stems.get(form[:end], [])
        return found


def recognise(lists: Mapping[str, WordLists], text: str, language: str) -> Recognised | None:
    """The same as `Recogniser(lists).recognise(text, language)`, for a single use."""
    return Recogniser(lists).recognise(text, language)


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
