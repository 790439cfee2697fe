"""The content loader: every kind of problem is reported with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SUPPORTED_LANGUAGES
from bot.content.coverage import translation_gaps
from bot.content.loader import load_content
from bot.content.markup import render, visible_length
from tests.conftest import CONTENT

ARABIC_MODULES = ("public_space", "talking_cps", "tipping_over")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def check(root: Path) -> list[str]:
    return load_content(root, SUPPORTED_LANGUAGES)[1].lines()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_shipped_content_is_valid_and_complete() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    # Everything is in the three languages but some Arabic trainings, which are being translated.
    assert {(p.path.split("/")[1], p.path.split("/")[2]) for p in report.warnings} <= {("ar", "modules")}
    for module_id in ARABIC_MODULES:
        module = pack.module("ar", module_id)
        assert module is not None and module.language == "ar", f"{module_id} is shown in Arabic"
    assert set(pack.pages) == {"fr", "en", "ar"}
    assert {page_id for page_id in pack.pages["fr"]} == {page_id for page_id in pack.pages["ar"]}
    assert pack.territories["demo"].timezone == "Europe/Paris"
    for pages in pack.pages.values():
        for page in pages.values():
            assert visible_length(page.html) <= 4096
            assert page.sources, f"{page.language}/{page.id} states facts without a source"


def test_missing_field_and_unknown_role(content: Path) -> None:
    write(content / "fr" / "pages" / "extra.md", "---\nid: extra\nmenu: [parent, mayor]\n---\nTexte.\n")
    lines = check(content)
    assert "content/fr/pages/extra.md:2: error: title: this field is required" in lines
    assert any(
        line.startswith("content/fr/pages/extra.md:3: error: menu: unknown role 'mayor'") for line in lines
    )


def test_duplicate_id(content: Path) -> None:
    write(content / "fr" / "pages" / "zz_copy.md", "---\nid: about\ntitle: Copie\n---\nTexte.\n")
    assert (
        "content/fr/pages/zz_copy.md:2: error: duplicate id 'about': another file in fr/pages has it"
        in check(content)
    )


def test_invalid_markup_points_at_its_line(content: Path) -> None:
    write(
        content / "fr" / "pages" / "bad.md",
        "---\nid: bad\ntitle: Mauvais\n---\nPremier paragraphe.\n\n"
        "Un <p>paragraphe</p> en HTML.\n\n![image](x.png)\n",
    )
    lines = check(content)
    assert any(line.startswith("content/fr/pages/bad.md:7: error: HTML such as '<p>'") for line in lines)
    assert (
        "content/fr/pages/bad.md:9: error: images are not allowed in the text; Telegram cannot show them here"
        in lines
    )


def test_text_over_telegram_limit(content: Path) -> None:
    write(content / "fr" / "pages" / "long.md", "---\nid: long\ntitle: Long\n---\n" + "mot " * 1100 + "\n")
    assert (
        "content/fr/pages/long.md:5: error: the page is 4399 characters once rendered; at most 3796 "
        "(Telegram allows 4096, and the bot adds a few lines of its own)" in (check(content))
    )


def test_missing_translation_is_a_warning_and_unknown_id_an_error(content: Path) -> None:
    (content / "ar" / "pages" / "about.md").unlink()
    write(content / "en" / "pages" / "orphan.md", "---\nid: orphan\ntitle: Orphan\n---\nText.\n")
    pack, report = load_content(content, SUPPORTED_LANGUAGES)
    assert "content/ar/pages/about.md:1: warning: no Arabic translation of 'about'; French will be shown" in (
        report.lines()
    )
    assert [str(p) for p in report.errors] == [
        "content/en/pages/orphan.md:2: error: unknown id 'orphan': there is no French file with this id"
    ]
    assert pack.page("ar", "about").language == "fr", "French is the fallback"


def test_yaml_syntax_error_and_missing_front_matter(content: Path) -> None:
    write(content / "fr" / "pages" / "a.md", "---\nid: a\ntitle: [oops\n---\nTexte.\n")
    write(content / "fr" / "pages" / "b.md", "Just text, no fields.\n")
    lines = check(content)
    assert any(line.startswith("content/fr/pages/a.md:3: error: not valid YAML") for line in lines), lines
    assert (
        "content/fr/pages/b.md:1: error: "
        "the file must start with '---', the fields, then '---' before the text" in (lines)
    )


def test_territory_problems(content: Path) -> None:
    write(content / "territories" / "bad.yml", "id: bad\nname:\n  en: Bad\ntimezone: Europe/Atlantis\n")
    write(content / "territories" / "zz_copy.yml", "id: demo\nname:\n  fr: Copie\ntimezone: Europe/Paris\n")
    lines = check(content)
    assert "content/territories/bad.yml:2: error: name: a French name (fr) is required" in lines
    assert any(
        line.startswith("content/territories/bad.yml:4: error: timezone: unknown time zone") for line in lines
    )
    assert "content/territories/zz_copy.yml:1: error: duplicate id 'demo': another territory has it" in lines


def test_required_pages(content: Path) -> None:
    (content / "fr" / "pages" / "privacy_notice.md").unlink()
    assert (
        "content/fr/pages/privacy_notice.md:1: error: the required page 'privacy_notice' is missing"
        in check(content)
    )


def test_markdown_becomes_telegram_html() -> None:
    rendered = render(
        "## Titre & co\n\n**Gras** et _italique_, [lien](https://a.fr/?x=1&y=2).\n\n"
        "- un\n- deux\n\n1. premier\n"
    )
    assert rendered.problems == []
    assert rendered.html == (
        "<b>Titre &amp; co</b>\n\n"
        '<b>Gras</b> et <i>italique</i>, <a href="https://a.fr/?x=1&amp;y=2">lien</a>.\n\n'
        "• un\n• deux\n\n1. premier"
    )
    assert visible_length(rendered.html) == len(
        "Titre & co\n\nGras et italique, lien.\n\n• un\n• deux\n\n1. premier"
    )


def test_links_must_be_web_links() -> None:
    assert render("[x](ftp://a.fr)").problems == [
        (1, "link 'ftp://a.fr' must start with https:// (or tg://, mailto:)")
    ]


MODULE = """id: demo_module
title: "{title}"
minutes: 3
audience: [teacher]
sources:
  - "Source, https://example.org"
