"""The residents' content: both pages written in fr, en and ar (none shown in French by fallback), every
page sourced with web addresses, the law dated; and the territory file's `local_contacts:`, checked at its
line like every other field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.core.residents import LAW_PAGE, RESIDENT_PAGES
from tests.conftest import CONTENT

DATED = {"fr": "au 1er décembre 2026", "en": "as of 1 December 2026", "ar": "بتاريخ 1 ديسمبر 2026"}
# Reported but not checked on Légifrance (see the facts checklist): the residents' pages must not state them.
UNCHECKED = ("7 ans", "7 years", "recrutement", "recruit", "PNACO")


def test_the_residents_pages_are_complete_and_sourced_in_each_language() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    for page_id in RESIDENT_PAGES:
        french = pack.page("fr", page_id)
        for language in SUPPORTED_LANGUAGES:
            page = pack.page(language, page_id)
            assert page.language == language, f"{language}/{page_id} is missing: French would be shown"
            assert page.menu == (), "offered by the residents' menu itself, not the shared list"
            assert page.sources == french.sources, "the same primary sources in every language"
            assert all(re.search(r"https://\S+", source) for source in page.sources), "each with its URL"
            assert not any(words in page.html for words in UNCHECKED), f"{language}/{page_id}: unchecked"
    for language in SUPPORTED_LANGUAGES:
        assert DATED[language] in pack.page(language, LAW_PAGE).html.replace("<b>", "").replace("</b>", "")


def test_the_demo_territory_lists_its_local_contacts_as_examples() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    contacts = pack.territories["demo"].local_contacts
    assert [contact.kind for contact in contacts] == ["landlord", "mediators", "town_hall"]
    for contact in contacts:
        assert contact.example
        assert all(contact.names.get(language) for language in SUPPORTED_LANGUAGES)


def test_a_local_contact_of_unknown_kind_or_without_a_way_to_reach_it_is_an_error(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "territories" / "ile.yml").write_text(
        "id: ile\nname:\n  fr: Île\ntimezone: Europe/Paris\nlocal_contacts:\n"
        "  - kind: police\n    name:\n      fr: Commissariat\n    phone: '17'\n"
        "  - kind: landlord\n    name:\n      fr: Bailleur\n",
        encoding="utf-8",
    )
    lines = load_content(copy, SUPPORTED_LANGUAGES)[1].lines()
    assert any("territories/ile.yml:6: error:" in line and "unknown kind 'police'" in line for line in lines)
    assert any(
        "territories/ile.yml:" in line and "residents must be able to reach it" in line for line in lines
    )


def test_a_territory_without_local_contacts_loads_with_none() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert all(isinstance(territory.local_contacts, tuple) for territory in pack.territories.values())
