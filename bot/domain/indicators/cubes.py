"""Counts by month, territory and categories, suppressed together, then cut into tables.

A cube holds one count (people who joined, answers to myth cards...) for one month, broken down by
territory and by one or two category axes, each with its total. All the cubes of a month are suppressed at
once (bot/domain/suppression.py), so that every page and every export shows the same cells hidden: a figure
hidden on one page can never be read on another. Months are never summed together, so that no two periods
asked for can be subtracted to give a month's hidden figure back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from bot.domain.suppression import Cell, Line, cube_lines, suppress
from bot.domain.tables import NO_DATA, TOTAL, Table, Value

Key = tuple[str, ...]  # (territory, *categories); any of them TOTAL


@dataclass
class Cube:
    """One count of one month: raw counts per (territory, *categories), none of them TOTAL."""

    name: str
    axes: tuple[tuple[str, ...], ...]  # the members of each category axis, without TOTAL
    counts: dict[Key, int] = field(default_factory=dict)
    # The name of a cube whose grand totals per territory this one shares (people by language and by role
    # both add up to the people who joined): the shared cells are one, so they are hidden alike.
    shares_totals_with: str | None = None

    def add(self, key: Key, count: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + count

    def cell(self, month: str, key: Key) -> Cell:
        if self.shares_totals_with and all(member == TOTAL for member in key[1:]):
            return (self.shares_totals_with, month, *key)
        return (self.name, month, *key)


@dataclass
class Month:
    """Every cube of one month within a scope, and which of their cells are hidden."""

    month: str
    territories: tuple[str, ...]
    cubes: dict[str, Cube]
    values: dict[Cell, int] = field(default_factory=dict)
    hidden: frozenset[Cell] = frozenset()

    def count(self, cube: str, *key: str) -> Value:
        found = self.cubes.get(cube)
        if found is None:
            return 0
        cell = found.cell(self.month, key)
        return None if cell in self.hidden else self.values.get(cell, 0)

    def raw(self, cube: str, *key: str) -> int:
        found = self.cubes.get(cube)
        return self.values.get(found.cell(self.month, key), 0) if found else 0


def settle(month: str, territories: Iterable[str], cubes: Iterable[Cube]) -> Month:
    """Fill in every total and suppress the month's cubes, those sharing totals together."""
    chosen = tuple(territories)
    found = Month(month, chosen, {cube.name: cube for cube in cubes})
    groups: dict[str, list[Cube]] = {}
    for cube in found.cubes.values():
        groups.setdefault(cube.shares_totals_with or cube.name, []).append(cube)
    hidden: set[Cell] = set()
    for group in groups.values():
        # Cubes sharing no cell are independent: suppressed apart, each system of sums stays small.
        values: dict[Cell, int] = {}
        lines: list[Line] = []
        for cube in group:
            axes = [(*chosen, TOTAL), *((*axis, TOTAL) for axis in cube.axes)]
            for key, count in cube.counts.items():
                for rolled in _rollups(key):
                    if cube.shares_totals_with and all(member == TOTAL for member in rolled[1:]):
                        continue  # the other cube counts the totals they share
                    cell = cube.cell(month, rolled)
                    values[cell] = values.get(cell, 0) + count
            lines += cube_lines(axes, TOTAL, cell=partial(cube.cell, month))
        found.values.update(values)
        hidden |= suppress(values, lines)
    found.hidden = frozenset(hidden)
    return found


def _rollups(key: Key) -> list[Key]:
    """The key and every total it adds to (each member replaced, or not, by TOTAL)."""
    keys: list[Key] = [()]
    for member in key:
        keys = [(*prefix, choice) for prefix in keys for choice in dict.fromkeys((member, TOTAL))]
    return keys


def average(total: float, count: Value) -> Value:
    """An average over `count` people, hidden with its count (a count shown and its average would give the
    hidden parts' sum back otherwise)."""
    if count is None or count is NO_DATA:
        return count
    return round(total / count, 1) if count else NO_DATA


def share(part: Value, whole: Value) -> Value:
    """A percentage, hidden when either count is."""
    if part is None or whole is None or part is NO_DATA or whole is NO_DATA:
        return None if part is None or whole is None else NO_DATA
    return round(100 * part / whole, 1) if whole else NO_DATA


def table(
    key: str,
    row_dimension: str,
    column_dimension: str,
    rows: Iterable[str],
    columns: Iterable[str],
    value: Callable[[str, str], Value],
) -> Table:
    rows, columns = tuple(rows), tuple(columns)
    cells: Mapping[tuple[str, str], Value] = {(r, c): value(r, c) for r in rows for c in columns}
    return Table(key, row_dimension, column_dimension, rows, columns, cells)
