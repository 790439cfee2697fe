"""`content/<lang>/worries.yml`: the words that tell, in what a person types, a worry or a danger.

Two levels, each a list of groups of phrases (a comment above each group says why it is there):
    danger:   someone may be in danger now (threats, blows, a weapon, a child missing or held...)
    worry:    a parent worried about their child (dealing, lookouts, unexplained money...); a group may name
              the `concern` of the worried path it leads to
A group may also name a `helpline` (its id in content/helplines.yml), shown first when the group is found.
A phrase is one or more words, matched as whole words in that order. In a phrase, `...` stands for up to
three words of any kind ("traine ... dealers" also finds "traine tout le temps avec les dealers"), and a
`*` at the end of a word stands for any ending ("menac*": menace, menacé, menaces). Case, accents,
Arabic diacritics and letter variants and French elisions do not matter (see bot/content/folding.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.content.files import read_model
from bot.content.folding import bare_arabic, words
from bot.content.problems import Report
from bot.content.yaml_lines import line_of

GAP = "..."
STEM = "*"
MAX_GAP = 3  # words a `...` may stand for
MIN_STEM = 3  # letters before a `*`: shorter stems would find unrelated words
# The concerns of the worried path (bot/features/contact/concerns.py; a test keeps both the same).
CONCERN_IDS = ("changes", "money", "networks", "involved", "exhausted")
LEVELS = ("danger", "worry")

# A phrase as the matcher reads it: folded words, `...` for a gap, and words ending in `*` for stems.
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class WorryGroup:
    concern: str | None
    helpline: str | None
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class WordLists:
    """One language's lists; a danger is looked for first."""

    language: str
    danger: tuple[WorryGroup, ...] = ()
    worry: tuple[WorryGroup, ...] = ()


class GroupFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concern: str | None = None
    helpline: str | None = None
    phrases: list[str] = Field(min_length=1)

    @field_validator("concern")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in CONCERN_IDS:
            raise ValueError(f"unknown concern {value!r}: concerns are {', '.join(CONCERN_IDS)}")
        return value


class WorriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    danger: list[GroupFile] = Field(min_length=1)
    worry: list[GroupFile] = Field(min_length=1)


def parse_phrase(text: str) -> Phrase:
    """The phrase as the matcher reads it; ValueError, said for an editor, when it cannot be used."""
    items: list[str] = []
    for chunk in text.replace("…", f" {GAP} ").split():
        if chunk == GAP:
            if not items or items[-1] == GAP:
                raise ValueError(f"'{GAP}' must stand between two words")
            items.append(GAP)
            continue
        stem = chunk.endswith(STEM)
        found = [bare_arabic(word) for word in words(chunk.rstrip(STEM))]
        if not found or (STEM in chunk.rstrip(STEM)):
            raise ValueError(f"{chunk!r} is not a word (use letters; '{STEM}' only at the end of a word)")
        if stem:
            if len(found[-1]) < MIN_STEM:
                raise ValueError(f"{chunk!r}: at least {MIN_STEM} letters before '{STEM}'")
            found[-1] += STEM
        items.extend(found)
    if not items:
        raise ValueError("the phrase is empty")
    if items[-1] == GAP:
        raise ValueError(f"'{GAP}' must stand between two words")
    return tuple(items)


def load_worries(path: Path, language: str, report: Report, helplines: frozenset[str]) -> WordLists | None:
    """The word lists of one language, or None (with every problem reported at its line)."""
    if not path.is_file():
        report.warning(path, 1, "no word lists: worries typed in this language will not be recognised")
        return None
    loaded = read_model(path, WorriesFile, report)
    if loaded is None:
        return None
    parsed, lines = loaded
    seen: dict[Phrase, int] = {}
    levels: dict[str, tuple[WorryGroup, ...]] = {}
    for level in LEVELS:
        groups = []
        for group_index, group in enumerate(getattr(parsed, level)):
            if group.helpline is not None and group.helpline not in helplines:
                where = line_of(lines, (level, group_index, "helpline"))
                report.error(path, where, f"{level}: unknown helpline {group.helpline!r}: see helplines.yml")
            phrases = []
            for index, text in enumerate(group.phrases):
                line = line_of(lines, (level, group_index, "phrases", index))
                try:
                    phrase = parse_phrase(text)
                except ValueError as error:
                    report.error(path, line, f"{level}: {error}")
                    continue
                if phrase in seen:
                    report.warning(path, line, f"{text!r} is listed already, at line {seen[phrase]}")
                    continue
                seen[phrase] = line
                phrases.append(phrase)
            groups.append(WorryGroup(group.concern, group.helpline, tuple(phrases)))
        levels[level] = tuple(groups)
    return WordLists(language, levels["danger"], levels["worry"])
