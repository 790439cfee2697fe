"""Publishing a consultation from the dashboard: a form, a preview, then publish, each post CSRF-checked.

The same rules as /consultation in the chat (bot/domain/consultations.py parses the same text and checks
the coordinator's scope); the results are the "consultations" page of the indicators, like every page.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.dashboard.context import dashboard
from bot.dashboard.security import Viewer, posted, refused, render, viewer
from bot.delivery.jobs import zones_of
from bot.domain import consultations
from bot.domain.consultations import ConsultationError, Status
from bot.domain.indicators.labels import label
from bot.domain.scope import Scope
from bot.features.consultations.staff import REASONS  # the chat's words for the same refusals
from bot.i18n import Translator
from bot.models import Consultation, as_utc
from bot.services import Services

routes = web.RouteTableDef()
FIELDS = ("question", "options", "territory", "opens", "closes")


def _form_context(found: Services, who: Viewer, values: dict[str, str], error: str) -> dict[str, Any]:
    t = translator_for(found, who)
    mine = who.scope.within(found.territory_ids)
    return {
        "csrf": who.csrf,
        "values": values,
        "error": t.gettext(REASONS[error]) if error in REASONS else "",
        "territories": [(territory, label(t, found.content, territory)) for territory in mine],
    }


def translator_for(found: Services, who: Viewer) -> Translator:
    return found.catalogs.get(who.language)


@routes.get("/consultations/new")
async def new(request: web.Request) -> web.StreamResponse:
    who = await viewer(request)
    if who is None:
        return refused(request, status=401, reason="login")
    found = dashboard(request).found
    return render(request, "consultation_new.html", _form_context(found, who, {}, ""), language=who.language)


@routes.post("/consultations/new")
async def create(request: web.Request) -> web.StreamResponse:
    checked = await posted(request)
    if isinstance(checked, web.Response):
        return checked
    who, form = checked
    found = dashboard(request).found
    values = {key: str(form.get(key) or "").strip() for key in FIELDS}
    options = [line.strip() for line in values["options"].splitlines() if line.strip()]
    territory = values["territory"] or None  # left out: the coordinator's only territory, if one
    # Each field as itself (the chat's rules, not its text: a question may name a date or start with "-").
    days = [_day(values[key]) for key in ("opens", "closes")]
    today = found.clock().astimezone(ZoneInfo(found.settings.timezone)).date()
    mine = who.scope.within(found.territory_ids)
    draft = (
        consultations.validate(
            values["question"].replace("\n", " "),
            options,
            territory,
            [day for day in days if day is not None],
            allowed=mine,
            today=today,
        )
        if None not in days
        else "dates"
    )
    if isinstance(draft, str):
        context = _form_context(found, who, values, draft)
        return render(request, "consultation_new.html", context, language=who.language, status=400)
    zone = zones_of(found).of(draft.territory)
    async with found.database.session() as session:
        consultation = await consultations.create_draft(
            session, draft, by=who.user_id, now=found.clock(), zone=zone
        )
    raise web.HTTPSeeOther(f"/dashboard/consultations/{consultation.id}/preview")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def _mine(found: Services, scope: Scope, request: web.Request) -> Consultation:
    try:
        consultation_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with found.database.session() as session:
        consultation = await session.get(Consultation, consultation_id) if consultation_id < 2**31 else None
    if consultation is None or not scope.covers(consultation.territory):
        raise web.HTTPNotFound()
    return consultation


@routes.get(r"/consultations/{id:\d+}/preview")
async def preview(request: web.Request) -> web.StreamResponse:
    who = await viewer(request)
    if who is None:
        return refused(request, status=401, reason="login")
    found = dashboard(request).found
    consultation = await _mine(found, who.scope, request)
    t = translator_for(found, who)
    zone = zones_of(found).of(consultation.territory)
    context = {
        "csrf": who.csrf,
        "consultation": consultation,
        "territory": label(t, found.content, consultation.territory),
        "first": t.date(as_utc(consultation.opens_at).astimezone(ZoneInfo(zone)).date()),
        "last": t.date(consultations.last_day(consultation, zone)),
        "draft": consultation.status == Status.DRAFT,
    }
    return render(request, "consultation_preview.html", context, language=who.language)


@routes.post(r"/consultations/{id:\d+}/publish")
async def publish(request: web.Request) -> web.StreamResponse:
    checked = await posted(request)
    if isinstance(checked, web.Response):
        return checked
    who, _ = checked
    found = dashboard(request).found
    consultation = await _mine(found, who.scope, request)
    zones = zones_of(found)
    messages = consultations.opening_messages(found.catalogs, consultation, zones.of(consultation.territory))
    try:
        async with found.database.session() as session:
            await consultations.publish(
                session,
                consultation.id or 0,
                by=who.user_id,
                scope=who.scope,
                now=found.clock(),
                zones=zones,
                messages=messages,
            )
    except ConsultationError:
        pass  # published already (a second press), or its dates passed: the preview says where it stands
    raise web.HTTPSeeOther(f"/dashboard/consultations/{consultation.id}/preview")
