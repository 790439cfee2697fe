"""The partners' modules (social landlords' staff, sports coaches) are complete in English and Arabic: the
same cards, the same questions with their options in the same order and the same right answers, each fact's
source with its address, the law dated, and the Arabic written in Arabic with the numbers of the French."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.content.coverage import translation_gaps
from bot.content.loader import load_content
from bot.content.pack import ContentPack, Module
from tests.conftest import CONTENT

PARTNERS = ("landlord_staff", "sports_coaches")
LEGAL = ("Loi n°", "Code ")
DATED = {"fr": "1er décembre 2026", "en": "1 December 2026", "ar": "1 ديسمبر 2026"}


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    loaded, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    return loaded


def get(pack: ContentPack, language: str, module_id: str) -> Module:
    module = pack.module(language, module_id)
    assert module is not None and module.language == language, f"{language}/{module_id}"
    return module


def sources(language: str, module_id: str) -> list[str]:
    """The module file's `sources` (the loaded module closes its last card with them)."""
    path = CONTENT / language / "modules" / f"{module_id}.yml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["sources"])


def cards(module: Module) -> str:
    """The cards' text without the sources that close the last one."""
    return " ".join(module.cards).split("<i>📚")[0]


def numbers(module: Module) -> set[str]:
    """The numbers a reader acts on or checks: phone numbers, amounts, years, articles of law (three digits
    or more once the thousands' spaces are gone); hours and age ranges are written each language's way."""
    text = re.sub(r"<[^>]+>|allo119\.gouv\.fr", "", cards(module))
    found = (re.sub(r"[\s.,]", "", n) for n in re.findall(r"\d+(?:[  .,]\d{3})*(?:-\d+)*", text))
    return {number for number in found if re.search(r"\d{3}", number)}


@pytest.mark.parametrize("module_id", PARTNERS)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_translated_with_the_same_cards_and_answers(pack: ContentPack, language: str, module_id: str) -> None:
    french, ours = get(pack, "fr", module_id), get(pack, language, module_id)
    missing = {gap.language: gap.missing for gap in translation_gaps(pack) if gap.kind == "modules"}
    assert module_id not in missing.get(language, ()), "translated, not a copy of the French"
    settings = (ours.minutes, ours.audience, ours.pass_mark, ours.order)
    assert settings == (french.minutes, french.audience, french.pass_mark, french.order)
    assert (len(ours.cards), len(ours.objectives)) == (len(french.cards), len(french.objectives))
    assert len(sources(language, module_id)) == len(sources("fr", module_id))
    assert len(ours.quiz) == len(french.quiz)
    for theirs, mine in zip(french.quiz, ours.quiz, strict=True):
        assert mine.multiple == theirs.multiple
        assert [o.correct for o in mine.options] == [o.correct for o in theirs.options]
        assert all(option.explanation for option in mine.options), "an explanation for each option"


@pytest.mark.parametrize("module_id", PARTNERS)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_sourced_and_dated(pack: ContentPack, language: str, module_id: str) -> None:
    module = get(pack, language, module_id)
    assert 5 <= module.minutes <= 10 and module.objectives
    cited = sources(language, module_id)
    assert all("https://" in source for source in cited), "every source with its address"
    legal = [source for source in cited if source.startswith(LEGAL)]
    assert legal and all(DATED[language] in source for source in legal), "the law as of 1 December 2026"
    text = " ".join((module.title, module.summary, *module.cards))
    assert "facts.md" not in text and "[" not in text


@pytest.mark.parametrize("module_id", PARTNERS)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_same_numbers_in_each_language(pack: ContentPack, language: str, module_id: str) -> None:
    assert numbers(get(pack, language, module_id)) == numbers(get(pack, "fr", module_id))


@pytest.mark.parametrize("module_id", PARTNERS)
def test_the_arabic_is_arabic_with_latin_digits(pack: ContentPack, module_id: str) -> None:
    arabic = get(pack, "ar", module_id)
    text = " ".join((arabic.title, arabic.summary, cards(arabic)))
    assert not any("\u0660" <= c <= "\u0669" for c in text), "digits 0-9, not Arabic-Indic"
    assert sum("\u0600" <= c <= "\u06ff" for c in text) > len(text) / 2, "written in Arabic"