cards:
  - "{card} 1"
  - "{card} 2"
  - "{card} 3"
quiz:
  - question: "{card}?"
    options:
      - text: "{card} A"
        correct: true
        explanation: "{card}."
      - text: "{card} B"
        correct: false
        explanation: "{card}."
"""


def small_pack(root: Path) -> Path:
    """French with two pages and a module; English complete; Arabic with one page and a copied module."""
    write(root / "territories" / "demo.yml", "id: demo\nname:\n  fr: Démo\ntimezone: Europe/Paris\n")
    for language, word in (("fr", "Texte"), ("en", "Text"), ("ar", "نص")):
        write(root / language / "pages" / "welcome.md", f"---\nid: welcome\ntitle: {word}\n---\n{word}.\n")
    for language, word in (("fr", "Notice"), ("en", "Notice EN")):
        path = root / language / "pages" / "privacy_notice.md"
        body = f"{word}: {{controller}}, {{privacy_contact}}."
        write(path, f"---\nid: privacy_notice\ntitle: {word}\n---\n{body}\n")
        path = root / language / "pages" / "privacy_details.md"
        write(path, f"---\nid: privacy_details\ntitle: {word}\n---\n{body}\n")
    french = MODULE.format(title="Module", card="Carte")
    write(root / "fr" / "modules" / "demo_module.yml", french)
    write(root / "en" / "modules" / "demo_module.yml", MODULE.format(title="Module EN", card="Card"))
    write(root / "ar" / "modules" / "demo_module.yml", french)  # a copy of the French is no translation
    return root


def test_check_sums_up_per_language_what_is_shown_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_env: None
) -> None:
    root = small_pack(tmp_path / "content")
    pack, report = load_content(root, SUPPORTED_LANGUAGES)
    assert report.errors == []
    copy = "content/ar/modules/demo_module.yml:1: warning: identical to the French module: not translated?"
    assert copy in report.lines()
    copied, french = pack.module("ar", "demo_module"), pack.module("fr", "demo_module")
    assert copied is not None and french is not None and copied.cards == french.cards, "French, in effect"
    monkeypatch.setenv("CONTENT_DIR", str(root))
    assert main(["content", "check"]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = out[out.index("translations (compared with French; what is missing is shown in French):") :]
    assert summary[1:4] == [
        "  English (en): complete (3 pages, 0 resources, 0 myths, 1 modules, 0 topics)",
        "  Arabic (ar): 2 of 3 pages missing: privacy_details, privacy_notice",
        "  Arabic (ar): 1 of 1 modules missing: demo_module",
    ]
    assert summary[4].startswith("content is valid: 7 pages, 0 resources, 0 myths, 3 modules in 3 languages")


def test_a_broken_translation_is_reported_as_broken_not_as_missing(tmp_path: Path) -> None:
    root = small_pack(tmp_path / "content")
    arabic = MODULE.format(title="وحدة", card="بطاقة").replace('  - "بطاقة 3"\n', "")
    write(root / "ar" / "modules" / "demo_module.yml", arabic)
    lines = load_content(root, SUPPORTED_LANGUAGES)[1].lines()
    assert any(line.startswith("content/ar/modules/demo_module.yml:") and "cards" in line for line in lines)
    assert not any("no Arabic translation of 'demo_module'" in line for line in lines), lines


def test_the_arabic_modules_match_the_french_ones() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    (gap,) = [gap for gap in translation_gaps(pack) if gap.language == "ar" and gap.kind == "modules"]
    assert not set(ARABIC_MODULES) & set(gap.missing), "translated, and not a copy of the French"
    for module_id in ARABIC_MODULES:
        french, arabic = pack.module("fr", module_id), pack.module("ar", module_id)
        assert french is not None and arabic is not None and arabic.language == "ar"
        assert (len(arabic.cards), len(arabic.quiz)) == (len(french.cards), len(french.quiz))
        for ours, theirs in zip(arabic.quiz, french.quiz, strict=True):
            assert (ours.multiple, [o.correct for o in ours.options]) == (
                theirs.multiple,
                [o.correct for o in theirs.options],
            )
        text = " ".join((arabic.title, arabic.summary, *arabic.cards))
        assert "facts.md" not in text and "[" not in text, "no internal file, no placeholder left"
        assert not any("\u0660" <= c <= "\u0669" for c in text), "digits 0-9, not Arabic-Indic"
        assert sum("\u0600" <= c <= "\u06ff" for c in text) > len(text) / 2, "written in Arabic"
