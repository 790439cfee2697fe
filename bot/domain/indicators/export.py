"""The evaluation export: every indicator per territory and month, as CSV or ODS.

One row per territory and month (then the scope's total per month), one column per indicator, headed with
its label in the reader's language. A hidden figure (small, or giving a small one back) is written as the
word for "hidden", never as a number or left blank, so that nobody reads it as 0. CSV is UTF-8 with a byte
order mark, which spreadsheet applications need to read accents and Arabic right.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Literal

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table as OdsTable
from odf.table import TableCell, TableRow
from odf.text import P
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.pack import ContentPack
from bot.domain.indicators import export_tables
from bot.domain.indicators.consultations import consultation_tables
from bot.domain.indicators.labels import HIDDEN, N_, NO_DATA_WORD, label
from bot.domain.scope import Scope
from bot.domain.tables import NO_DATA, Table, Value
from bot.i18n import Translator

Format = Literal["csv", "ods"]
FORMATS: tuple[Format, ...] = ("csv", "ods")
SHEET = N_("Indicateurs")
BOM = "\ufeff"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ods": "application/vnd.oasis.opendocument.spreadsheet"}

Cell = str | int | float


def filename(first: str, last: str, fmt: Format) -> str:
    """The file an export is saved as: "indicateurs-2026-01-2026-12.ods"."""
    return f"indicateurs-{first}-{last}.{fmt}"


async def build_export(
    session: AsyncSession,
    content: ContentPack,
    t: Translator,
    scope: Scope,
    first: str,
    last: str,
    fmt: Format,
) -> bytes:
    """The export's bytes; PeriodError for a wrong period."""
    tables = await export_tables(session, scope, first, last)
    rows = grid(tables, content, t)
    # Consultations are one row each (the month they closed), not months by territory: after the grid.
    rows += appendix(await consultation_tables(session, scope, first, last), content, t)
    writer = to_csv if fmt == "csv" else to_ods
    # Writing a year of a few territories is quick, but a zip is CPU work: off the event loop.
    return await asyncio.to_thread(writer, rows, t.gettext(SHEET))


def grid(tables: list[Table], content: ContentPack, t: Translator) -> list[list[Cell]]:
    """The header row, then one row per territory and month, the scope's total last."""
    if not tables:
        return []
    hidden = t.gettext(HIDDEN)
    no_data = t.gettext(NO_DATA_WORD)
    header: list[Cell] = [label(t, content, "territory"), label(t, content, "month")]
    header += [label(t, content, table.key) for table in tables]
    rows = [header]
    first = tables[0]
    for territory in first.columns:
        for month in first.rows:
            row: list[Cell] = [label(t, content, territory), month]
            row += [_shown(table.value(month, territory), hidden, no_data) for table in tables]
            rows.append(row)
    return rows


def appendix(tables: list[Table], content: ContentPack, t: Translator) -> list[list[Cell]]:
    """Tables of their own shape, each under a blank row and its title: a header, then a row per row key."""
    hidden, no_data = t.gettext(HIDDEN), t.gettext(NO_DATA_WORD)
    rows: list[list[Cell]] = []
    for table in tables:
        if not table.rows:
            continue
        rows += [[], [label(t, content, table.key)]]
        header: list[Cell] = [
            label(t, content, table.row_dimension),
            *(label(t, content, c) for c in table.columns),
        ]
        rows.append(header)
        rows += [
            [key, *(_shown(table.value(key, c), hidden, no_data) for c in table.columns)]
            for key in table.rows
        ]
    return rows


def _shown(value: Value, hidden: str, no_data: str) -> Cell:
    if value is None:
        return hidden
    return no_data if value is NO_DATA else value


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a CSV cell as a formula


def to_csv(rows: list[list[Cell]], sheet: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([[_inert(cell) for cell in row] for row in rows])
    return (BOM + text.getvalue()).encode("utf-8")


def _inert(cell: Cell) -> Cell:
    """A text cell that a spreadsheet would run as a formula (a territory named "=HYPERLINK(...)") is
    written with a leading apostrophe, which spreadsheets show as text. ODS cells are typed: no need."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA) else cell


def to_ods(rows: list[list[Cell]], sheet: str) -> bytes:
    document = OpenDocumentSpreadsheet()
    table = OdsTable(name=sheet)
    for values in rows:
        row = TableRow()
        for value in values:
            if isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    output = io.BytesIO()
    document.write(output)
    return output.getvalue()
