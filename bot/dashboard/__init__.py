"""The coordinators' web dashboard: the indicators as tables and charts, and the evaluation export.

Served under /dashboard/ by the bot's own aiohttp application (a sub-application, so that its middleware,
templates and headers touch nothing else), in `serve` and in `demo`. Nothing is loaded from elsewhere: the
CSS is ours, charts are SVG drawn here, there is no script at all. Login is by a single-use link the bot
sends (/dashboard), see bot/dashboard/auth.py; every page asks the database who the coordinator is and what
they coordinate, see bot/dashboard/security.py.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.dashboard import auth, consultations, pages
from bot.dashboard.context import DASHBOARD, Dashboard, environment_key
from bot.dashboard.security import security_headers
from bot.services import Services

PREFIX = "/dashboard"
HERE = Path(__file__).resolve().parent


def add_dashboard(app: web.Application, found: Services, *, base_url: str, secret: str) -> None:
    """Mount the dashboard on `app` (the webhook's application, or the demo's own)."""
    sub = web.Application(middlewares=[security_headers])
    sub[DASHBOARD] = Dashboard(found=found, secret=secret, secure=base_url.startswith("https://"))
    # One environment per language, each with its catalog installed: a page is rendered in its reader's.
    for language in found.catalogs.languages:
        env = aiohttp_jinja2.setup(
            sub,
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            app_key=environment_key(language),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            default_helpers=False,
        )
        env.install_gettext_translations(found.catalogs.get(language).translations, newstyle=True)  # type: ignore[attr-defined]
    sub.router.add_static("/static", HERE / "static", append_version=False)
    sub.add_routes(auth.routes)
    sub.add_routes(consultations.routes)  # before the pages': "/consultations/new" is no page
    sub.add_routes(pages.routes)
    # The address as people type it, without the final slash: before the sub-application, which would
    # take it and answer 404.
    app.router.add_get(PREFIX, _to_home)
    app.add_subapp(PREFIX, sub)


async def _to_home(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(PREFIX + "/")
