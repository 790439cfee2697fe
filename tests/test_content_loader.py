"""The content loader: every kind of problem is reported with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.content.markup import render, visible_length
from tests.conftest import CONTENT


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
    # The trainings are for professionals, in French and English; everything else is in all three languages.
    assert {(p.path.split("/")[1], p.path.split("/")[2]) for p in report.warnings} <= {("ar", "modules")}
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
