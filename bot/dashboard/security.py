"""Who is asking, and the headers every dashboard response carries.

A request is a coordinator's when its cookie names an unexpired session AND the session's person is a
coordinator now: the role and its territories are read from the database on every request, so a /revoke or
a change of territories counts at the next click. Forms that change something carry a CSRF token derived
from the session's token (bot/domain/dashboard_access.py); the cookie is also SameSite=Strict.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from bot.dashboard.context import dashboard, environment_key
from bot.domain import coordinators, dashboard_access
from bot.domain.scope import Scope
from bot.i18n import Translator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# No script, no frame, nothing from elsewhere; the charts are inline SVG (markup, not images).
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin: no other site learns an address (a login link's token), and our own POSTs carry their
    # real Origin, which `form_with_csrf` checks (under no-referrer, browsers send "Origin: null").
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSRF_FIELD = "csrf"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # redirects and aiohttp's own 404s and 405s get them too
        _secure(error, request)
        raise
    _secure(response, request)
    return response


def _secure(response: web.StreamResponse, request: web.Request) -> None:
    response.headers.update(HEADERS)
    # Pages hold figures: no copy may stay in a shared cache or the browser's history. The CSS may be cached.
    if not request.path.startswith("/dashboard/static/"):
        response.headers["Cache-Control"] = "no-store"
    if dashboard(request).secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"


def cookie_name(request: web.Request) -> str:
    # __Host-: the browser keeps it only when Secure, for this host and path /, so no subdomain can set it.
    return "__Host-reperes_dashboard" if dashboard(request).secure else "reperes_dashboard"


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    response.set_cookie(
        cookie_name(request),
        token,
        max_age=int(dashboard_access.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=dashboard(request).secure,
        samesite="Strict",
    )


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(
        cookie_name(request), path="/", secure=dashboard(request).secure, httponly=True, samesite="Strict"
    )


@dataclass(frozen=True)
class Viewer:
    user_id: int
    scope: Scope
    language: str
    token: str  # the session's, from the cookie
    csrf: str


async def viewer(request: web.Request) -> Viewer | None:
    """The logged-in coordinator, or None (no cookie, a forged or expired one, a coordinator no more)."""
    token = request.cookies.get(cookie_name(request), "")
    if not token:
        return None
    board = dashboard(request)
    found = board.found
    async with found.database.session() as session:
        login = await dashboard_access.find_session(
            session, token=token, secret=board.secret, now=found.clock()
        )
        if login is None:
            return None
        scope = await coordinators.scope_of(
            session, user_id=login.user_id, configured=found.settings.coordinators
        )
        if scope is None:  # revoked since: the session ends here
            await dashboard_access.close_session(session, token=token, secret=board.secret)
            return None
    language = login.language if login.language in found.catalogs.languages else found.catalogs.languages[0]
    return Viewer(login.user_id, scope, language, token, dashboard_access.csrf_token(board.secret, token))


async def form_with_csrf(request: web.Request, expected: str) -> Mapping[str, Any] | None:
    """The posted form, or None when its CSRF token is missing or wrong, or when the browser says it comes
    from another site. The token alone cannot tell: the login form's is derived from the link, so another
    coordinator could read it from their own link's page and have a browser post it, logging its user in
    as them (login CSRF). Browsers send Origin with every POST; a client that sends none is not a browser
    another site can drive."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return None
    form = await request.post()
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        return None
    return form


async def posted(request: web.Request) -> tuple[Viewer, Mapping[str, Any]] | web.Response:
    """A logged-in coordinator's form, checked (`form_with_csrf`); otherwise the refusal to answer with."""
    who = await viewer(request)
    if who is None:
        return refused(request, status=401, reason="login")
    form = await form_with_csrf(request, who.csrf)
    if form is None:
        return refused(request, status=403, reason="csrf", language=who.language)
    return who, form


def translator(request: web.Request, language: str | None = None) -> Translator:
    found = dashboard(request).found
    return found.catalogs.get(language or found.settings.default_language)


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    status: int = 200,
) -> web.Response:
    t = translator(request, language)
    full = {"lang": t.language, "dir": "rtl" if t.rtl else "ltr", "t": t, **context}
    return aiohttp_jinja2.render_template(
        template, request, full, app_key=environment_key(t.language), status=status
    )


def refused(request: web.Request, *, status: int, reason: str, language: str | None = None) -> web.Response:
    """The page for anyone who may not see the dashboard: how to log in, and nothing else."""
    return render(request, "refused.html", {"reason": reason}, language=language, status=status)
