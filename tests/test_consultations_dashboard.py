"""Consultations on the dashboard: publishing through a CSRF-protected form (form, preview, publish), within
the coordinator's territories only, and the results page once closed, small counts hidden. The real
database (SQLite and PostgreSQL), content and dashboard application; no browser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import select

from bot.domain import consultations
from bot.domain.people import accept_notice
from bot.domain.scope import Scope
from bot.models import Campaign, Consultation, CoordinatorGrant
from bot.services import Services
from tests.conftest import Clock, ContentCache, make_settings
from tests.dashboard_support import SECRET, csrf_of, dashboard_client, login_link

COORDINATOR, ISLAND = 111, 333
Client = TestClient[web.Request, web.Application]
FORM = {
    "question": "Faut-il des bancs place du marché ?",
    "options": "Oui\r\nNon\r\n",
    "territory": "demo",
    "opens": "2026-11-27",
    "closes": "2026-11-30",
}


@pytest.fixture
async def found(database_url: str, content_cache: ContentCache) -> AsyncIterator[Services]:
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


async def log_in(client: Client, found: Services, user_id: int = COORDINATOR) -> None:
    link = await login_link(found, user_id)
    page = await client.get(link)
    response = await client.post(link, data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert response.status == 303


async def test_a_coordinator_publishes_from_the_dashboard_and_reads_the_results(
    client: Client, found: Services
) -> None:
    await log_in(client, found)
    form = await client.get("/dashboard/consultations/new")
    assert form.status == 200
    csrf = csrf_of(await form.text())
    # Without its CSRF token, nothing is written.
    refused = await client.post("/dashboard/consultations/new", data=FORM, allow_redirects=False)
    assert refused.status == 403
    wrong = await client.post(
        "/dashboard/consultations/new",
        data={**FORM, "closes": "2026-11-01", "csrf": csrf},
        allow_redirects=False,
    )
    assert wrong.status == 400 and "Dates refusées" in await wrong.text()
    async with found.database.session() as session:
        assert (await session.exec(select(Consultation))).all() == []

    made = await client.post(
        "/dashboard/consultations/new", data={**FORM, "csrf": csrf}, allow_redirects=False
    )
    assert made.status == 303
    preview = await client.get(made.headers["Location"])
    text = await preview.text()
    assert "Faut-il des bancs" in text and "Publier" in text
    async with found.database.session() as session:
        (draft,) = (await session.exec(select(Consultation))).all()
    assert draft.status == "draft"
    forged = await client.post(f"/dashboard/consultations/{draft.id}/publish", data={}, allow_redirects=False)
    assert forged.status == 403
    published = await client.post(
        f"/dashboard/consultations/{draft.id}/publish", data={"csrf": csrf}, allow_redirects=False
    )
    assert published.status == 303
    async with found.database.session() as session:
        consultation = await session.get(Consultation, draft.id)
        assert consultation is not None and consultation.status == "published"
        campaign = await session.get(Campaign, consultation.campaign_id)
        assert campaign is not None and campaign.status == "approved"

    # Seven answers, then closing: "Non" (2) is hidden, and "Oui" with it; the total stays.
    async with found.database.session() as session:
        for number, choice in enumerate([0] * 5 + [1] * 2):
            person = await accept_notice(
                session,
                chat_id=7000 + number,
                language="fr",
                role="resident",
                territory="demo",
                source=None,
                now=found.clock(),
            )
            await consultations.answer(
                session,
                draft.id or 0,
                person_id=person.id or 0,
                territory="demo",
                choice=choice,
                now=found.clock(),
            )
    async with found.database.session() as session:
        assert await consultations.close(
            session, draft.id or 0, by=COORDINATOR, scope=Scope.whole(), now=found.clock()
        )
    results = await client.get("/dashboard/consultations?from=2026-11&to=2026-11")
    page = await results.text()
    assert results.status == 200 and "Faut-il des bancs" in page and "masqué" in page
    assert 'href="/dashboard/consultations/new"' in page  # the way to publish another


async def test_a_territory_coordinator_publishes_only_for_their_territories(
    client: Client, found: Services
) -> None:
    async with found.database.session() as session:
        session.add(
            CoordinatorGrant(
                user_id=ISLAND, granted_by=COORDINATOR, granted_at=found.clock(), territories=["ile"]
            )
        )
    await log_in(client, found, ISLAND)
    form = await client.get("/dashboard/consultations/new")
    csrf = csrf_of(await form.text())
    refused = await client.post(
        "/dashboard/consultations/new", data={**FORM, "csrf": csrf}, allow_redirects=False
    )
    assert refused.status == 400 and "Le territoire manque" in await refused.text()
    await log_in(client, found)  # the whole deployment's coordinator makes one for "demo"
    csrf = csrf_of(await (await client.get("/dashboard/consultations/new")).text())
    made = await client.post(
        "/dashboard/consultations/new", data={**FORM, "csrf": csrf}, allow_redirects=False
    )
    await log_in(client, found, ISLAND)
    assert (await client.get(made.headers["Location"])).status == 404  # not hers to see


async def test_the_form_takes_each_field_as_itself(client: Client, found: Services) -> None:
    """A question that names a date or starts with a dash, an option that names a territory: the form's
    fields are what they say, not lines of the chat's text to guess again."""
    await log_in(client, found)
    csrf = csrf_of(await (await client.get("/dashboard/consultations/new")).text())
    form = {
        **FORM,
        "question": "- Fête du 2026-12-20 : quelle animation ?",
        "options": "Concert\r\ndemo\r\n",
        "csrf": csrf,
    }
    made = await client.post("/dashboard/consultations/new", data=form, allow_redirects=False)
    assert made.status == 303, await made.text()
    async with found.database.session() as session:
        (draft,) = (await session.exec(select(Consultation))).all()
    assert draft.question == "- Fête du 2026-12-20 : quelle animation ?"
    assert draft.options == ["Concert", "demo"] and draft.territory == "demo"
