"""content/sequences.yml: the drip and weekly series, and every problem in them at its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from bot.content.pack import ContentPack, Drip, DripStep, WeeklySeries
from tests.conftest import CONTENT

FILE = "content/sequences.yml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def load(root: Path, text: str | None) -> tuple[ContentPack, list[str]]:
    """The pack and the error lines, once `sequences.yml` holds `text` (None: no such file)."""
    path = root / "sequences.yml"
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text, encoding="utf-8")
    pack, report = load_content(root, SUPPORTED_LANGUAGES)
    return pack, [str(problem) for problem in report.errors]


def errors(root: Path, text: str) -> list[str]:
    return load(root, text)[1]


WEEKLY = """\
weekly:
  - id: cards
    topic: myth_weekly
    weekday: wednesday
    time: "18:00"
    items: myths
"""


def test_shipped_series() -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    parents = next(drip for drip in pack.drips if drip.id == "welcome_parents")
    assert parents.roles == ("parent",)
    assert [step.day for step in parents.steps] == [0, 2, 7, 14]
    assert parents.applies_to("parent") and not parents.applies_to("professional")
    for drip in pack.drips:
        assert all(pack.has_item(step.item) for step in drip.steps)
    [weekly] = pack.weekly
    assert (weekly.id, weekly.topic, weekly.time) == ("myth_weekly", "myth_weekly", "18:00")
    assert weekly.weekday == 2, "Wednesday"
    assert weekly.items == tuple(f"myth:{myth_id}" for myth_id in pack.myth_ids())
    ids = [drip.id for drip in pack.drips] + [series.id for series in pack.weekly]
    assert len(set(ids)) == len(ids)


def test_the_file_is_optional(content: Path) -> None:
    pack, lines = load(content, None)
    assert lines == []
    assert (pack.drips, pack.weekly) == ((), ())
    pack, lines = load(content, "# nothing yet\n")
    assert lines == []
    assert (pack.drips, pack.weekly) == ((), ())


def test_has_item() -> None:
    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert pack.has_item("page:helplines")
    assert pack.has_item("myth:easy_money")
    assert pack.has_item("resource:talk_without_judging")
    assert not pack.has_item("myth:helplines")
    assert not pack.has_item("module:legal_frame")
    assert not pack.has_item("helplines")


def test_a_full_file_and_what_it_becomes(content: Path) -> None:
    pack, lines = load(
        content,
        """\
drips:
  - id: everyone
    steps:
      - {day: 0, item: "page:helplines"}
      - {day: 365, item: "resource:yourself_not_alone"}
weekly:
  - id: tips
    topic: myth_weekly
    weekday: Monday
    time: "7:05"
    items: [resource:talk_without_judging, myth:easy_money]
""",
    )
    assert lines == []
    assert pack.drips == (
        Drip(
            "everyone",
            (),
            (DripStep(0, "page:helplines"), DripStep(365, "resource:yourself_not_alone")),
        ),
    )
    assert pack.drips[0].applies_to("resident") and pack.drips[0].applies_to(None)
    assert pack.weekly == (
        WeeklySeries("tips", "myth_weekly", 0, "07:05", ("resource:talk_without_judging", "myth:easy_money")),
    )


def test_bad_yaml_and_bad_shape(content: Path) -> None:
    assert any(
        line.startswith(f"{FILE}:3: error: not valid YAML")
        for line in errors(content, "drips:\n  - id: a\n    roles: [parent\n")
    )
    assert errors(content, "- id: a\n") == [
        f"{FILE}:1: error: expected the lists drips: and weekly: (either may be left out)"
    ]
    assert errors(content, "drips: []\nweekly: every wednesday\n") == [
        f"{FILE}:2: error: weekly: expected a list of entries, each starting with '- id: ...'"
    ]
    assert errors(content, WEEKLY + "  - just a word\n") == [
        f"{FILE}:7: error: expected fields such as 'id: ...' (one per line)"
    ]


def test_unknown_keys(content: Path) -> None:
    assert errors(
        content,
        "drip:\n  - id: a\n" + WEEKLY + "    colour: blue\n",
    ) == [
        f"{FILE}:1: error: drip: unknown field (check its spelling): expected drips or weekly",
        f"{FILE}:9: error: colour: unknown field (check its spelling)",
    ]
    assert errors(content, "drips:\n  - id: a\n    steps:\n      - day: 0\n        page: helplines\n") == [
        f"{FILE}:4: error: steps.0.item: this field is required",
        f"{FILE}:5: error: steps.0.page: unknown field (check its spelling)",
    ]


def test_bad_and_duplicate_ids(content: Path) -> None:
    text = """\
drips:
  - id: Welcome-Parents
    steps:
      - {day: 0, item: "page:helplines"}
  - id: cards
    steps:
      - {day: 0, item: "page:helplines"}
