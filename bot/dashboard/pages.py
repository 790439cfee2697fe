"""The dashboard's pages (one per group of indicators) and the export of the chosen months.

Each page asks the domain for its tables (bot/domain/indicators), already scoped to what the coordinator
coordinates and already made safe to show; here they are only labelled, charted and laid out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.content.pack import ContentPack
from bot.dashboard import months
from bot.dashboard.charts import bar_chart
from bot.dashboard.context import dashboard
from bot.dashboard.security import Viewer, refused, render, translator, viewer
from bot.domain import indicators
from bot.domain.indicators import export, labels
from bot.domain.indicators.labels import HIDDEN, value_text
from bot.domain.tables import Table, Value
from bot.i18n import Translator

routes = web.RouteTableDef()


def page_titles(t: Translator, content: ContentPack) -> dict[str, str]:
    """The pages' names in the menu and their headings, in the order of the menu (the indicators' own
    words, so that the dashboard and the export name a page alike)."""
    return {page: labels.label(t, content, page) for page in indicators.PAGES}


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    if await viewer(request) is None:
        return refused(request, status=401, reason="login")
    raise web.HTTPSeeOther("/dashboard/overview")


@routes.get("/export")
async def download(request: web.Request) -> web.StreamResponse:
    who = await viewer(request)
    if who is None:
        return refused(request, status=401, reason="login")
    fmt = request.query.get("format", "")
    if fmt not in export.FORMATS:
        raise web.HTTPBadRequest(text="format: csv or ods")
    found = dashboard(request).found
    first, last = months.month_range(request.query, found.clock(), found.settings.timezone)
    t = translator(request, who.language)
    async with found.database.session() as session:
        body = await export.build_export(
            session, found.content, t, who.scope, months.text(first), months.text(last), fmt
        )
    name = f"reperes-{months.text(first)}-{months.text(last)}.{fmt}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": export.MEDIA_TYPES[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@routes.get("/{page}")
async def page(request: web.Request) -> web.StreamResponse:
    who = await viewer(request)
    if who is None:
        return refused(request, status=401, reason="login")
    name = request.match_info["page"]
    if name not in indicators.PAGES:
        raise web.HTTPNotFound()
    found = dashboard(request).found
    first, last = months.month_range(request.query, found.clock(), found.settings.timezone)
    async with found.database.session() as session:
        tables = await indicators.page_tables(session, name, who.scope, months.text(first), months.text(last))
    t = translator(request, who.language)
    return render(
        request, "page.html", _context(request, who, t, name, tables, first, last), language=t.language
    )


def _context(
    request: web.Request, who: Viewer, t: Translator, name: str, tables: list[Table], first: date, last: date
) -> dict[str, Any]:
    found = dashboard(request).found

    def label(key: str) -> str:
        return labels.label(t, found.content, key)

    hidden_word = t.gettext(HIDDEN)
    shown = []
    for index, table in enumerate(tables):
        title = label(table.key)
        shown.append(
            {
                "table": table,
                "title": title,
                "id": f"table-{index}",
                "chart": bar_chart(table, f"chart-{index}", title, t, label, hidden_word),
                "rows": [
                    (
                        row,
                        label(row),
                        [_cell(t, table.value(row, column)) for column in table.columns],
                    )
                    for row in table.rows
                ],
                "columns": [label(column) for column in table.columns],
                "corner": label(table.row_dimension),
            }
        )
    scope = who.scope
    territories = (
        None if scope.territories is None else sorted(label(territory) for territory in scope.territories)
    )
    return {
        "page": name,
        "pages": page_titles(t, found.content),
        "tables": shown,
        "first": months.text(first),
        "last": months.text(last),
        "territories": territories,
        "csrf": who.csrf,
        "back": request.path_qs,
        "languages": [(code, found.catalogs.native_name(code)) for code in found.catalogs.languages],
        "hidden_word": hidden_word,
    }


def _cell(t: Translator, value: Value) -> tuple[str, bool]:
    """A cell as shown, and whether it is hidden."""
    return value_text(t, value), value is None
