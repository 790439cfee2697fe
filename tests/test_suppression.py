"""Small counts hidden, and never recomputable: not from the visible cells of a hidden cell's row or column,
nor from any combination of the table's sums (checked with linear algebra, independently of the module)."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.indicators.cubes import Cube, settle
from bot.domain.suppression import SMALL_COUNT, Line, cube_lines, suppress
from bot.domain.tables import TOTAL

PRIME = 2**61 - 1


def rank(rows: list[dict[Hashable, int]]) -> int:
    """The rank of sparse integer rows, modulo a large prime."""
    basis: dict[Hashable, dict[Hashable, int]] = {}
    for original in rows:
        row = {key: value % PRIME for key, value in original.items() if value % PRIME}
        while row:
            pivot = next(iter(sorted(row, key=repr)))
            if pivot not in basis:
                inverse = pow(row[pivot], PRIME - 2, PRIME)
                basis[pivot] = {key: value * inverse % PRIME for key, value in row.items()}
                break
            factor = row[pivot]
            for key, value in basis[pivot].items():
                row[key] = (row.get(key, 0) - factor * value) % PRIME
            row = {key: value for key, value in row.items() if value}
    return len(basis)


def recomputable(lines: list[Line], hidden: frozenset[Hashable]) -> list[Hashable]:
    """The hidden cells whose value the visible cells give back through the sums."""
    equations = []
    for line in lines:
        row: dict[Hashable, int] = {}
        for member, sign in ((line.total, -1), *((part, 1) for part in line.parts)):
            if member in hidden:
                row[member] = row.get(member, 0) + sign
        if any(row.values()):
            equations.append(row)
    base = rank(equations)
    return [cell for cell in hidden if rank([*equations, {cell: 1}]) == base]


def grid(
    values: dict[tuple[str, ...], int], axes: list[tuple[str, ...]]
) -> tuple[dict[Hashable, int], list[Line]]:
    """A table of counts with its totals along every axis filled in, and its sums."""
    full: dict[Hashable, int] = {}
    for key, value in values.items():
        for mask in range(2 ** len(key)):
            rolled = tuple(TOTAL if mask >> i & 1 else member for i, member in enumerate(key))
            full[rolled] = full.get(rolled, 0) + value
    return full, cube_lines([(*axis, TOTAL) for axis in axes], TOTAL)


counts = st.one_of(st.integers(0, 4), st.integers(0, 30))


@st.composite
def tables(draw: st.DrawFn, dimensions: int = 2) -> tuple[dict[Hashable, int], list[Line]]:
    axes = [tuple(f"{name}{i}" for i in range(draw(st.integers(1, 5)))) for name in "abc"[:dimensions]]
    keys: list[tuple[str, ...]] = [()]
    for axis in axes:
        keys = [(*key, member) for key in keys for member in axis]
    return grid({key: draw(counts) for key in keys}, axes)


def check(values: dict[Hashable, int], lines: list[Line], hidden: frozenset[Hashable]) -> None:
    assert all(cell in hidden for cell, value in values.items() if 0 < value < SMALL_COUNT)
    for line in lines:
        in_line = [cell for cell in line.members if cell in hidden]
        assert len(in_line) != 1, f"{in_line[0]} = the visible members of {line} subtracted"
    assert recomputable(lines, hidden) == []


@settings(max_examples=300, deadline=None)
@given(tables(2))
def test_no_hidden_cell_of_a_table_can_be_recomputed(table: tuple[dict[Hashable, int], list[Line]]) -> None:
    values, lines = table
    check(values, lines, suppress(values, lines))


@settings(max_examples=100, deadline=None)
@given(tables(3))
def test_no_hidden_cell_of_a_cube_can_be_recomputed(table: tuple[dict[Hashable, int], list[Line]]) -> None:
    values, lines = table
    check(values, lines, suppress(values, lines))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("nsw"), st.sampled_from(("parent", "resident", "other")),
                       st.sampled_from(("fr", "en", "ar")), st.integers(1, 9)), max_size=12)
)  # fmt: skip
def test_two_breakdowns_of_the_same_people_hide_alike(people: list[tuple[str, str, str, int]]) -> None:
    """People by role and by language share their totals: a total hidden in one is hidden in the other,
    and nothing is recomputable across both."""
    roles = Cube("people", (("parent", "resident", "other"),))
    languages = Cube("languages", (("fr", "en", "ar"),), shares_totals_with="people")
    for territory, role, language, count in people:
        roles.add((territory, role), count)
        languages.add((territory, language), count)
    month = settle("2026-01", ("n", "s", "w"), [roles, languages])
    lines: list[Line] = []
    for cube in (roles, languages):
        axes = [("n", "s", "w", TOTAL), (*cube.axes[0], TOTAL)]
        lines += cube_lines(axes, TOTAL, cell=partial(cube.cell, "2026-01"))
    check(month.values, lines, month.hidden)
    for territory in ("n", "s", "w", TOTAL):
        assert (month.count("people", territory, TOTAL) is None) == (
            month.count("languages", territory, TOTAL) is None
        )


def test_a_total_minus_the_visible_parts_gives_nothing_back() -> None:
    values, lines = grid({("a",): 12, ("b",): 3, ("c",): 7, ("d",): 20}, [("a", "b", "c", "d")])
    hidden = suppress(values, lines)
    assert hidden == {("b",), ("c",)}, "3 is small; 7, the smallest other part, goes with it"


def test_a_small_total_hides_all_its_parts() -> None:
    values, lines = grid({("a",): 2, ("b",): 1}, [("a", "b")])
    assert suppress(values, lines) == {("a",), ("b",), (TOTAL,)}


def test_zero_is_shown_but_is_not_chosen_to_hide_a_count() -> None:
    values, lines = grid({("a",): 0, ("b",): 3, ("c",): 9, ("d",): 8}, [("a", "b", "c", "d")])
    assert suppress(values, lines) == {("b",), ("d",)}


def test_hidden_cells_that_the_sums_still_pin_down_get_company() -> None:
    """Each row and column has two hidden cells, yet a cell joining two hidden blocks is determined: the
    second step finds it and hides more."""
    hidden = {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1"), ("r1", "c2"), ("r2", "c2"),
              ("r2", "c3"), ("r3", "c2"), ("r3", "c3")}  # fmt: skip
    values, lines = grid(
        {(f"r{r}", f"c{c}"): 20 + r + c for r in range(4) for c in range(4)}, [("r0", "r1", "r2", "r3"),
                                                                              ("c0", "c1", "c2", "c3")]
    )  # fmt: skip
    assert recomputable(lines, frozenset(hidden)) != [], "the example is one where every line has two"
    found = suppress(values, lines, hidden=hidden)
    check(values, lines, found)
