"""The dashboard's SVG charts: a hidden cell is never drawn as a bar, and many columns turn the chart."""

from __future__ import annotations

import re

from bot.dashboard.charts import bar_chart
from bot.domain.tables import TOTAL, Table
from bot.i18n import Catalogs

T = Catalogs().get("fr")


def chart(table: Table) -> str:
    return str(bar_chart(table, "c", "Titre <b>", T, lambda key: f"«{key}»", "masqué"))


def test_a_hidden_cell_is_an_outline_with_the_word_never_a_bar() -> None:
    cells = {("2026-10", "parent"): 12, ("2026-10", "resident"): None, ("2026-11", "parent"): 7}
    table = Table("k", "month", "role", ("2026-10", "2026-11", TOTAL), ("parent", "resident"), cells)
    svg = chart(table)
    assert svg.count('stroke-dasharray="3 2"') == 1 and svg.count(">masqué<") == 1
    bars = re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="14" fill="#', svg)
    assert len(bars) == 3  # 12, 7 and a zero: the hidden cell has none
    assert "«total»" not in svg  # totals stay in the table
    assert "Titre &lt;b&gt;" in svg  # labels are escaped
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg


def test_more_columns_than_rows_turn_the_chart() -> None:
    months = tuple(f"2026-{month:02d}" for month in range(1, 13))
    table = Table("k", "myth", "month", ("easy_money",), months, {("easy_money", m): 5 for m in months})
    svg = chart(table)
    assert 'class="legend"' not in svg  # one series: no legend of twelve colours
    assert svg.count('class="row"') == 12
