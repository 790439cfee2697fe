"""The youth space's content: `content/<lang>/youth/<id>.md`, written for 13-17 year-olds.

A youth item is a Markdown file with a front matter, like a page, and a `kind`:
    notice   the short notice shown first (nothing is kept); exactly one
    section  a screen of the space ("on me met la pression", refusal scripts, other paths...)
    myth     a true-or-false card, with `claim` and `answer`, played in the youth quiz
A section may set `opportunities: true`: the territory's local opportunities (directory kinds listed in
OPPORTUNITY_KINDS) are offered under it. Every section and card cites its sources.
Kept apart from the parents' pages and myths so that neither list shows the other's items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.bidi import directed, is_rtl
from bot.content.files import read_markdown, with_sources
from bot.content.markup import TEXT_LIMIT, visible_length
from bot.content.problems import Report, language_name
from bot.content.schemas import ID_PATTERN, SOURCE_LANGUAGE

FOLDER = "youth"
NOTICE, SECTION, MYTH = "notice", "section", "myth"
# Room left for the bot's own lines (verdict, claim, headings) under Telegram's limit.
LIMIT = TEXT_LIMIT - 400
# Directory kinds that are "other paths" for a young person: work, training, sport, a civic service.
OPPORTUNITY_KINDS = (
    "mission_locale",
    "youth_service",
    "sport",
    "jobs",
    "service_civique",
    "apprenticeship",
)


class YouthFile(BaseModel):
    """The front matter of `content/<lang>/youth/<id>.md`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["notice", "section", "myth"]
    title: str = Field(min_length=1, max_length=30)
    order: int = 50
    claim: str | None = Field(default=None, min_length=1, max_length=120)
    answer: bool | None = None
    opportunities: bool = False
    sources: list[str] = []

    @model_validator(mode="after")
    def _fields_of_kind(self) -> YouthFile:
        if self.kind == MYTH and (self.claim is None or self.answer is None):
            raise ValueError("a myth needs 'claim' (the received idea) and 'answer' (true or false)")
        if self.kind != MYTH and (self.claim is not None or self.answer is not None):
            raise ValueError("only a myth has 'claim' and 'answer'")
        if self.kind != SECTION and self.opportunities:
            raise ValueError("only a section can list the local opportunities")
        if self.kind != NOTICE and not self.sources:
            raise ValueError("a section or a myth states facts: 'sources' is required")
        return self


@dataclass(frozen=True)
class YouthItem:
    id: str
    language: str
    kind: str
    title: str
    order: int
    claim: str | None
    answer: bool | None
    opportunities: bool
    html: str  # the body with its sources


def load_youth(root: Path, languages: tuple[str, ...], report: Report) -> dict[str, dict[str, YouthItem]]:
    """language -> id -> item, every problem reported with its file and line."""
    items = {language: _load_language(root / language / FOLDER, language, report) for language in languages}
    source = items.get(SOURCE_LANGUAGE, {})
    notices = [item for item in source.values() if item.kind == NOTICE]
    if source and len(notices) != 1:
        report.error(
            root / SOURCE_LANGUAGE / FOLDER, 1, "the youth space needs exactly one item of kind notice"
        )
    if source and not any(item.kind == MYTH for item in source.values()):
        report.error(
            root / SOURCE_LANGUAGE / FOLDER, 1, "the youth quiz needs at least one item of kind myth"
        )
    for language in languages[1:]:
        _check_translation(root, language, source, items[language], report)
    return items


def _load_language(folder: Path, language: str, report: Report) -> dict[str, YouthItem]:
    found: dict[str, YouthItem] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        read = read_markdown(path, YouthFile, report)
        if read is None:
            continue
        meta = read.meta
        if meta.id != path.stem:
            report.error(path, 2, f"the id {meta.id!r} must be the file's name ({path.stem!r})")
            continue
        body = with_sources(read.html, meta.sources)
        length = visible_length(directed(body, is_rtl(language)))
        if length > LIMIT:
            report.error(
                path, read.body_line, f"the text is {length} characters once rendered; at most {LIMIT}"
            )
        found[meta.id] = YouthItem(
            meta.id,
            language,
            meta.kind,
            meta.title,
            meta.order,
            meta.claim,
            meta.answer,
            meta.opportunities,
            body,
        )
    return found


def _check_translation(
    root: Path, language: str, source: dict[str, YouthItem], translated: dict[str, YouthItem], report: Report
) -> None:
    """The same items in every language, of the same kind, with the same right answers."""
    for item_id, item in translated.items():
        path = root / language / FOLDER / f"{item_id}.md"
        original = source.get(item_id)
        if original is None:
            report.error(path, 2, f"unknown id {item_id!r}: there is no French youth item with this id")
        elif (item.kind, item.answer, item.opportunities) != (
            original.kind,
            original.answer,
            original.opportunities,
        ):
            report.error(path, 2, "kind, answer or opportunities differ from the French item's")
        elif item == replace(original, language=language):
            report.warning(path, 1, "identical to the French file: not translated?")
    for item_id in source:
        path = root / language / FOLDER / f"{item_id}.md"
        if item_id not in translated and not path.exists():
            report.warning(
                path, 1, f"no {language_name(language)} translation of {item_id!r}; French will be shown"
            )


class Youth:
    """The loaded items, read with French as the fallback."""

    def __init__(self, items: dict[str, dict[str, YouthItem]]) -> None:
        self._items = items

    def _ordered(self, kind: str) -> list[str]:
        source = self._items.get(SOURCE_LANGUAGE, {}).values()
        return [
            item.id for item in sorted(source, key=lambda item: (item.order, item.id)) if item.kind == kind
        ]

    def sections(self) -> list[str]:
        return self._ordered(SECTION)

    def myths(self) -> list[str]:
        return self._ordered(MYTH)

    def notice(self) -> str | None:
        ids = self._ordered(NOTICE)
        return ids[0] if ids else None

    def get(self, language: str, item_id: str, kind: str) -> YouthItem | None:
        """The item in `language`, else in French; None when there is no such item of this kind."""
        item = self._items.get(language, {}).get(item_id) or self._items.get(SOURCE_LANGUAGE, {}).get(item_id)
        return item if item is not None and item.kind == kind else None
