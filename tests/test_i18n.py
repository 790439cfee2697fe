"""Catalogs: every message the code uses is translated in every language; plurals and formats follow babel."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.bidi import LRI, PDI
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LOCALES_DIR, RLM, Catalogs, resolve_language
from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def messages_in_code() -> set[str | tuple[str, str]]:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot", method_map=[("**.py", "python")], keywords=keywords
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_the_code_uses_translatable_messages() -> None:
    assert len(messages_in_code()) > 40


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_translates_every_message_the_code_uses(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    problems = []
    for message_id in sorted(messages_in_code(), key=str):
        key = message_id if isinstance(message_id, str) else message_id[0]
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings) or entry.fuzzy:
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        source = key if isinstance(message_id, str) else message_id[1]
        allowed = set(PLACEHOLDER.findall(source))
        for string in map(str, strings):
            used = set(PLACEHOLDER.findall(string))
            # Arabic may spell out "one day" and "two days" and drop {count} from those plural forms.
            if used - allowed or (isinstance(message_id, str) and used != allowed):
                problems.append(f"placeholders differ in {language} for {key!r}")
            if sorted(TAG.findall(string)) != sorted(TAG.findall(source)):
                problems.append(f"HTML tags differ in {language} for {key!r}")
    assert problems == []


def test_arabic_plurals_use_their_six_forms() -> None:
    t = Catalogs().get("ar")
    singular = "Sans utilisation pendant {count} jour, tout est effacé automatiquement."
    plural = "Sans utilisation pendant {count} jours, tout est effacé automatiquement."
    forms = {t.ngettext(singular, plural, n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) >= 5
    english = Catalogs().get("en")
    assert (
        english.ngettext(singular, plural, 1).format(count=1)
        == "After 1 day without use, everything is deleted automatically."
    )
    assert "{count} days" in english.ngettext(singular, plural, 365)
    french = Catalogs().get("fr")
    assert french.ngettext(singular, plural, 0).endswith("jour, tout est effacé automatiquement.")


def test_dates_and_numbers_follow_the_locale() -> None:
    catalogs = Catalogs()
    day = date(2026, 11, 27)
    assert catalogs.get("fr").date(day) == "27 novembre 2026"
    assert catalogs.get("en").date(day) == "November 27, 2026"
    assert "نوفمبر" in catalogs.get("ar").date(day)
    assert catalogs.get("fr").number(12345.5) == "12\u202f345,5"
    assert catalogs.get("en").number(12345.5) == "12,345.5"


def test_language_names_are_written_in_their_own_language() -> None:
    catalogs = Catalogs()
    assert [catalogs.native_name(code) for code in SUPPORTED_LANGUAGES] == ["Français", "English", "العربية"]


def test_right_to_left_marks_only_for_arabic() -> None:
    catalogs = Catalogs()
    assert catalogs.get("ar").directed("Repères\n\n17") == f"{RLM}{LRI}Repères{PDI}\n\n{RLM}{LRI}17{PDI}"
    assert catalogs.get("fr").directed("Repères") == "Repères"


@pytest.mark.parametrize(
    ("chosen", "telegram", "expected"),
    [
        ("en", "ar", "en"),
        (None, "ar-SA", "ar"),
        (None, "en_US", "en"),
        (None, "de", "fr"),
        (None, None, "fr"),
        ("xx", "en", "en"),
    ],
)
def test_language_resolution(chosen: str | None, telegram: str | None, expected: str) -> None:
    assert resolve_language(chosen, telegram, SUPPORTED_LANGUAGES, "fr") == expected


def test_arabic_counts_agree_with_their_number() -> None:
    # "7 يومًا" is not Arabic: 3 to 10 take the plural (أيام), 11 to 99 the singular accusative (يومًا).
    t = Catalogs().get("ar")
    singular = "La demande est effacée {count} jour après la fin de la conversation."
    plural = "La demande est effacée {count} jours après la fin de la conversation."
    assert "7 أيام" in t.ngettext(singular, plural, 7).format(count=7)
    assert "30 يومًا" in t.ngettext(singular, plural, 30).format(count=30)
    assert "يومين" in t.ngettext(singular, plural, 2).format(count=2)