"""
    assert errors(content, text + WEEKLY) == [
        f"{FILE}:2: error: id: 'Welcome-Parents' is not allowed: "
        "use lowercase letters, digits and _ (32 at most)",
        f"{FILE}:9: error: duplicate id 'cards': another series has it (drips and weekly share their ids)",
    ]


def test_unknown_role_topic_and_weekday(content: Path) -> None:
    text = """\
drips:
  - id: a
    roles: [parent, mayor]
    steps:
      - {day: 0, item: "page:helplines"}
weekly:
  - id: b
    topic: news
    weekday: mercredi
    time: "18:00"
    items: myths
"""
    assert errors(content, text) == [
        f"{FILE}:3: error: roles: unknown role 'mayor': roles are parent, professional, resident, other",
        f"{FILE}:8: error: topic: unknown topic 'news': topics are myth_weekly",
        f"{FILE}:9: error: weekday: unknown weekday 'mercredi': use monday, tuesday, wednesday, thursday, "
        "friday, saturday, sunday",
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("18:00", 'time: write the time between quotes, such as "18:00"'),  # YAML reads it as 1080
        ('"25:00"', "time: '25:00' is not a time such as \"18:00\" (hours 00-23, minutes 00-59)"),
        ('"18h"', "time: '18h' is not a time such as \"18:00\" (hours 00-23, minutes 00-59)"),
    ],
)
def test_bad_time(content: Path, written: str, message: str) -> None:
    assert errors(content, WEEKLY.replace('"18:00"', written)) == [f"{FILE}:5: error: {message}"]


def test_days_in_order_each_once_within_a_year(content: Path) -> None:
    text = """\
drips:
  - id: a
    steps:
      - day: 7
        item: page:helplines
      - day: 2
        item: page:about
      - day: 2
        item: page:welcome
      - day: 400
        item: page:about
  - id: b
    steps: []
"""
    assert errors(content, text) == [
        f"{FILE}:10: error: steps.3.day: 400 is not a day from 0 (the day of enrolment) to 365",
        f"{FILE}:13: error: steps: give at least one step ('- day: 0' and its 'item: ...')",
    ]
    assert errors(content, text.replace("400", "10")) == [
        f"{FILE}:6: error: steps: day 2 comes after day 7: list the steps in order of day",
        f"{FILE}:8: error: steps: day 2 twice: one item a day",
        f"{FILE}:13: error: steps: give at least one step ('- day: 0' and its 'item: ...')",
    ]


def test_unknown_and_malformed_items(content: Path) -> None:
    text = """\
drips:
  - id: a
    steps:
      - day: 0
        item: myth:nope
      - day: 1
        item: pages:helplines
      - day: 2
        item: module:legal_frame
weekly:
  - id: b
    topic: myth_weekly
    weekday: friday
    time: "09:30"
    items:
      - myth:easy_money
      - resource:nope
  - id: c
    topic: myth_weekly
    weekday: friday
    time: "09:30"
    items: [myth: easy_money]
  - id: d
    topic: myth_weekly
    weekday: friday
    time: "09:30"
    items: all
"""
    hint = "write page:<id>, myth:<id> or resource:<id>"
    assert errors(content, text) == [
        f"{FILE}:5: error: item: unknown myth 'nope': there is no file fr/myths/nope.md",
        f"{FILE}:7: error: item: 'pages:helplines' is not a content item: {hint}",
        f"{FILE}:9: error: item: 'module:legal_frame' is not a content item: {hint}",
        f"{FILE}:17: error: items: unknown resource 'nope': there is no file fr/resources/nope.md",
        f"{FILE}:22: error: items: write myth:easy_money without a space after ':'",
        f"{FILE}:27: error: items: 'all': write 'myths' (every myth card, in order) or a list of items "
        "such as [page:<id>, myth:<id> or resource:<id>]",
    ]


def test_an_item_that_exists_only_in_a_translation_is_unknown(content: Path) -> None:
    (content / "fr" / "resources" / "yourself_take_care.md").unlink()
    text = "drips:\n  - id: a\n    steps:\n      - {day: 0, item: 'resource:yourself_take_care'}\n"
    assert (
        f"{FILE}:4: error: item: unknown resource 'yourself_take_care': "
        "there is no file fr/resources/yourself_take_care.md"
    ) in errors(content, text)


def test_a_broken_french_file_is_reported_once(content: Path) -> None:
    (content / "fr" / "myths" / "easy_money.md").write_text("no front matter\n", encoding="utf-8")
    lines = errors(content, "drips:\n  - id: a\n    steps:\n      - {day: 0, item: 'myth:easy_money'}\n")
    assert [line for line in lines if line.startswith(FILE)] == []
    assert any(line.startswith("content/fr/myths/easy_money.md:1: error:") for line in lines)


def test_myths_without_any_myth_card(content: Path) -> None:
    for language in SUPPORTED_LANGUAGES:
        shutil.rmtree(content / language / "myths")
    assert errors(content, WEEKLY) == [
        f"{FILE}:6: error: items: 'myths', but there is no myth card in fr/myths"
    ]
