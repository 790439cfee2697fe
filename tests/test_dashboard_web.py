"""The dashboard at the HTTP level: who gets in (a coordinator, with a fresh single-use link), who does not
(no cookie, a forged one, an expired or reused link, a revoked coordinator, a form without its CSRF token),
and the headers every response carries. The real database and content; no browser (see
tests/test_dashboard_browser.py for that)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from bot.app import build_application
from bot.config import ConfigError
from bot.dashboard import add_dashboard
from bot.dashboard.logs import RedactingAccessLogger
from bot.domain import coordinators
from bot.domain.dashboard_access import purge_logins
from bot.models import DashboardLink, DashboardSession
from bot.runner import SANDBOX_TOKEN, serving_app
from bot.services import Services
from tests.conftest import Clock, ContentCache, make_settings
from tests.dashboard_support import SECRET, csrf_of, dashboard_client, login_link

COORDINATOR, GRANTED = 111, 222
PAGES = ("overview", "families", "trainings", "requests", "campaigns", "attribution")
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def found(database_url: str, content_cache: ContentCache) -> AsyncIterator[Services]:
    """On SQLite and PostgreSQL: the link's single use rests on each one's conditional UPDATE."""
    settings = make_settings(
        database_url=database_url,
        coordinators=str(COORDINATOR),
        dashboard_url="http://127.0.0.1:9",
        dashboard_secret=SECRET,
    )
    services = content_cache.services(settings)
    services.clock = Clock()
    yield services
    await services.database.close()


@pytest.fixture
async def client(found: Services) -> AsyncIterator[Client]:
    async with dashboard_client(found) as test_client:
        yield test_client


async def log_in(client: Client, found: Services, user_id: int = COORDINATOR, language: str = "fr") -> str:
    """Log in with a new link; the link, for the tests that try it again."""
    link = await login_link(found, user_id, language)
    page = await client.get(link)
    assert page.status == 200
    response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/dashboard/overview"
    return link


def assert_secured(response: ClientResponse) -> None:
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"dashboard_url": "http://bot.example.fr", "dashboard_secret": SECRET}, "DASHBOARD_URL"),
        ({"dashboard_url": "https://bot.example.fr/?x=1", "dashboard_secret": SECRET}, "DASHBOARD_URL"),
        ({"dashboard_url": "https://bot.example.fr/reperes", "dashboard_secret": SECRET}, "DASHBOARD_URL"),
        ({"dashboard_url": "https://bot.example.fr", "dashboard_secret": "short"}, "DASHBOARD_SECRET"),
        ({"dashboard_url": "https://bot.example.fr"}, "DASHBOARD_SECRET"),
    ],
)
def test_dashboard_settings_are_refused_in_one_line(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        make_settings(**values)
    assert str(refused.value).startswith(f"{named} is wrong: expected ")


async def test_serve_mounts_the_dashboard_beside_the_webhook(found: Services) -> None:
    settings = found.settings.model_copy(
        update={"webhook_url": "https://bot.example.fr/telegram", "webhook_secret": "hook"}
    )
    serving = Services(
        settings=settings,
        database=found.database,
        content=found.content,
        catalogs=found.catalogs,
        search=found.search,
    )
    application = build_application(serving, token=SANDBOX_TOKEN)  # never initialised: no Bot API call
    async with TestClient(TestServer(serving_app(application, serving, webhook=True))) as client:
        assert (await client.post("/telegram", data=b"{}")).status == 403  # the webhook, still guarded
        response = await client.get("/dashboard/overview")
        assert response.status == 401
        assert_secured(response)
        assert "Content-Security-Policy" not in (await client.post("/telegram", data=b"{}")).headers


async def test_the_access_log_never_holds_a_login_token(
    found: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    add_dashboard(app, found, base_url="http://127.0.0.1", secret=SECRET)
    link = await login_link(found, COORDINATOR)
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        server = TestServer(app)
        await server.start_server(access_log_class=RedactingAccessLogger)  # as the runner starts it
        async with TestClient(server) as client:
            page = await client.get(link)
            assert page.status == 200
            assert (await client.get("/dashboard/overview")).status == 401
            # The POST that uses the link: its body is read, so the logger cannot clone the request.
            form = {"csrf": csrf_of(await page.text())}
            response = await client.post(link, data=form, allow_redirects=False)
            assert response.status == 303
            assert (await client.get("/dashboard/overview")).status == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/dashboard/overview" in logged and "POST /dashboard/login/" in logged
    assert link.rsplit("/", 1)[1] not in logged
    assert not [record for record in caplog.records if record.exc_info]


async def test_without_a_session_nothing_is_shown(client: Client) -> None:
    response = await client.get("/dashboard", allow_redirects=False)
    assert response.status == 308 and response.headers["Location"] == "/dashboard/"
    for path in ["/dashboard/", *(f"/dashboard/{page}" for page in PAGES), "/dashboard/export?format=csv"]:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401, path
        assert_secured(response)
        assert "/dashboard" in await response.text()  # how to log in, said


async def test_a_forged_cookie_is_refused(client: Client, found: Services) -> None:
    await log_in(client, found)
    client.session.cookie_jar.clear()
    forged = "A" * 43
    response = await client.get("/dashboard/overview", cookies={"reperes_dashboard": forged})
    assert response.status == 401
    response = await client.get("/dashboard/overview", cookies={"reperes_dashboard": "not-even-a-token"})
    assert response.status == 401


async def test_a_coordinator_logs_in_once_with_a_link(client: Client, found: Services) -> None:
    link = await login_link(found, COORDINATOR)
    # Fetching the link (Telegram's preview, a scanner) shows the button and uses nothing up.
    for _ in range(2):
        page = await client.get(link)
        assert page.status == 200
        assert_secured(page)
    # The button's form without its CSRF token logs nobody in, and leaves the link usable.
    refused = await client.post(link, data={}, allow_redirects=False)
    assert refused.status == 403
    response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on this machine: a Secure cookie would never come back
    for page_name in PAGES:
        shown = await client.get(f"/dashboard/{page_name}")
        assert shown.status == 200, page_name
        assert_secured(shown)
        text = await shown.text()
        assert '<html lang="fr" dir="ltr">' in text
        assert 'href="#main"' in text  # the skip link
    # The same link again, even with its token: refused.
    client.session.cookie_jar.clear()
    again = await client.get(link)
    assert again.status == 403
    reused = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert reused.status == 403
    assert "Set-Cookie" not in reused.headers


async def test_two_logins_with_one_link_at_once_open_one_session(client: Client, found: Services) -> None:
    link = await login_link(found, COORDINATOR)
    csrf = csrf_of(await (await client.get(link)).text())
    first, second = await asyncio.gather(
        *(client.post(link, data={"csrf": csrf}, allow_redirects=False) for _ in range(2))
    )
    assert sorted([first.status, second.status]) == [303, 403]


async def test_odd_requests_get_answers_and_no_traceback(
    client: Client, found: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await log_in(client, found)
    csrf = csrf_of(await (await client.get("/dashboard/overview")).text())
    for path in (
        "/dashboard/overview?from=2026-13&to=abc",
        "/dashboard/overview?from=1999-01&to=2026-11",
        "/dashboard/overview?from=2026-11&to=2020-01",
        "/dashboard/export?format=ods&from=0000-00&to=%00",
        "/dashboard/nowhere",
        "/dashboard/login/%C3%A9%00",
        "/dashboard/login/" + "é" * 43,
    ):
        response = await client.get(path)
        assert response.status in (200, 400, 403, 404), path
    for data in (
        {"csrf": csrf, "language": "xx"},
        {"csrf": csrf, "language": "ar", "back": "//evil.example/"},
        {"csrf": csrf, "language": "ar", "back": "/dashboard/\rSet-Cookie: a=b"},
        {"csrf": csrf, "language": "ar", "back": "/dashboard/\x00"},
    ):
        response = await client.post("/dashboard/language", data=data, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/dashboard/overview"
    response = await client.post("/dashboard/login/" + "A" * 43, data={"csrf": ["a", "b"]})
    assert response.status == 403
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_an_expired_link_is_refused(client: Client, found: Services) -> None:
    link = await login_link(found, COORDINATOR)
    page = await client.get(link)
    csrf = csrf_of(await page.text())
    found.clock.now += timedelta(minutes=11)  # type: ignore[attr-defined]
    assert (await client.get(link)).status == 403
    response = await client.post(link, data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 403


async def test_a_session_expires(client: Client, found: Services) -> None:
    await log_in(client, found)
    assert (await client.get("/dashboard/overview")).status == 200
    found.clock.now += timedelta(hours=9)  # type: ignore[attr-defined]
    assert (await client.get("/dashboard/overview")).status == 401


async def test_expired_logins_are_deleted(client: Client, found: Services) -> None:
    await log_in(client, found)
    await login_link(found, COORDINATOR)  # never used
    found.clock.now += timedelta(hours=9)  # type: ignore[attr-defined]
    async with found.database.session() as session:
        await purge_logins(session, now=found.clock())
    async with found.database.session() as session:
        for table in (DashboardLink, DashboardSession):
            assert (await session.exec(select(func.count()).select_from(table))).one() == 0


async def test_a_revoked_coordinator_is_out_at_the_next_click(client: Client, found: Services) -> None:
    async with found.database.session() as session:
        await coordinators.grant(session, user_id=GRANTED, by=COORDINATOR, now=found.clock())
    await log_in(client, found, GRANTED)
    assert (await client.get("/dashboard/families")).status == 200
    async with found.database.session() as session:
        await coordinators.revoke(session, user_id=GRANTED, by=COORDINATOR, now=found.clock())
    assert (await client.get("/dashboard/families")).status == 401
    # A link sent before the revocation opens nothing either.
    link = await login_link(found, GRANTED)
    page = await client.get(link)
    response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert response.status == 403


async def test_a_stranger_with_a_link_gets_no_session(client: Client, found: Services) -> None:
    link = await login_link(found, 999)  # never a coordinator
    page = await client.get(link)
    response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert response.status == 403
    assert "Set-Cookie" not in response.headers


async def test_forms_need_their_csrf_token(client: Client, found: Services) -> None:
    await log_in(client, found)
    page = await (await client.get("/dashboard/overview")).text()
    for path, data in (("/dashboard/logout", {}), ("/dashboard/language", {"language": "ar"})):
        for wrong in ({}, {"csrf": "x" * 64}):
            response = await client.post(path, data={**data, **wrong}, allow_redirects=False)
            assert response.status == 403, (path, wrong)
    assert (await client.get("/dashboard/overview")).status == 200  # still logged in, still French
    csrf = csrf_of(page)
    response = await client.post(
        "/dashboard/language",
        data={"csrf": csrf, "language": "ar", "back": "/dashboard/trainings"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/dashboard/trainings"
    arabic = await (await client.get("/dashboard/trainings")).text()
    link = await login_link(found, COORDINATOR, "ar")  # the link's page is in its coordinator's language
    assert '<html lang="ar" dir="rtl">' in await (await client.get(link)).text()
    assert '<html lang="ar" dir="rtl">' in arabic
    # A "back" that leaves the dashboard is not followed.
    response = await client.post(
        "/dashboard/language",
        data={"csrf": csrf, "language": "en", "back": "https://elsewhere.example/"},
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/dashboard/overview"
    response = await client.post("/dashboard/logout", data={"csrf": csrf})
    assert response.status == 200
    assert (await client.get("/dashboard/overview")).status == 401


async def test_over_https_the_cookie_is_secure_and_host_only(found: Services) -> None:
    async with dashboard_client(found, base_url="https://bot.example.fr") as client:
        link = await login_link(found, COORDINATOR)
        page = await client.get(link)
        assert "max-age" in page.headers["Strict-Transport-Security"]
        response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-reperes_dashboard=") and "Secure" in cookie


async def test_the_export_is_a_download(client: Client, found: Services) -> None:
    await log_in(client, found)
    response = await client.get("/dashboard/export?format=csv&from=2026-01&to=2026-12")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="reperes-2026-01-2026-12.csv"'
    assert_secured(response)
    assert (await client.get("/dashboard/export?format=exe")).status == 400


async def test_a_form_posted_from_another_site_is_refused(client: Client, found: Services) -> None:
    """Login CSRF: another coordinator reads the token of their own link's page and has a victim's browser
    post it from their site; the victim would be logged in as them. The browser's Origin gives it away."""
    link = await login_link(found, COORDINATOR)
    csrf = csrf_of(await (await client.get(link)).text())
    for elsewhere in ("https://elsewhere.example", "null"):  # "null": a page that hides its origin
        response = await client.post(
            link, data={"csrf": csrf}, headers={"Origin": elsewhere}, allow_redirects=False
        )
        assert response.status == 403, elsewhere
    ours = {"Origin": f"http://{client.host}:{client.port}"}
    response = await client.post(link, data={"csrf": csrf}, headers=ours, allow_redirects=False)
    assert response.status == 303, "the link was not used up by the refused post"
