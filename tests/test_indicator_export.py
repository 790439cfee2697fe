"""The evaluation export, read back: CSV parsed, ODS opened with the library that wrote it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from odf.opendocument import load
from odf.table import Table as OdsTable
from odf.table import TableCell, TableRow
from odf.text import P

from bot.db import Database
from bot.domain.indicators.export import build_export
from bot.domain.scope import Scope
from tests import indicator_support as given
from tests.conftest import ContentCache


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet applications need
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_ods(data: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "export.ods"
    path.write_bytes(data)
    document = load(str(path))
    sheet = document.spreadsheet.getElementsByType(OdsTable)[0]
    return [
        ["".join(str(p) for p in cell.getElementsByType(P)) for cell in row.getElementsByType(TableCell)]
        for row in sheet.getElementsByType(TableRow)
    ]


async def test_csv_and_ods_hold_the_same_labelled_rows(
    database: Database, content_cache: ContentCache, content_dir: Path, tmp_path: Path
) -> None:
    loaded = content_cache.get(content_dir)
    territory = next(iter(loaded.content.territories.values()))
    async with database.session() as session:
        await given.people(session, 9, month="2026-02", territory=territory.id)
        await given.people(session, 2, month="2026-02", territory=territory.id, role="resident")
    french = loaded.catalogs.get("fr")
    async with database.session() as session:
        as_csv = await build_export(
            session, loaded.content, french, Scope.whole(), "2026-01", "2026-02", "csv"
        )
        as_ods = await build_export(
            session, loaded.content, french, Scope.whole(), "2026-01", "2026-02", "ods"
        )
    rows = read_csv(as_csv)
    assert rows == read_ods(as_ods, tmp_path)
    header = rows[0]
    assert header[:3] == ["Territoire", "Mois", "Personnes arrivées"]
    by_place = {(row[0], row[1]): dict(zip(header, row, strict=True)) for row in rows[1:]}
    february = by_place[(territory.name("fr"), "2026-02")]
    assert february["Personnes arrivées"] == "11"
    assert february["Personnes arrivées, par profil – Habitants"] == "masqué"
    assert (
        february["Personnes arrivées, par profil – Parents et proches"] == "masqué"
    )  # else 11 - 9 gives the 2 back
    assert by_place[("Total", "2026-01")]["Personnes arrivées"] == "0"


def test_a_csv_cell_that_looks_like_a_formula_is_written_as_text() -> None:
    from bot.domain.indicators.export import to_csv

    data = to_csv([['=HYPERLINK("http://x")', "-2", 3, "Nord"]], "sheet")
    assert read_csv(data) == [['\'=HYPERLINK("http://x")', "'-2", "3", "Nord"]]
