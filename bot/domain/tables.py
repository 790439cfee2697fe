"""The shape every figure takes on its way to the dashboard and the evaluation export.

A `Table` is one indicator broken down two ways (months by role, cards by answer...). Its cells are counts
or averages already made safe to show: a cell is None when it is hidden, because it is below the smallest
count shown or because it would give a hidden one back by subtraction (bot/domain/suppression.py). The
domain computes tables; the dashboard and the exports only lay them out and label their keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

TOTAL = "total"  # the key of a total row or column, suppressed like any other cell


class NoData(Enum):
    """An average or a share over nothing (no answers, no module passed): neither 0, which an evaluator
    would read as a result, nor hidden, which would suggest a small count behind it."""

    NO_DATA = "no_data"


NO_DATA = NoData.NO_DATA
Value = int | float | None | NoData  # None: hidden


@dataclass(frozen=True)
class Table:
    key: str  # the indicator, e.g. "people_by_role": the dashboard's label and the export's column
    row_dimension: str  # what the rows are, e.g. "month", "module", "myth", "source", "run"
    column_dimension: str  # what the columns are, e.g. "role", "language", "answer"
    rows: tuple[str, ...]  # row keys in the order shown ("2026-11", a module id, TOTAL...)
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Value] = field(default_factory=dict)  # (row, column); absent: 0

    def value(self, row: str, column: str) -> Value:
        return self.cells.get((row, column), 0)

    @property
    def hidden(self) -> int:
        """How many cells are hidden, for the "n figures hidden" line under a table."""
        return sum(1 for row in self.rows for column in self.columns if self.value(row, column) is None)
