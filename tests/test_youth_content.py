"""The youth space's content: complete in every language, and each mistake in a file said clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.content.youth import MYTH, OPPORTUNITY_KINDS
from tests.conftest import CONTENT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def check(root: Path) -> list[str]:
    return load_content(root, SUPPORTED_LANGUAGES)[1].lines()


def test_the_youth_space_is_complete_in_every_language() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert [line for line in report.lines() if "/youth/" in line] == []
    youth = pack.youth
    ids = [youth.notice(), *youth.sections(), *youth.myths()]
    assert len(youth.sections()) >= 4 and len(youth.myths()) >= 4
    for language in SUPPORTED_LANGUAGES:
        for item_id in ids:
            assert item_id is not None
            item = youth.get(language, item_id, "notice" if item_id == youth.notice() else "section")
            item = item or youth.get(language, item_id, MYTH)
            assert item is not None and item.language == language, f"{language}/youth/{item_id}"
    # The notice says what is kept, and that Telegram itself sees the chat.
    for language in SUPPORTED_LANGUAGES:
        notice = youth.get(language, "notice", "notice")
        assert notice is not None
        assert "Telegram" in notice.html or "تيليغرام" in notice.html, "it says Telegram sees the chat"
    assert any(
        s.kind in OPPORTUNITY_KINDS and s.example
        for s in pack.directory["demo"]
        if s.kind != "mission_locale"
    )


def test_a_myth_without_its_answer_is_a_clear_error(content: Path) -> None:
    path = content / "fr" / "youth" / "casier.md"
    path.write_text(path.read_text(encoding="utf-8").replace("answer: false\n", ""), encoding="utf-8")
    lines = check(content)
    assert any("fr/youth/casier.md" in line and "'claim'" in line and "'answer'" in line for line in lines)


def test_a_translation_with_another_answer_or_an_unknown_id_is_an_error(content: Path) -> None:
    path = content / "en" / "youth" / "famille.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("answer: false", "answer: true"), encoding="utf-8"
    )
    (content / "ar" / "youth" / "extra.md").write_text(
        "---\nid: extra\nkind: section\ntitle: x\nsources: [s]\n---\nx\n", encoding="utf-8"
    )
    lines = check(content)
    assert any("en/youth/famille.md" in line and "differ from the French" in line for line in lines)
    assert any("ar/youth/extra.md" in line and "no French youth item" in line for line in lines)


def test_a_section_without_sources_and_a_missing_translation(content: Path) -> None:
    path = content / "fr" / "youth" / "refuser.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('sources:\n  - "Santé publique', 'seen:\n  - "Santé publique'), encoding="utf-8"
    )
    (content / "ar" / "youth" / "chemins.md").unlink()
    lines = check(content)
    assert any("fr/youth/refuser.md" in line and "unknown field" in line for line in lines)
    assert any("ar/youth/chemins.md" in line and "French will be shown" in line for line in lines)
