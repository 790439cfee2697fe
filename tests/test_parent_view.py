"""The pure helpers behind what a parent sees: hours in words, labels cut between words, pages that never
end on a heading, "1er", and English catalog entries without French quotation marks."""

from __future__ import annotations

from datetime import date

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.content.paging import is_heading, split_pages
from bot.features.families.hours import always_open, hours_in_words, week_spans
from bot.i18n import LOCALES_DIR, Catalogs, long_date
from bot.shorten import ELLIPSIS, LABEL_LIMIT, shorten
from tests.conftest import CONTENT, ContentCache

WEDNESDAY = date(2026, 12, 2)
catalogs = Catalogs()


def words(hours: str, language: str) -> list[str]:
    return hours_in_words(hours, catalogs.get(language), WEDNESDAY)


@pytest.mark.parametrize(
    ("hours", "french", "english", "arabic"),
    [
        (
            "Mo,Th 14:00-19:00; We 10:00-19:00; Sa 10:00-13:00",
            ["lundi et jeudi, 14 h – 19 h", "mercredi, 10 h – 19 h", "samedi, 10 h – 13 h"],
            [
                "Monday and Thursday, 2\u2009–\u20097\u202fPM",
                "Wednesday, 10\u202fAM\u2009–\u20097\u202fPM",
                "Saturday, 10\u202fAM\u2009–\u20091\u202fPM",
            ],
            [
                "الاثنين والخميس، 2–7\u202fم",
                "الأربعاء، 10\u202fص\u2009–\u20097\u202fم",
                "السبت، 10\u202fص\u2009–\u20091\u202fم",
            ],
        ),
        (
            "Mo-Fr 09:00-12:30,13:30-17:30",
            ["du lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h 30"],
            ["Monday to Friday, 9:00\u202fAM\u2009–\u200912:30\u202fPM and 1:30\u2009–\u20095:30\u202fPM"],
            ["من الاثنين إلى الجمعة، 9:00 ص\u2009–\u200912:30 م و1:30–5:30 م"],
        ),
        (
            "Mo-Su 08:00-02:00",
            ["tous les jours, 8 h – 2 h"],
            ["every day, 8 AM – 2 AM"],
            ["كل يوم، 8\u202fص – 2\u202fص"],
        ),
        (
            "Mo-Fr 10:00-24:00",
            ["du lundi au vendredi, 10 h – minuit"],
            ["Monday to Friday, 10 AM – midnight"],
            ["من الاثنين إلى الجمعة، 10\u202fص – منتصف الليل"],
        ),
        ("24/7", ["tous les jours, 24 h/24"], ["every day, 24 hours a day"], ["كل يوم، على مدار 24 ساعة"]),
    ],
)
def test_hours_in_words_in_each_language(
    hours: str, french: list[str], english: list[str], arabic: list[str]
) -> None:
    assert words(hours, "fr") == french
    assert words(hours, "en") == english
    assert words(hours, "ar") == arabic


def test_hours_in_words_group_days_and_keep_week_order() -> None:
    # Saturday and Sunday share their hours; two days are named, three or more make a range.
    assert words("Sa,Su 10:00-12:00; Mo-We 09:00-17:00", "fr") == [
        "du lundi au mercredi, 9 h – 17 h",
        "samedi et dimanche, 10 h – 12 h",
    ]
    assert words("Mo,We,Fr 09:00-12:00", "fr") == ["lundi, mercredi et vendredi, 9 h – 12 h"]
    assert words("Mo-Fr 00:00-24:00", "fr") == ["du lundi au vendredi, 24 h/24"]
    assert words("off", "en") == ["closed all week"]


def test_week_spans_keep_an_opening_past_midnight_on_its_own_day() -> None:
    spans = week_spans("Fr 22:00-03:00", WEDNESDAY)
    assert spans == {4: ((22 * 60, 27 * 60),)}, "Friday 22:00 to Saturday 03:00, said on Friday"
    assert always_open("Mo-Su 00:00-24:00") and not always_open("Mo-Fr 08:00-20:00")


def test_shorten_cuts_between_words_with_an_ellipsis() -> None:
    claim = "Un parent ne peut pas être aidé si son enfant ne vient pas avec lui."
    short = shorten(claim)
    assert short == "Un parent ne peut pas être aidé si son enfant ne vient pas avec…"
    assert len(short) <= LABEL_LIMIT
    assert shorten("Court et clair") == "Court et clair"
    assert shorten("Parler, écouter, orienter", 18) == "Parler, écouter…", "no comma before the ellipsis"
    assert shorten("Un mot", 6) == "Un mot"
    assert shorten("abcdefghijklmnop", 8) == "abcdefg…", "a single long word is cut inside"
    arabic = "لا يمكن للوالدين الحصول على مساعدة إلا إذا حضر طفلهم معهم."
    cut = shorten(arabic, 30)
    assert cut.endswith(ELLIPSIS) and arabic.startswith(cut[:-1]) and arabic[len(cut) - 1] == " "


def test_a_page_never_ends_on_a_heading() -> None:
    filler = "x" * 900
    text = "\n\n".join(["<b>Titre</b>", filler, filler, "<b>Deuxième partie</b>", "y" * 400])
    pages = split_pages(text, target=2000)
    assert pages == ["\n\n".join(["<b>Titre</b>", filler, filler]), "<b>Deuxième partie</b>\n\n" + "y" * 400]
    # Two headings in a row move together; a page of headings alone is never made.
    text = "\n\n".join([filler, filler, "<b>A</b>", "<b>B</b>", "y" * 400])
    assert split_pages(text, target=2000) == [
        "\n\n".join([filler, filler]),
        "<b>A</b>\n\n<b>B</b>\n\n" + "y" * 400,
    ]
    assert split_pages("<b>Seul</b>\n\n" + "z" * 3000, target=2000) == ["<b>Seul</b>\n\n" + "z" * 3000]
    assert is_heading("<b>Un titre</b>") and not is_heading("<b>Gras</b> puis texte")
    assert not is_heading("<b>Un</b> et <b>deux</b>")


def test_no_page_of_the_pack_ends_on_a_heading(content_cache: ContentCache) -> None:
    content = content_cache.get(CONTENT).content
    for language, resources in content.resources.items():
        for resource in resources.values():
            for number, page in enumerate(resource.pages[:-1]):
                assert not is_heading(page.split("\n\n")[-1]), (language, resource.id, number)


def test_the_first_of_the_month_is_1er_in_french() -> None:
    french, english = Locale.parse("fr"), Locale.parse("en")
    assert long_date(date(2026, 12, 1), french) == "1er décembre 2026"
    assert long_date(date(2026, 12, 11), french) == "11 décembre 2026"
    assert long_date(date(2026, 12, 21), french) == "21 décembre 2026"
    assert long_date(date(2026, 12, 1), english) == "December 1, 2026"
    assert catalogs.get("fr").date(date(2027, 1, 1)) == "1er janvier 2027"


def test_english_ui_strings_use_no_french_quotation_marks() -> None:
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translations = [
        (message.id, message.string if isinstance(message.string, str) else " ".join(message.string or ()))
        for message in catalog
        if message.id
    ]
    assert translations, "the English catalog was read"
    assert [msgid for msgid, text in translations if "«" in text or "»" in text] == []
