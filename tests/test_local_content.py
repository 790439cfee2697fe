"""A territory's own content: checked like the national items, each problem at its file and line, and
overrides that no longer match their national item reported (failing --strict)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.content.problems import Report
from bot.content.versions import check_overrides, version
from bot.dashboard.verify import certificate_fields
from bot.domain.indicators.labels import label
from bot.i18n import Catalogs
from bot.models import Certificate
from tests.conftest import SHIPPED
from tests.test_config_cli import run_cli

LOCAL = "riviere"
ABOUT = Path("territories") / LOCAL / "fr" / "pages" / "about.md"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(SHIPPED, copy)
    return copy


def problems(root: Path, *, strict: bool = False) -> list[str]:
    pack, report = load_content(root, SUPPORTED_LANGUAGES)
    check_overrides(root, pack, report, strict=strict)
    return report.lines()


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PAGE = """---
id: {id}
title: "Page locale"
{extra}---
Un texte local.
"""


def test_the_shipped_overrides_are_current() -> None:
    lines = problems(SHIPPED, strict=True)
    assert not [line for line in lines if "territories/" in line and "example" not in line], lines


def test_the_territory_sees_its_version_and_its_own_items_others_the_national_ones() -> None:
    pack, report = load_content(SHIPPED, SUPPORTED_LANGUAGES)
    assert not report.errors
    for language in SUPPORTED_LANGUAGES:
        town = pack.territories[LOCAL].name(language).split(" (")[0]
        assert town in pack.page(language, "about", LOCAL).html
        assert town not in pack.page(language, "about", "demo").html
        assert pack.page(language, "about", "demo") == pack.page(language, "about")
        assert "riviere_parents_evenings" in [r.id for r in pack.resources_in(language, "talk", LOCAL)]
        assert "riviere_parents_evenings" not in [r.id for r in pack.resources_in(language, "talk", "demo")]
    assert pack.resource_ids(LOCAL)[-1] == "riviere_parents_evenings"
    assert not pack.has_item("resource:riviere_parents_evenings")  # series and campaigns name national items


def test_a_stale_override_is_reported_at_its_line_and_fails_strict(content: Path) -> None:
    national = content / "fr" / "pages" / "about.md"
    national.write_text(national.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    now = version(national.read_text(encoding="utf-8"))
    expected = (
        f"content/{ABOUT}:6: {{}}: stale: the national page 'about' changed since this was written "
        f"(overrides: ffb9d693, now {now}); check it still fits, then write 'overrides: \"{now}\"'"
    )

    relaxed = run_cli("content", "check", env={"CONTENT_DIR": str(content)})
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert expected.format("warning") in relaxed.stdout.splitlines()

    strict = run_cli("content", "check", "--strict", env={"CONTENT_DIR": str(content)})
    assert strict.returncode == 2
    assert expected.format("error") in strict.stdout.splitlines()


def test_an_override_of_a_removed_national_item_is_reported(content: Path) -> None:
    write(
        content,
        f"territories/{LOCAL}/fr/pages/gone.md",
        PAGE.format(id="gone", extra='overrides: "1a2b3c4d"\n'),
    )
    lines = problems(content, strict=True)
    assert (
        f"content/territories/{LOCAL}/fr/pages/gone.md:4: error: overrides the national page 'gone', "
        "which no longer exists: delete the file, or remove 'overrides:' to keep it as this territory's "
        "own item"
    ) in lines


def test_an_override_without_its_version_is_told_the_version_to_write(content: Path) -> None:
    path = write(content, f"territories/{LOCAL}/fr/pages/welcome.md", PAGE.format(id="welcome", extra=""))
    current = version((content / "fr" / "pages" / "welcome.md").read_text(encoding="utf-8"))
    lines = problems(content)
    assert (
        f"content/territories/{LOCAL}/fr/pages/welcome.md:1: warning: replaces the national page 'welcome' "
        f"without saying which version: once checked, write 'overrides: \"{current}\"' so that a later "
        "national change is reported"
    ) in lines
    path.write_text(PAGE.format(id="welcome", extra=f'overrides: "{current}"\n'), encoding="utf-8")
    assert not [line for line in problems(content) if "fr/pages/welcome.md" in line]


def test_local_files_are_checked_like_national_ones(content: Path) -> None:
    base = f"territories/{LOCAL}"
    write(content, f"{base}/fr/pages/misspelt.md", PAGE.format(id="misspelt", extra="menu: [parents]\n"))
    write(content, f"{base}/fr/pages/unquoted.md", PAGE.format(id="unquoted", extra="overrides: 12345678\n"))
    write(content, f"{base}/en/pages/only_english.md", PAGE.format(id="only_english", extra=""))
    write(content, "territories/nowhere/fr/pages/about.md", PAGE.format(id="about", extra=""))
    resource = '---\nid: lost\ntopic: nothing\ntitle: "Perdue"\n---\nUn texte.\n'
    write(content, f"{base}/fr/resources/lost.md", resource)
    lines = problems(content)
    root = f"content/{base}"
    assert f"{root}/fr/pages/misspelt.md:4: error: menu: unknown role 'parents': roles are " in "\n".join(
        lines
    )
    assert (
        f"{root}/fr/pages/unquoted.md:4: error: overrides: write the version between quotes: "
        'overrides: "1a2b3c4d"' in lines
    )
    assert (
        f"{root}/en/pages/only_english.md:1: error: no French version of 'only_english' in this territory: "
        "write fr/pages/only_english.md first (French is the reference)"
    ) in lines
    assert (
        "content/territories/nowhere:1: error: unknown territory 'nowhere': "
        "name the folder after a territory's id" in lines
    )
    assert f"{root}/fr/resources/lost.md:3: error: unknown topic 'nothing': use one of fr/topics.yml" in lines
    assert (
        f"{root}/en/resources/lost.md:1: warning: no English version of 'lost'; the local French one is shown"
        in lines
    )


def test_a_replacing_module_keeps_the_national_number_of_cards(content: Path) -> None:
    national = (content / "fr" / "modules" / "legal_frame.yml").read_text(encoding="utf-8")
    shorter = national.replace("cards:\n", 'cards:\n  - "Une carte de plus."\n', 1)
    write(content, f"territories/{LOCAL}/fr/modules/legal_frame.yml", shorter)
    lines = problems(content)
    assert any(
        line.startswith(f"content/territories/{LOCAL}/fr/modules/legal_frame.yml:1: error: ")
        and "keep the same number (progress is kept by card)" in line
        for line in lines
    ), lines


HELPLINES = """- id: {id}
  name: "Écoute locale"
  phone: "01 99 00 00 50"
  hours: "Mo-Fr 09:00-17:00"
  source: "Mairie de Rivière-Démo (exemple), https://www.example.org"
{extra}  description:
    fr: "Une écoute locale."
    en: "A local line."
    ar: "خط محلي."
