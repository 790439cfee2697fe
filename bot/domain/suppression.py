"""Small counts are never shown, nor any figure that would give one back by subtraction.

Primary suppression: a count from 1 to 4 is hidden (0 counts nobody, so it is shown). Complementary
suppression: figures are linked by sums (a total and its parts, along every dimension of a table), and a
sum with exactly one hidden member gives it back ("total minus the visible parts"), so a second member is
hidden: the smallest visible part that counts someone, else the total. Then, since hidden cells can still
be pinned down by combining several sums (a hidden cell that links two otherwise separate groups of hidden
cells), the hidden cells are solved for as a system of linear equations, and any cell it determines gets
one more neighbour hidden. The whole repeats until nothing changes. Averages and shares are hidden
whenever the count they rest on is.

Cells are any hashable ids, so that tables sharing a total (people by role and by language, both summing to
the people who joined) are suppressed together and agree. Nothing is ever summed across months, so asking
for overlapping periods gives nothing away either (see docs/INDICATORS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

SMALL_COUNT = 5  # the smallest count shown: below it, someone could be singled out

Cell = Hashable


@dataclass(frozen=True)
class Line:
    """One sum linking cells: `total` equals the sum of `parts`."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def members(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def suppress(
    values: Mapping[Cell, int], lines: Iterable[Line], *, hidden: Iterable[Cell] = ()
) -> frozenset[Cell]:
    """The cells to hide among `values` (a cell missing from `values` is 0), given the sums linking them.

    `hidden`: cells hidden whatever their value (already hidden elsewhere)."""
    # The smallest sums first: they are the innermost, and a complement chosen there often completes the
    # outer sums too, where choosing in an outer sum first tends to spread hidden cells.
    lines = sorted((line for line in lines if line.parts), key=lambda line: values.get(line.total, 0))
    secret = {cell for cell, value in values.items() if 0 < value < SMALL_COUNT}
    secret.update(hidden)
    while True:
        _complete_lines(values, lines, secret)
        determined = _determined(lines, secret)
        before = len(secret)
        for cell in determined:
            _hide_neighbour(values, lines, secret, cell)
        if len(secret) == before:
            # Nothing determined, or only by sums of hidden cells alone (then it is 0, which is shown).
            return frozenset(secret)


def _complete_lines(values: Mapping[Cell, int], lines: list[Line], secret: set[Cell]) -> None:
    """Until no sum has exactly one hidden member: hide a second one in each that has.

    A cell just hidden has its own sums looked at next, before any other: the complements then follow one
    chain through the table, where looking at the sums in a fixed order would start several."""
    containing: dict[Cell, list[Line]] = {}
    for line in lines:
        for member in line.members:
            containing.setdefault(member, []).append(line)
    pending = list(reversed(lines))  # a stack: the first line is looked at first
    while pending:
        line = pending.pop()
        hidden = [cell for cell in line.members if cell in secret]
        if len(hidden) == 1:
            chosen = _complement(values, line, secret)
            secret.add(chosen)
            pending.append(line)  # looked at again once the chosen cell's own sums are complete
            pending.extend(reversed(containing[chosen]))


def _complement(values: Mapping[Cell, int], line: Line, secret: set[Cell]) -> Cell:
    """The member to hide next: the smallest visible part that counts someone (hiding a small part loses
    less than hiding a total), else the total, else a part that is 0 (a hidden 0 protects little: a reader
    may well guess it is 0)."""
    visible = [cell for cell in line.parts if cell not in secret]
    counting = [cell for cell in visible if values.get(cell, 0)]
    if counting:
        return min(counting, key=lambda cell: values.get(cell, 0))
    if line.total not in secret or not visible:
        return line.total
    return visible[0]


def _hide_neighbour(values: Mapping[Cell, int], lines: list[Line], secret: set[Cell], cell: Cell) -> None:
    """Hide one more visible member of a sum that `cell` is in, so that it is no longer pinned down."""
    for line in lines:
        if cell in line.members and any(member not in secret for member in line.members):
            secret.add(_complement(values, line, secret))
            return


def _determined(lines: list[Line], secret: set[Cell]) -> list[Cell]:
    """The hidden cells that the visible ones determine exactly, through any combination of sums.

    Each sum touching a hidden cell is an equation in the hidden cells (the visible ones are known). A
    hidden cell is determined when its unit vector is in the span of those equations, that is when a row
    of their reduced row echelon form is that unit vector. The arithmetic is modulo a 61-bit prime, exact
    for these small integer equations but for odds of about one in 10^18, and far quicker than fractions.
    """
    order: dict[Cell, int] = {}
    rows: list[dict[int, int]] = []
    for line in lines:
        row: dict[int, int] = {}
        for member, sign in ((line.total, -1), *((part, 1) for part in line.parts)):
            if member in secret:
                index = order.setdefault(member, len(order))
                row[index] = row.get(index, 0) + sign
        row = {index: value % PRIME for index, value in row.items() if value % PRIME}
        if row:
            rows.append(row)
    cells = list(order)
    return [cells[index] for index in _unit_rows(rows)]


PRIME = 2**61 - 1


def _unit_rows(rows: list[dict[int, int]]) -> list[int]:
    """Gauss-Jordan elimination on sparse rows; the variables whose reduced row is a unit vector."""
    pivots: dict[int, dict[int, int]] = {}  # pivot variable -> its reduced row, 1 at the pivot
    for original in rows:
        row = dict(original)
        for pivot, reduced in pivots.items():
            factor = row.get(pivot)
            if factor:
                row = _minus(row, factor, reduced)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {index: value * inverse % PRIME for index, value in row.items()}
        for other, reduced in pivots.items():
            factor = reduced.get(pivot)
            if factor:
                pivots[other] = _minus(reduced, factor, row)
        pivots[pivot] = row
    return sorted(pivot for pivot, row in pivots.items() if len(row) == 1)


def _minus(row: dict[int, int], factor: int, other: dict[int, int]) -> dict[int, int]:
    """row - factor * other, modulo PRIME, without its zeros."""
    result = dict(row)
    for index, value in other.items():
        result[index] = (result.get(index, 0) - factor * value) % PRIME
    return {index: value for index, value in result.items() if value}


def cube_lines(
    axes: list[tuple[str, ...]], total: str, *, cell: Callable[[tuple[str, ...]], Cell] | None = None
) -> list[Line]:
    """The sums of a cube of counts: along each axis, each member's cells add up to the `total` member's.

    `axes`: each axis's members, its total member included (say ("parent", "professional", "total")).
    Cells are the tuples of one member per axis; `cell`, when given, maps such a tuple to the cell id used
    (so that two cubes can share their totals)."""
    name: Callable[[tuple[str, ...]], Cell] = cell or (lambda key: key)
    lines: list[Line] = []
    for position, axis in enumerate(axes):
        parts = [member for member in axis if member != total]
        others = axes[:position] + axes[position + 1 :]
        for rest in _product(others):

            def at(member: str, rest: tuple[str, ...] = rest, position: int = position) -> Cell:
                return name((*rest[:position], member, *rest[position:]))

            lines.append(Line(at(total), tuple(at(member) for member in parts)))
    return lines


def _product(axes: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    combinations: list[tuple[str, ...]] = [()]
    for axis in axes:
        combinations = [(*combination, member) for combination in combinations for member in axis]
    return combinations
