"""The privacy notice against the tables: every stored column has a line in the notice, in every language.

The columns come from the models' metadata (bot/models.py), never from a copy kept here; the lines from
content/stored_data.yml, whose words the content loader finds in each language's detailed notice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (every table registers itself in the metadata)
from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.content.pack import ContentPack
from bot.models import PERSON_COLUMN
from tests.conftest import CONTENT


def stored_columns(metadata: MetaData) -> set[str]:
    """Every column that holds something: row ids and the link to a person say nothing of their own."""
    return {
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if not (column.primary_key and column.name == "id") and column.name != PERSON_COLUMN
    }


def told(pack: ContentPack) -> set[str]:
    return {column for line in pack.stored_data for column in line.columns}


def test_every_stored_column_has_its_line_in_the_notice() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == [], "the words of each line are found in every language's notice"
    stored = stored_columns(SQLModel.metadata)
    assert stored - told(pack) == set(), "stored, but the privacy notice does not say so"
    assert told(pack) - stored == set(), "in content/stored_data.yml, but no such column any more"
    for line in pack.stored_data:
        assert set(line.words) == set(SUPPORTED_LANGUAGES), line.words


def test_a_new_column_without_a_line_is_caught() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    metadata = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("person", metadata, Column("birth_year", Integer), extend_existing=True)
    assert stored_columns(metadata) - told(pack) == {"person.birth_year"}


def test_the_notice_keeps_the_lines_it_promises(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    page = copy / "en" / "pages" / "privacy_details.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("whether you accept training reminders", "reminders"),
        encoding="utf-8",
    )
    _, report = load_content(copy, SUPPORTED_LANGUAGES)
    assert [problem.message for problem in report.errors] == [
        "'whether you accept training reminders' is not in en/pages/privacy_details.md: the notice must "
        "keep that line"
    ]


def test_no_placeholder_reaches_the_notice_and_the_controller_is_configured() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    for language in SUPPORTED_LANGUAGES:
        for page_id in ("privacy_notice", "privacy_details"):
            text = pack.page(language, page_id).html
            assert "[" not in text, f"{language}/{page_id} holds a bracket placeholder"
            assert "{controller}" in text and "{privacy_contact}" in text
    demo = pack.territories["demo"]
    assert demo.controller_name("ar") and demo.privacy_contact, "the demo territory names an example"