"""


def test_a_territory_replaces_and_adds_helplines(content: Path) -> None:
    national = next(iter(load_content(SHIPPED, SUPPORTED_LANGUAGES)[0].helplines)).id
    text = HELPLINES.format(id=national, extra='  overrides: "00000000"\n')
    text += HELPLINES.format(id="ecoute_riviere", extra="")
    path = write(content, f"territories/{LOCAL}/helplines.yml", text)
    pack, report = load_content(content, SUPPORTED_LANGUAGES)
    assert not report.errors, report.lines()
    local = pack.helplines_for(LOCAL)
    assert local[0].id == national and local[0].name == "Écoute locale"
    assert local[-1].id == "ecoute_riviere"
    assert "ecoute_riviere" not in [line.id for line in pack.helplines_for("demo")]
    report = Report(root=content)
    check_overrides(content, pack, report, strict=True)
    assert any(
        line.startswith(f"content/territories/{LOCAL}/helplines.yml:6: error: stale: the national helpline")
        for line in report.lines()
    ), report.lines()
    assert path.is_file()


def test_the_verify_page_names_a_territorys_own_module(content: Path) -> None:
    """A certificate for a module the territory added (or replaced) is verified under that module's title,
    as the chat's certificate names it, not as an unknown id."""
    national = (content / "fr" / "modules" / "legal_frame.yml").read_text(encoding="utf-8")
    local = national.replace("id: legal_frame", "id: riviere_frame", 1).replace(
        'title: "Le cadre légal', 'title: "Le cadre local', 1
    )
    write(content, f"territories/{LOCAL}/fr/modules/riviere_frame.yml", local)
    pack, report = load_content(content, SUPPORTED_LANGUAGES)
    assert not report.errors, report.lines()
    certificate = Certificate(
        code="ABCD-EFGH", module="riviere_frame", score=90, issued_on=date(2026, 12, 1), territory=LOCAL
    )
    shown = certificate_fields(certificate, pack, Catalogs(SUPPORTED_LANGUAGES).get("fr"))
    assert str(shown["module"]).startswith("Le cadre local")


def test_the_dashboard_names_a_territorys_own_item() -> None:
    """Indicators count items by id: a territory's own resource is named by its title, not its id."""
    pack, _report = load_content(SHIPPED, SUPPORTED_LANGUAGES)
    added = pack.resource("fr", "riviere_parents_evenings", LOCAL)
    assert added is not None
    assert label(Catalogs(SUPPORTED_LANGUAGES).get("fr"), pack, "riviere_parents_evenings") == added.title
