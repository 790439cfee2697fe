"""Logging in with the bot's single-use link, switching language, logging out.

GET on the link only shows a "Log in" button: Telegram, a mail scanner or a browser's prefetch may fetch a
link, and must not use it up. The button POSTs, which consumes the link (once, across instances) and opens
a session. Its form carries a CSRF token derived from the link's own token, so another site cannot post it.
"""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.context import dashboard
from bot.dashboard.security import (
    clear_session_cookie,
    form_with_csrf,
    posted,
    refused,
    render,
    set_session_cookie,
)
from bot.domain import coordinators, dashboard_access

routes = web.RouteTableDef()
HOME = "/dashboard/overview"


@routes.get("/login/{token}")
async def login_page(request: web.Request) -> web.Response:
    board = dashboard(request)
    token = request.match_info["token"]
    async with board.found.database.session() as session:
        usable = await dashboard_access.open_link(
            session, token=token, secret=board.secret, now=board.found.clock()
        )
    if usable is None:
        return refused(request, status=403, reason="link")
    csrf = dashboard_access.csrf_token(board.secret, token)
    return render(request, "login.html", {"csrf": csrf, "action": request.path}, language=usable.language)


@routes.post("/login/{token}")
async def log_in(request: web.Request) -> web.Response:
    board = dashboard(request)
    found = board.found
    token = request.match_info["token"]
    if await form_with_csrf(request, dashboard_access.csrf_token(board.secret, token)) is None:
        return refused(request, status=403, reason="csrf")
    async with found.database.session() as session:
        now = found.clock()
        login = await dashboard_access.consume_link(session, token=token, secret=board.secret, now=now)
        if login is None:
            return refused(request, status=403, reason="link")
        # The link was sent to a coordinator; one revoked in the minutes since gets no session.
        if (
            await coordinators.scope_of(
                session, user_id=login.user_id, configured=found.settings.coordinators
            )
            is None
        ):
            return refused(request, status=403, reason="login")
        session_token = await dashboard_access.open_session(
            session, login=login, secret=board.secret, now=now
        )
    response = web.HTTPSeeOther(HOME)
    set_session_cookie(response, request, session_token)
    raise response


@routes.post("/logout")
async def log_out(request: web.Request) -> web.Response:
    board = dashboard(request)
    checked = await posted(request)
    if isinstance(checked, web.Response):
        return checked
    who, _ = checked
    async with board.found.database.session() as session:
        await dashboard_access.close_session(session, token=who.token, secret=board.secret)
    response = render(request, "refused.html", {"reason": "logged_out"}, language=who.language)
    clear_session_cookie(response, request)
    return response


@routes.post("/language")
async def switch_language(request: web.Request) -> web.Response:
    board = dashboard(request)
    checked = await posted(request)
    if isinstance(checked, web.Response):
        return checked
    who, form = checked
    language = form.get("language")
    if isinstance(language, str) and language in board.found.catalogs.languages:
        async with board.found.database.session() as session:
            await dashboard_access.set_language(
                session, token=who.token, secret=board.secret, language=language
            )
    # Back to the page it was switched on: only one of ours, never a URL from the form.
    back = form.get("back")
    raise web.HTTPSeeOther(back if isinstance(back, str) and _ours(back) else HOME)


def _ours(path: str) -> bool:
    # Printable only: a control character (CR, NUL) is either refused by aiohttp (an error) or dropped by
    # yarl (another address than the one checked here).
    return path.startswith("/dashboard/") and "\\" not in path and path.isprintable()
