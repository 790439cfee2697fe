"""Where each count comes from: grouped queries by month and territory, within a coordinator's scope.

Every query groups in the database (a month's people are counted there, not fetched). A month is a UTC
month, written "2026-11". Each month's cubes depend on that month's data and the scope only, never on the
period asked for, so the same month is suppressed the same way on every page and in every export.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import SUPPORTED_LANGUAGES
from bot.domain.indicators.cubes import Cube, Month, settle
from bot.domain.scope import Scope
from bot.models import Attribution, MythCount, Person, Professional, Progress, RequestCount, ResourceCount
from bot.roles import ROLES

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120  # ten years: enough for any evaluation, and a bound on the work one request asks for
ANSWERS = ("correct", "mistaken")
EVENTS = ("opened", "taken", "answered", "closed")
UNSPECIFIED = "unspecified"  # a training started by someone who is not a verified professional of a kind


class PeriodError(ValueError):
    """A period given wrongly: a month that is not YYYY-MM, or the last before the first."""


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Every month from `first` to `last` inclusive, as "YYYY-MM"."""
    start, end = MONTH.match(first), MONTH.match(last)
    if start is None or end is None:
        raise PeriodError(f"months are written YYYY-MM, not {first if start is None else last!r}")
    year, month = int(start[1]), int(start[2])
    stop = (int(end[1]), int(end[2]))
    if (year, month) > stop:
        raise PeriodError(f"{last} is before {first}")
    months = []
    while (year, month) <= stop:
        months.append(f"{year:04d}-{month:02d}")
        if len(months) > MAX_MONTHS:
            raise PeriodError(f"at most {MAX_MONTHS} months at once")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


@dataclass
class Raw:
    """The counts of one month before suppression, and the sums averages are made of."""

    territories: set[str] = field(default_factory=set)
    cubes: dict[str, Cube] = field(default_factory=dict)
    sums: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)

    def cube(self, name: str, *axes: Iterable[str], shares_totals_with: str | None = None) -> Cube:
        if name not in self.cubes:
            self.cubes[name] = Cube(name, tuple(tuple(axis) for axis in axes), {}, shares_totals_with)
        return self.cubes[name]

    def count(self, name: str, territory: str, *key: str, count: int) -> None:
        cube = self.cubes[name]
        for position, member in enumerate(key):
            if member not in cube.axes[position]:  # a value the fixed lists do not have (an old role...)
                axes = list(cube.axes)
                axes[position] = (*axes[position], member)
                cube.axes = tuple(axes)
        self.territories.add(territory)
        cube.add((territory, *key), count)

    def add_sum(self, name: str, territory: str, *key: str, value: float) -> None:
        self.sums.setdefault(name, {})
        self.sums[name][(territory, *key)] = self.sums[name].get((territory, *key), 0.0) + value


