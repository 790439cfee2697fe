"""`content/sequences.yml`: the series of content items the campaign engine sends on its own.

    drips:                        counted from each person's enrolment (the day they accepted the notice)
      - id: welcome_parents
        roles: [parent]           optional; none: everyone
        steps:
          - day: 0                days after enrolment, in order, each day once, 0 to 365
            item: page:helplines  page:<id>, myth:<id> or resource:<id>, which must exist in French
    weekly:                       one item a week for the people subscribed to a topic
      - id: myth_weekly           ids are unique across drips and weekly
        topic: myth_weekly
        weekday: wednesday
        time: "18:00"             in the recipient's time zone
        items: myths              every myth card in content order, or a list of items

The file is optional: without it there is no series. It is read after everything else, since its items
point at the pages, myth cards and resources.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.content.files import read_yaml, validate
from bot.content.pack import SOURCE_LANGUAGE, ContentPack, Drip, DripStep, WeeklySeries
from bot.content.problems import Report
from bot.content.schemas import ALL_MYTHS, ITEM_PATTERN, WEEKDAYS, DripFile, WeeklyFile
from bot.content.yaml_lines import Path_, line_of

Model = TypeVar("Model", bound=BaseModel)
FOLDERS = {"page": "pages", "myth": "myths", "resource": "resources"}
DRIPS, WEEKLY = "drips", "weekly"


def load_sequences(path: Path, pack: ContentPack, report: Report) -> None:
    """Fill `pack.drips` and `pack.weekly`; report every problem at its line."""
    if not path.is_file():
        return
    loaded = read_yaml(path, report)
    if loaded is None:
        return
    data, lines = loaded
    if data is None:  # an empty file, or only comments
        return
    if not isinstance(data, dict):
        report.error(path, 1, f"expected the lists {DRIPS}: and {WEEKLY}: (either may be left out)")
        return
    for key in data:
        if key not in (DRIPS, WEEKLY):
            message = f"{key}: unknown field (check its spelling): expected {DRIPS} or {WEEKLY}"
            report.error(path, line_of(lines, (str(key),)), message)
    ids: set[str] = set()
    drips: list[Drip] = []
    for where, entry in _entries(path, lines, data, DRIPS, report):
        drip = _entry(DripFile, path, lines, where, entry, report)
        if drip is None:
            continue
        unique = _unique(path, lines, where, drip.id, ids, report)
        built = _drip(path, lines, where, drip, pack, report)  # checked even when its id is taken
        if unique and built is not None:
            drips.append(built)
    weekly: list[WeeklySeries] = []
    for where, entry in _entries(path, lines, data, WEEKLY, report):
        series = _entry(WeeklyFile, path, lines, where, entry, report)
        if series is None:
            continue
        unique = _unique(path, lines, where, series.id, ids, report)
        resolved = _weekly(path, lines, where, series, pack, report)
        if unique and resolved is not None:
            weekly.append(resolved)
    pack.drips = tuple(drips)
    pack.weekly = tuple(weekly)


def _entries(
    path: Path, lines: dict[Path_, int], data: dict[Any, Any], key: str, report: Report
) -> list[tuple[Path_, Any]]:
    """The entries of the list under `key` (none when it is left out or empty), with their key paths."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        message = f"{key}: expected a list of entries, each starting with '- id: ...'"
        report.error(path, line_of(lines, (key,)), message)
        return []
    return [((key, index), entry) for index, entry in enumerate(value)]


def _entry(
    model: type[Model], path: Path, lines: dict[Path_, int], where: Path_, entry: Any, report: Report
) -> Model | None:
    """One entry of a list, validated with its own lines so each problem names the right one."""
    if not isinstance(entry, dict):
        report.error(path, line_of(lines, where), "expected fields such as 'id: ...' (one per line)")
        return None
    own = {key[len(where) :]: line for key, line in lines.items() if key[: len(where)] == where}
    return validate(model, entry, own, 0, path, report)


def _unique(
    path: Path, lines: dict[Path_, int], where: Path_, series_id: str, ids: set[str], report: Report
) -> bool:
    if series_id in ids:
        report.error(
            path,
            line_of(lines, (*where, "id")),
            f"duplicate id {series_id!r}: another series has it (drips and weekly share their ids)",
        )
        return False
    ids.add(series_id)
    return True


def _drip(
    path: Path, lines: dict[Path_, int], where: Path_, parsed: DripFile, pack: ContentPack, report: Report
) -> Drip | None:
    fine = True
    days: list[int] = []
    for index, step in enumerate(parsed.steps):
        at = (*where, "steps", index)
        if step.day in days or (days and step.day < max(days)):
            fine = False
            message = (
                f"day {step.day} twice: one item a day"
                if step.day in days
                else f"day {step.day} comes after day {max(days)}: list the steps in order of day"
            )
            report.error(path, line_of(lines, (*at, "day")), f"steps: {message}")
        days.append(step.day)
        fine = _check_item(path, line_of(lines, (*at, "item")), "item", step.item, pack, report) and fine
    if not fine:
        return None
    steps = tuple(DripStep(step.day, step.item) for step in parsed.steps)
    return Drip(parsed.id, tuple(parsed.roles), steps)


def _weekly(
    path: Path, lines: dict[Path_, int], where: Path_, parsed: WeeklyFile, pack: ContentPack, report: Report
) -> WeeklySeries | None:
    if isinstance(parsed.items, str):  # ALL_MYTHS, the schema allows no other word
        items = tuple(f"myth:{myth_id}" for myth_id in pack.myth_ids())
        if not items:
            folder = f"{SOURCE_LANGUAGE}/{FOLDERS['myth']}"
            line = line_of(lines, (*where, "items"))
            report.error(path, line, f"items: {ALL_MYTHS!r}, but there is no myth card in {folder}")
            return None
    else:
        items = tuple(parsed.items)
        checks = [
            _check_item(path, line_of(lines, (*where, "items", index)), "items", item, pack, report)
            for index, item in enumerate(items)
        ]
        if not all(checks):
            return None
    return WeeklySeries(parsed.id, parsed.topic, WEEKDAYS.index(parsed.weekday), parsed.time, items)


def _check_item(path: Path, line: int, field: str, ref: str, pack: ContentPack, report: Report) -> bool:
    """Whether `ref` names an existing French page, myth card or resource; if not, say so at `line`."""
    if not re.fullmatch(ITEM_PATTERN, ref):
        report.error(
            path, line, f"{field}: {ref!r} is not a content item: write page:<id>, myth:<id> or resource:<id>"
        )
        return False
    if pack.has_item(ref):
        return True
    kind, _, item_id = ref.partition(":")
    file = path.parent / SOURCE_LANGUAGE / FOLDERS[kind] / f"{item_id}.md"
    if not file.is_file():  # a file that exists but did not load is reported already, at its own lines
        shown = f"{SOURCE_LANGUAGE}/{FOLDERS[kind]}/{item_id}.md"
        report.error(path, line, f"{field}: unknown {kind} {item_id!r}: there is no file {shown}")
    return False
