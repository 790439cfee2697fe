"""Bar charts drawn here as SVG, from the same `Table` the page shows beside them.

Drawn on the server so that the page loads nothing and runs no script. One group of bars per row, one bar
per column, or the other way round when there are more columns than rows (twelve months of one myth card
are twelve groups of one bar, not one group of twelve colours). Totals are left to the table: they would
flatten the rest. A hidden cell is drawn as a dashed
outline with the word the table uses, never as a bar of some length. The chart is an image to assistive
technologies, with a title and a description that send the reader to the table, which holds every figure.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup

from bot.core.views import N_
from bot.domain.indicators.labels import NO_DATA_WORD
from bot.domain.tables import NO_DATA, TOTAL, Table, Value
from bot.i18n import Translator

# Bar colours with a contrast of at least 3:1 on white (WCAG 1.4.11, RGAA 3.3), told apart by the legend.
PALETTE = ("#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#7a5f00", "#c2185b", "#00695c", "#5d4037")
WIDTH, LABELS, VALUE_ROOM = 720, 250, 70
BAR, BAR_GAP, GROUP_GAP, LEGEND_ROW = 14, 3, 12, 20
DESCRIPTION = N_("Graphique en barres ; ses chiffres sont dans le tableau qui suit.")
MOST_ROWS = 60  # a longer table is still shown in full, its chart only for its first rows


def bar_chart(
    table: Table, chart_id: str, title: str, t: Translator, label: Callable[[str], str], hidden_word: str
) -> Markup:
    rows = [row for row in table.rows if row != TOTAL] or [row for row in table.rows if row == TOTAL]
    series = [column for column in table.columns if column != TOTAL] or [
        column for column in table.columns if column == TOTAL
    ]

    def value(row: str, column: str) -> Value:
        return table.value(row, column)

    if len(series) > len(rows):
        rows, series = series, rows

        def value(row: str, column: str) -> Value:
            return table.value(column, row)

    rows = rows[:MOST_ROWS]
    values = [value(row, column) for row in rows for column in series]
    top = max((float(value) for value in values if isinstance(value, int | float)), default=0.0) or 1.0
    legend_height = LEGEND_ROW * ((len(series) + 2) // 3) if len(series) > 1 else 0
    group = len(series) * (BAR + BAR_GAP) + GROUP_GAP
    height = legend_height + max(1, len(rows)) * group + 8
    room = WIDTH - LABELS - VALUE_ROOM
    anchor = "end"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" direction="ltr">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(t.gettext(DESCRIPTION))}</desc>',
    ]
    if len(series) > 1:
        for index, column in enumerate(series):
            x, y = (index % 3) * (WIDTH // 3), (index // 3) * LEGEND_ROW
            parts.append(
                f'<rect x="{x}" y="{y + 3}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
                f'<text x="{x + 18}" y="{y + 14}" class="legend">{escape(label(column))}</text>'
            )
    y = legend_height
    for row in rows:
        middle = y + len(series) * (BAR + BAR_GAP) / 2
        parts.append(
            f'<text x="{LABELS - 8}" y="{middle + 4:.0f}" text-anchor="{anchor}" class="row">'
            f"{escape(_short(label(row)))}</text>"
        )
        for index, column in enumerate(series):
            shown = value(row, column)
            colour = PALETTE[index % len(PALETTE)]
            if shown is NO_DATA:  # nothing to draw: an average or a share over nothing
                word = escape(t.gettext(NO_DATA_WORD))
                parts.append(f'<text x="{LABELS + 6}" y="{y + BAR - 3}" class="value">{word}</text>')
            elif shown is None:
                parts.append(
                    f'<rect x="{LABELS}" y="{y}" width="40" height="{BAR}" fill="none" stroke="#595959" '
                    f'stroke-dasharray="3 2"/><text x="{LABELS + 46}" y="{y + BAR - 3}" class="value">'
                    f"{escape(hidden_word)}</text>"
                )
            else:
                length = max(0.0, float(shown) / top * room)
                parts.append(
                    f'<rect x="{LABELS}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>'
                    f'<text x="{LABELS + length + 6:.1f}" y="{y + BAR - 3}" class="value">'
                    f"{escape(t.number(shown))}</text>"
                )
            y += BAR + BAR_GAP
        y += GROUP_GAP
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, most: int = 30) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
