"""`content/stored_data.yml`: every stored column and the line of the privacy notice that tells people.

Checked here against the notice in each language (the words of each line must be found in its page), and in
tests/test_stored_data.py against the tables themselves, so a column nobody was told about fails the tests.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.content.files import read_list
from bot.content.pack import SOURCE_LANGUAGE, ContentPack, StoredLine
from bot.content.problems import Report

# The page that lists, line by line, what is stored.
NOTICE_PAGE = "privacy_details"
# Filled in from the territory files when the notice is shown.
FILLED_IN = {"{controller}": "who answers for the data", "{privacy_contact}": "how to reach them"}
_COLUMN = re.compile(r"^[a-z_]+\.[a-z_]+$")
_TAG = re.compile(r"<[^>]*>")


class StoredLineFile(BaseModel):
    """One entry of `stored_data.yml`: words of a notice line, per language, and the columns it covers."""

    model_config = ConfigDict(extra="forbid")

    line: dict[str, str]
    columns: list[str] = Field(min_length=1)

    @field_validator("line")
    @classmethod
    def _french(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get(SOURCE_LANGUAGE, "").strip():
            raise ValueError("the words of the French line (fr) are required")
        return value

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: list[str]) -> list[str]:
        for column in value:
            if not _COLUMN.match(column):
                raise ValueError(f"{column!r} is not a column such as person.language")
        return value


def visible_text(telegram_html: str) -> str:
    """What a reader sees of a page: tags gone, entities read, spaces as typed."""
    return html.unescape(_TAG.sub("", telegram_html)).replace("\u00a0", " ")


def load_stored_data(path: Path, pack: ContentPack, report: Report) -> None:
    """Read the file (optional) and check each line's words against the notice in every language."""
    if not path.is_file():
        return
    seen: set[str] = set()
    lines: list[StoredLine] = []
    for entry, line in read_list(path, StoredLineFile, report, "line"):
        for column in entry.columns:
            if column in seen:
                report.error(path, line, f"{column} is listed twice")
            seen.add(column)
        lines.append(StoredLine(dict(entry.line), tuple(entry.columns)))
        for language in pack.languages:
            page = pack.pages.get(language, {}).get(NOTICE_PAGE)
            words = entry.line.get(language, "").strip()
            if page is None:
                continue  # a missing page is reported with the pages
            if not words:
                report.error(path, line, f"no {language} words for this line: add '{language}: ...'")
            elif words not in visible_text(page.html):
                where = f"{language}/pages/{NOTICE_PAGE}.md"
                report.error(path, line, f"{words!r} is not in {where}: the notice must keep that line")
    pack.stored_data = tuple(lines)


def check_controller_fields(root: Path, pack: ContentPack, report: Report) -> None:
    """The notice names who answers for the data through the territory files' fields, never a placeholder
    written into the page."""
    for language in pack.languages:
        for page_id in ("privacy_notice", NOTICE_PAGE):
            page = pack.pages.get(language, {}).get(page_id)
            for field in FILLED_IN:
                if page is not None and field not in page.html:
                    path = root / language / "pages" / f"{page_id}.md"
                    report.error(path, 1, f"write {field} where the notice names {FILLED_IN[field]}")
