"""The folding of typed text, the phrases of `worries.yml`, their matching, and the loader's reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.content.folding import fold, forms, words
from bot.content.loader import load_content
from bot.content.worries import CONCERN_IDS, WordLists, WorryGroup, parse_phrase
from bot.domain.worries import Level, Recognised, Recogniser, recognise
from bot.features.contact.concerns import CONCERNS
from tests.conftest import CONTENT


def test_folding_ignores_case_accents_and_french_elisions() -> None:
    assert fold("Traîne ÉLÈVE Ça") == "traine eleve ca"
    assert words("On l’a menacé, qu'il PAYE !") == ["on", "a", "menace", "il", "paye"]
    assert words("jusqu'à l`école, d´abord, s’est") == ["a", "ecole", "abord", "est"]
    assert words("aujourd'hui") == ["aujourd", "hui"], "only a whole elided word goes, not a word's end"
    assert words("he's dealing, can't") == ["he", "s", "dealing", "can", "t"], "English keeps its words"


def test_folding_ignores_arabic_marks_and_letter_variants() -> None:
    assert fold("المُخَدِّرَات") == fold("المخدرات"), "short vowels and shadda"
    assert fold("أإآٱ") == "اااا", "hamza forms and alef wasla"
    assert fold("مسؤول") == "مسوول" and fold("خائف") == "خايف", "hamza on waw and yaa"
    assert fold("شيء") == "شي", "a lone hamza"
    assert fold("على") == fold("علي") and fold("مدرسة") == fold("مدرسه"), "alef maqsura, taa marbuta"
    assert fold("مـــال") == "مال", "tatweel"
    assert fold("١٤ سنة") == "14 سنه", "Arabic-Indic digits"
    assert fold("کی") == "كي", "Persian keyboard letters"


def test_an_arabic_word_may_carry_the_article_or_and() -> None:
    assert "مخدرات" in forms("المخدرات") and "مخدرات" in forms("بالمخدرات")
    assert "ابني" in forms("وابني") and "مخدرات" in forms("والمخدرات")
    assert forms("الي") == {"الي"}, "too short to carry an article"
    assert forms("dealers") == {"dealers"}


def test_phrases_are_parsed_and_bad_ones_explained() -> None:
    assert parse_phrase("Traîne ... Dealers") == ("traine", "...", "dealers")
    assert parse_phrase("traine … dealer*") == ("traine", "...", "dealer*")
    assert parse_phrase("on l'a menacé") == ("on", "a", "menace")
    assert parse_phrase("بالمخدرات") == ("مخدرات",)
    for bad, said in [
        ("... dealers", "between two words"),
        ("dealers ...", "between two words"),
        ("a ... ... b", "between two words"),
        ("de*", "at least 3 letters"),
        ("!!", "not a word"),
        ("de*al", "not a word"),
        ("", "empty"),
    ]:
        with pytest.raises(ValueError, match=said):
            parse_phrase(bad)


def lists(danger: list[str], worry: list[str], concern: str | None = "involved") -> dict[str, WordLists]:
    return {
        "fr": WordLists(
            "fr",
            (WorryGroup(None, "police_17", tuple(parse_phrase(p) for p in danger)),),
            (WorryGroup(concern, None, tuple(parse_phrase(p) for p in worry)),),
        )
    }


def test_whole_words_in_order_with_gaps_and_stems() -> None:
    found = lists(["on le menace"], ["train* ... dealer*", "charbon"])
    worry = Recognised(Level.WORRY, "involved", None)
    assert recognise(found, "Mon fils TRAÎNE avec des dealers", "fr") == worry
    assert recognise(found, "il trainait tout le temps avec les dealeurs", "fr") is None, "4 words apart"
    assert recognise(found, "il trainait avec les dealers", "fr") == worry
    assert recognise(found, "dealers traine", "fr") is None, "in order"
    assert recognise(found, "il est au charbon", "fr") == worry
    assert recognise(found, "le charbonnier", "fr") is None, "a whole word, not a part of one"
    assert recognise(found, "on le menace et il traine avec des dealers", "fr") == Recognised(
        Level.DANGER, None, "police_17"
    ), "a danger wins"
    assert recognise(found, "", "fr") is None and recognise(found, "?!", "fr") is None


def test_every_language_is_tried_the_persons_first() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    english = recognise(pack.worries, "mon fils traine avec des dealers", "en")
    assert english is not None and english.concern == "involved", "French typed under an English interface"
    assert recognise(pack.worries, "ابني يبيع المخدرات", "fr") is not None


def test_shipped_lists_lead_to_known_concerns() -> None:
    assert set(CONCERN_IDS) == set(CONCERNS), "the content check knows the worried path's concerns"
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert not [p for p in report.problems if "worries" in p.path]
    assert set(pack.worries) == {"fr", "en", "ar"}
    for found in pack.worries.values():
        assert found.danger and found.worry
        assert all(group.phrases for group in (*found.danger, *found.worry))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def test_malformed_lists_are_reported_with_file_and_line(content: Path) -> None:
    (content / "en" / "worries.yml").write_text(
        "danger:\n"
        "  - phrases: [on le menace]\n"
        "worry:\n"
        "  - concern: worried_sick\n"
        "    phrases: [a]\n"
        "  - phrases: []\n"
        "extra: 1\n",
        encoding="utf-8",
    )
    (content / "ar" / "worries.yml").unlink()
    mine = [line for line in load_content(content, SUPPORTED_LANGUAGES)[1].lines() if "worries" in line]
    unknown = "content/en/worries.yml:4: error: worry.0.concern: unknown concern"
    assert any(line.startswith(unknown) for line in mine)
    assert any(line.startswith("content/en/worries.yml:6: error: worry.1.phrases:") for line in mine)
    assert "content/en/worries.yml:7: error: extra: unknown field (check its spelling)" in mine
    assert any(line.startswith("content/ar/worries.yml:1: warning: no word lists") for line in mine)
    # Once the fields are right, each phrase and helpline is checked.
    (content / "en" / "worries.yml").write_text(
        "danger:\n"
        "  - phrases:\n"
        "      - on le menace\n"
        "      - ... dealers\n"
        "      - de*\n"
        "worry:\n"
        "  - helpline: sos_nowhere\n"
        "    phrases:\n"
        "      - On le MENACE\n"
        "      - ok then\n",
        encoding="utf-8",
    )
    mine = [line for line in load_content(content, SUPPORTED_LANGUAGES)[1].lines() if "en/worries" in line]
    assert "content/en/worries.yml:4: error: danger: '...' must stand between two words" in mine
    assert "content/en/worries.yml:5: error: danger: 'de*': at least 3 letters before '*'" in mine
    assert "content/en/worries.yml:7: error: worry: unknown helpline 'sos_nowhere': see helplines.yml" in mine
    assert "content/en/worries.yml:9: warning: 'On le MENACE' is listed already, at line 3" in mine


def test_a_long_message_is_read_to_its_end() -> None:
    found = Recogniser(lists(["on le menace"], ["train* ... dealer*"]))
    padding = "bla " * 900
    assert found.recognise(padding + "il traine avec des dealers", "fr") == Recognised(
        Level.WORRY, "involved", None
    )
    assert found.recognise(padding * 2, "fr") is None