@dataclass(frozen=True)
class Figures:
    """The settled months of a period: suppressed cubes, and raw sums for averages."""

    months: tuple[Month, ...]
    sums: dict[str, dict[str, dict[tuple[str, ...], float]]]  # month -> name -> key -> sum

    def total_sum(self, month: str, name: str, key: tuple[str, ...]) -> float:
        """A sum at any key, TOTAL members included (adding up the keys it covers)."""
        found = self.sums.get(month, {}).get(name, {})
        return sum(
            value
            for stored, value in found.items()
            if all(wanted in ("total", member) for wanted, member in zip(key, stored, strict=True))
        )

    def territories(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for month in self.months:
            seen.update(dict.fromkeys(month.territories))
        return tuple(seen)

    def members(self, cube: str, axis: int) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for month in self.months:
            found = month.cubes.get(cube)
            if found is not None:
                seen.update(dict.fromkeys(found.axes[axis]))
        return tuple(seen)


SOURCES = ("people", "counters", "trainings")


async def gather(
    session: AsyncSession, scope: Scope, first: str, last: str, sources: tuple[str, ...] = SOURCES
) -> Figures:
    """The counts of the period within the scope, settled month by month; only `sources` are read.

    Cubes that share no cell are suppressed apart, so leaving some out changes nothing in the others: a
    page reads only what it shows, and its cells are hidden exactly as in the export."""
    months = months_between(first, last)
    raws = {month: _fresh() for month in months}
    dialect = (await session.connection()).dialect.name
    if "people" in sources:
        await _people(session, raws, scope, dialect)
    if "counters" in sources:
        await _keyed_counts(session, raws, scope)
    if "trainings" in sources:
        await _trainings(session, raws, scope, dialect)
    # Suppression is plain arithmetic, but a year of months can take a moment: off the event loop.
    settled = await asyncio.to_thread(_settle_all, raws, scope)
    sums = {month: raws[month].sums for month in months}
    return Figures(tuple(settled), sums)


def _settle_all(raws: dict[str, Raw], scope: Scope) -> list[Month]:
    settled = []
    for month, raw in raws.items():
        territories = sorted(scope.territories) if scope.territories else sorted(raw.territories)
        settled.append(settle(month, territories, raw.cubes.values()))
    return settled


def _fresh() -> Raw:
    raw = Raw()
    raw.cube("people", ROLES)
    raw.cube("people_language", SUPPORTED_LANGUAGES, shares_totals_with="people")
    raw.cube("attribution", ())
    raw.cube("resources", ())
    raw.cube("myths", (), ANSWERS)
    raw.cube("trainings_started", (), ())
    raw.cube("trainings_passed", (), ())
    for event in EVENTS:
        raw.cube(f"requests_{event}", ())
    return raw


def _month(column: Any, dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _within(column: Any, scope: Scope) -> list[ColumnElement[bool]]:
    return [] if scope.territories is None else [col(column).in_(sorted(scope.territories))]


async def _people(session: AsyncSession, raws: dict[str, Raw], scope: Scope, dialect: str) -> None:
    month = _month(col(Person.consented_at), dialect)
    query = (
        select(  # type: ignore[call-overload]
            month, col(Person.territory), col(Person.role), col(Person.language), func.count()
        )
        .where(month.in_(list(raws)), *_within(Person.territory, scope))
        .group_by(month, col(Person.territory), col(Person.role), col(Person.language))
    )
    for when, territory, role, language, count in (await session.exec(query)).all():
        raws[when].count("people", territory, role, count=int(count))
        raws[when].count("people_language", territory, language, count=int(count))


async def _keyed_counts(session: AsyncSession, raws: dict[str, Raw], scope: Scope) -> None:
    """The counters kept per item, territory and month."""
    months = list(raws)
    joined = select(Attribution).where(
        col(Attribution.month).in_(months), *_within(Attribution.territory, scope)
    )
    for row in (await session.exec(joined)).all():
        raws[row.month].count("attribution", row.territory, row.source, count=row.joined)
    opened = select(ResourceCount).where(
        col(ResourceCount.month).in_(months), *_within(ResourceCount.territory, scope)
    )
    for resource in (await session.exec(opened)).all():
        raws[resource.month].count("resources", resource.territory, resource.resource, count=resource.opened)
    answers = select(MythCount).where(col(MythCount.month).in_(months), *_within(MythCount.territory, scope))
    for myth in (await session.exec(answers)).all():
        raws[myth.month].count("myths", myth.territory, myth.myth, "correct", count=myth.correct)
        raws[myth.month].count("myths", myth.territory, myth.myth, "mistaken", count=myth.mistaken)
    requests = select(RequestCount).where(
        col(RequestCount.month).in_(months), *_within(RequestCount.territory, scope)
    )
    for request in (await session.exec(requests)).all():
        raw = raws[request.month]
        for event in EVENTS:
            raw.count(f"requests_{event}", request.territory, request.topic, count=getattr(request, event))
        raw.add_sum("answer_seconds", request.territory, request.topic, value=request.answer_seconds)


async def _trainings(session: AsyncSession, raws: dict[str, Raw], scope: Scope, dialect: str) -> None:
    """Modules started in the month, and passed in the month with the best scores of those who passed."""
    profession = func.coalesce(col(Professional.kind), UNSPECIFIED)
    for name, moment in (
        ("trainings_started", Progress.started_at),
        ("trainings_passed", Progress.passed_at),
    ):
        month = _month(col(moment), dialect)
        query = (
            select(  # type: ignore[call-overload]
                month,
                col(Person.territory),
                col(Progress.module),
                profession,
                func.count(),
                func.sum(col(Progress.best_score)),
            )
            .join(Person, col(Person.id) == col(Progress.person_id))
            .outerjoin(Professional, col(Professional.person_id) == col(Progress.person_id))
            .where(month.in_(list(raws)), *_within(Person.territory, scope))
            .group_by(month, col(Person.territory), col(Progress.module), profession)
        )
        for when, territory, module, kind, count, scores in (await session.exec(query)).all():
            raws[when].count(name, territory, module, kind, count=int(count))
            if name == "trainings_passed":
                raws[when].add_sum("passed_scores", territory, module, kind, value=float(scores or 0))


def by_month(figures: Figures) -> dict[str, Month]:
    return {month.month: month for month in figures.months}
