"""`content check` before a deployment: placeholders and demo examples are listed, --strict fails on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.deployment import check_deployment
from bot.content.problems import Report
from tests.conftest import CONTENT
from tests.test_config_cli import run_cli

SERVICE = """- id: {id}
  name: "{name}"
  kind: cjc
  needs: [worried]
  address: "{address}"
  latitude: 48.85
  longitude: 2.35
{extra}  description:
    fr: "Pour les jeunes et leurs parents."
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def deployment_problems(root: Path, *, strict: bool) -> list[str]:
    report = Report(root=root)
    check_deployment(root, report, strict=strict)
    return report.lines()


def test_the_shipped_pack_passes_strict() -> None:
    result = run_cli("content", "check", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " error: " not in result.stdout
    # The demo's examples are marked, so they are listed to replace but do not fail the check.
    assert "content/directory/demo.yml:6: warning: 'cjc_demo' is an example (example: true)" in result.stdout
    assert "content/territories/demo.yml:3: warning: 'demo' is an example (example: true)" in result.stdout


def test_a_placeholder_is_a_warning_then_fails_strict(content: Path) -> None:
    page = content / "fr" / "pages" / "about.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nNous écrire : [adresse — à compléter par la commune]\n",
        encoding="utf-8",
    )
    line = len(page.read_text(encoding="utf-8").splitlines())
    expected = f"content/fr/pages/about.md:{line}: {{}}: placeholder to replace before deploying: "
    expected += "[adresse — à compléter par la commune]"

    relaxed = run_cli("content", "check", env={"CONTENT_DIR": str(content)})
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert expected.format("warning") in relaxed.stdout.splitlines()

    strict = run_cli("content", "check", "--strict", env={"CONTENT_DIR": str(content)})
    assert strict.returncode == 2
    assert expected.format("error") in strict.stdout.splitlines()


@pytest.mark.parametrize(
    "text",
    [
        "[à compléter]",
        "[Commune de Démo — à remplacer par la collectivité]",
        "[address — to be completed by the municipality]",
        "[contact — to be replaced]",
        "[to be filled in by the council]",
        "[العناوين — تكملها البلدية التي تشغّل Repères]",
    ],
)
def test_every_kind_of_placeholder_is_found(tmp_path: Path, text: str) -> None:
    page = tmp_path / "content" / "en" / "resources" / "near_you.md"
    page.parent.mkdir(parents=True)
    page.write_text(f"---\nid: near_you\n---\nIntro.\n\nNear you: {text}\n", encoding="utf-8")
    problems = deployment_problems(tmp_path / "content", strict=True)
    assert problems == [
        f"content/en/resources/near_you.md:6: error: placeholder to replace before deploying: {text}"
    ]


def test_a_link_in_brackets_is_not_a_placeholder(tmp_path: Path) -> None:
    page = tmp_path / "content" / "fr" / "pages" / "helplines.md"
    page.parent.mkdir(parents=True)
    link = "[drogues-info-service.fr](https://www.drogues-info-service.fr)"
    page.write_text(f"Chat sur {link}, [exemple : un lien].\n", encoding="utf-8")
    assert deployment_problems(tmp_path / "content", strict=True) == []


def test_a_marked_example_passes_strict_and_an_unmarked_one_fails(tmp_path: Path) -> None:
    directory = tmp_path / "content" / "directory" / "town.yml"
    directory.parent.mkdir(parents=True)
    marked = SERVICE.format(
        id="cjc_sample", name="CJC (exemple)", address="1 rue X, 99990 Démo", extra="  example: true\n"
    )
    real = SERVICE.format(id="cjc_real", name="CJC Centre", address="2 rue Y, 75011 Paris", extra="")
    directory.write_text(marked + "\n" + real, encoding="utf-8")
    assert deployment_problems(tmp_path / "content", strict=True) == [
        "content/directory/town.yml:1: warning: 'cjc_sample' is an example (example: true): "
        "replace it before deploying"
    ]

    forgotten = SERVICE.format(id="cjc_old", name="CJC", address="3 rue Z, 99990 Démo", extra="")
    directory.write_text(real + "\n" + forgotten, encoding="utf-8")
    assert deployment_problems(tmp_path / "content", strict=True) == [
        "content/directory/town.yml:11: error: 'cjc_old' looks like a demo example: replace it, "
        "or mark it 'example: true' if it is one on purpose"
    ]
    assert deployment_problems(tmp_path / "content", strict=False) == [
        "content/directory/town.yml:11: warning: 'cjc_old' looks like a demo example: replace it, "
        "or mark it 'example: true' if it is one on purpose"
    ]


def test_an_unmarked_demo_territory_and_link_fail_strict(content: Path) -> None:
    territory = content / "territories" / "demo.yml"
    territory.write_text(
        territory.read_text(encoding="utf-8").replace("example: true\n", ""), encoding="utf-8"
    )
    links = content / "links.yml"
    links.write_text(links.read_text(encoding="utf-8").replace("  example: true\n", "", 1), encoding="utf-8")
    strict = run_cli("content", "check", "--strict", env={"CONTENT_DIR": str(content)})
    assert strict.returncode == 2
    errors = [line for line in strict.stdout.splitlines() if ": error: " in line and "demo example" in line]
    assert errors == [
        "content/links.yml:6: error: 'affiche-gare' looks like a demo example: replace it, "
        "or mark it 'example: true' if it is one on purpose",
        "content/territories/demo.yml:3: error: 'demo' looks like a demo example: replace it, "
        "or mark it 'example: true' if it is one on purpose",
    ]
