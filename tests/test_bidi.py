"""Left-to-right runs inside Arabic text: isolated once, where the bot renders a message (bot/bidi.py).

The visual order these marks produce is checked in a browser by tests/test_chat_page_bidi.py; here, where
the marks go and where they must not (tags, link targets, text already marked)."""

from __future__ import annotations

import pytest

from bot.bidi import LRI, LRM, PDI, RLM, directed, foreign, is_rtl, isolate_label
from bot.delivery.render import render
from tests.conftest import ContentCache, make_settings


def marked(text: str) -> str:
    """The marks made visible: [ … ] for an isolate, <R>/<L> for the line's direction mark."""
    return text.replace(LRI, "[").replace(PDI, "]").replace(RLM, "<R>").replace(LRM, "<L>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اتصل بـ 01 99 00 00 01 أو 17.", "<R>اتصل بـ [01 99 00 00 01] أو [17]."),
        ("اكتب /forget لحذف بياناتك.", "<R>اكتب [/forget] لحذف بياناتك."),
        ("على بعد 1,2 km من هنا", "<R>على بعد [1,2 km] من هنا"),
        ("نسبة 61 % من الحالات", "<R>نسبة [61 %] من الحالات"),
        ("الرقم 119 (gratuit) متاح", "<R>الرقم [119 (gratuit)] متاح"),
        ("(exemple) مكان", "<R>([exemple]) مكان"),
        ("مفتوح Mo,Th 14:00-19:00 فقط", "<R>مفتوح [Mo,Th 14:00-19:00] فقط"),
        ("البريد contact@mairie.fr أو", "<R>البريد [contact@mairie.fr] أو"),
        ("📞 01 99 00 00 01", "<R>📞 [01 99 00 00 01]"),
        ("• <b>Maison des ados</b> — 1,2 km", "<R>• <b>[Maison des ados</b> — 1,2 km]"),
        ("Le 119 est ouvert (7j/7).", "<R>[Le 119 est ouvert (7j/7).]"),
        # The Arabic comma separates two items of the Arabic sentence: each its own isolate, in order.
        ("📚 119 Allô، https://www.allo119.gouv.fr", "<R>📚 [119 Allô]، [https://www.allo119.gouv.fr]"),
        ("حتى 1 ديسمبر 2026، https://x.fr", "<R>حتى [1] ديسمبر [2026]، [https://x.fr]"),
        # A French title quoted whole keeps its question mark, inside the quotes, after its last word.
        ("«Quels numéros en cas d'urgence ?» (أرقام)", "<R>«[Quels numéros en cas d'urgence ?]» (أرقام)"),
        ("قال « Le 119 est ouvert ! » ثم", "<R>قال « [Le 119 est ouvert !] » ثم"),
        ("قال « Le 119 » ثم 12 ?", "<R>قال « [Le 119] » ثم [12] ?"),
    ],
)
def test_left_to_right_runs_are_isolated_in_arabic(text: str, expected: str) -> None:
    assert marked(directed(text, rtl=True)) == expected


def test_tags_entities_and_links_are_left_whole() -> None:
    text = 'راجع <a href="https://www.119.fr/x?a=1&amp;b=2">119.fr</a> و AT&amp;T الآن'
    assert marked(directed(text, rtl=True)) == (
        '<R>راجع <a href="https://www.119.fr/x?a=1&amp;b=2">[119.fr]</a> و [AT&amp;T] الآن'
    )


def test_marking_twice_changes_nothing_and_left_to_right_languages_are_untouched() -> None:
    once = directed("اتصل بـ 01 99 00 00 01\n\nاكتب /forget", rtl=True)
    assert directed(once, rtl=True) == once
    assert directed("Appelez le 01 99 00 00 01", rtl=False) == "Appelez le 01 99 00 00 01"


def test_a_french_fallback_reads_left_to_right_as_a_whole() -> None:
    shown = foreign("<b>Titre</b>\n\n• Le 119, gratuit.", rtl=True)
    assert marked(shown) == "<L><b>[Titre]</b>\n\n<L>[• Le 119, gratuit.]"
    # The Arabic around it is still directed; the fallback's lines are kept as they are.
    assert marked(directed("عنوان\n" + shown, rtl=True)) == "<R>عنوان\n" + marked(shown)
    assert foreign("Le 119", rtl=False) == "Le 119"


def test_direction_comes_from_the_locale_data() -> None:
    assert is_rtl("ar") and is_rtl("he") and is_rtl("fa")
    assert not is_rtl("fr") and not is_rtl("en") and not is_rtl("xx-unknown")


def test_button_labels_are_isolated_only_when_they_mix_directions() -> None:
    assert isolate_label("Français") == "Français"
    assert isolate_label("CJC — Consultation (exemple)") == "CJC — Consultation (exemple)"
    assert marked(isolate_label("📞 اتصلوا بـ 119")) == "📞 اتصلوا بـ [119]"


async def test_a_campaign_without_an_arabic_variant_reads_left_to_right(content_cache: ContentCache) -> None:
    found = content_cache.services(make_settings(database_url="sqlite+aiosqlite:///:memory:"))
    try:
        french = {"fr": {"text": "Réunion des parents le 12 à 18 h, salle 2."}}
        shown = render(found, french, "ar")
        assert shown is not None
        text, footer = shown.text.split("\n\n", 1)
        # The French text as a whole, left to right; the Arabic footer right to left, "/stop" in order.
        assert marked(text) == "<L>[Réunion des parents le 12 à 18 h, salle 2.]"
        assert marked(footer).startswith("<R><i>") and "[/stop]" in marked(footer)
        # An Arabic variant left empty falls back to the French one, laid out as French.
        empty = render(found, {**french, "ar": {}}, "ar")
        assert empty is not None
        assert marked(empty.text).startswith("<L>["), marked(empty.text)
        arabic = render(found, {**french, "ar": {"text": "اجتماع الأولياء يوم 12"}}, "ar")
        assert arabic is not None and marked(arabic.text).startswith("<R>اجتماع الأولياء يوم [12]")
    finally:
        await found.database.engine.dispose()
