"""Consultations on public space: a coordinator asks one territory's residents a question, each answers once.

A consultation is a draft until its coordinator publishes it, then open from its opening to its closing
moment, then closed (by the clock, bot/features/consultations/jobs.py, or by a coordinator). Every change of
state and every answer locks the consultation's row first (bot/domain/locking.py): an answer and the closing
cannot interleave, so no answer is written after the counts are taken, and of two closings or publishings at
once one acts and the other is told it was done.

What is kept, the least: while open, one row per person (their current option), changed in place; at closing
the counts per option are written on the consultation and those rows deleted. An idea box keeps texts
without their author (bot/models.py ConsultationIdea); one idea per person is enforced with an HMAC of the
person's id keyed by a per-consultation salt, and the salt and the HMACs are deleted at closing. A text is
deleted as soon as a coordinator tags it: then only the count of ideas per tag stays.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import dialect_insert
from bot.domain import campaigns
from bot.domain.coordinators import SYSTEM, audit
from bot.domain.locking import locked
from bot.domain.scope import Scope
from bot.i18n import Catalogs
from bot.models import (
    Campaign,
    CampaignStatus,
    Consultation,
    ConsultationAnswer,
    IdeaGuard,
    as_utc,
)
from bot.roles import RESIDENT
from bot.schedule import ONCE, wall_clock

MIN_OPTIONS, MAX_OPTIONS = 2, 6
QUESTION_LIMIT, OPTION_LIMIT, IDEA_LIMIT = 300, 40, 500
MAX_DAYS = 92  # a consultation lasts at most a season
MESSAGE_TIME = "10:00"  # when residents get the message on the opening day: never at night


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # open between opens_at and closes_at
    CLOSED = "closed"


class ConsultationError(Exception):
    """An action that does not apply: the key says why, for the handler to translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Draft:
    question: str
    options: tuple[str, ...]  # empty: an idea box
    territory: str
    opens_on: date
    closes_on: date


_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def parse(text: str, *, territories: Collection[str], allowed: Collection[str], today: date) -> Draft | str:
    """/consultation's text, or the key of what is wrong with it.

    Line one is the question; lines starting with "-" are the options (none: an idea box); a line with a
    territory id names the territory, which must be `allowed` (the only one allowed may be left out); a
    line with one or two dates (YYYY-MM-DD), but the question's, gives the opening and closing days (one: it
    opens today)."""
    question, options, territory, days = "", [], None, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line.lstrip("-").strip())
        elif line in territories:
            territory = line
        elif not question and _DATE.sub("", line).strip():  # a question may name a day ("Fête du ...")
            question = line
        elif _DATE.search(line):
            days = [date.fromisoformat(found) for found in _DATE.findall(line) if _valid(found)]
        else:
            return "unreadable"
    return validate(question, options, territory, days, allowed=allowed, today=today)


def validate(
    question: str,
    options: Sequence[str],
    territory: str | None,
    days: Sequence[date],
    *,
    allowed: Collection[str],
    today: date,
) -> Draft | str:
    """The rules of a consultation, for the chat's text once read and the dashboard's fields alike: a Draft,
    or the key of what is wrong (`days`: one (it opens today) or two dates)."""
    if territory is None and len(allowed) == 1:
        territory = next(iter(allowed))
    if not question or len(question) > QUESTION_LIMIT:
        return "question"
    if options and not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        return "options"
    if any(not option or len(option) > OPTION_LIMIT for option in options) or len(set(options)) < len(
        options
    ):
        return "options"
    if territory is None or territory not in allowed:
        return "territory"
    opens_on, closes_on = (today, days[0]) if len(days) == 1 else (days[0], days[1]) if days else (None, None)
    if opens_on is None or closes_on is None or len(days) > 2:
        return "dates"
    if opens_on < today or closes_on < opens_on or (closes_on - opens_on).days > MAX_DAYS:
        return "dates"
    return Draft(question, tuple(options), territory, opens_on, closes_on)


def _valid(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


async def create_draft(
    session: AsyncSession, draft: Draft, *, by: int, now: datetime, zone: str
) -> Consultation:
    """The draft, shown to its coordinator before they publish it. It opens at the start of its opening day
    in the territory's zone (now, when that is today) and closes at the end of its closing day."""
    opens_at = max(now, wall_clock(draft.opens_on, time(0), zone))
    closes_at = wall_clock(draft.closes_on + timedelta(days=1), time(0), zone)
    consultation = Consultation(
        question=draft.question,
        options=list(draft.options),
        territory=draft.territory,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
        created_at=now,
    )
    session.add(consultation)
    await session.flush()
    return consultation


async def publish(
    session: AsyncSession,
    consultation_id: int,
    *,
    by: int,
    scope: Scope,
    now: datetime,
    zones: campaigns.Zones,
    messages: dict[str, dict[str, str]],
) -> Consultation:
    """Publish a draft: residents of its territory see it from its opening, and those who accept messages
    get `messages` (per language) then, through an approved campaign. The campaign skips the second
    coordinator's approval: its text is the bot's own around the question, for one territory in scope."""
    consultation = await locked(session, Consultation, consultation_id)
    if consultation is None or not scope.covers(consultation.territory):
        raise ConsultationError("unknown")
    if consultation.status != Status.DRAFT:
        raise ConsultationError("not_draft")
    if as_utc(consultation.closes_at) <= now:
        raise ConsultationError("dates")
    consultation.status = Status.PUBLISHED
    if not consultation.options:
        consultation.salt = secrets.token_hex(32)
    opens_at = as_utc(consultation.opens_at)
    campaign = Campaign(
        title=f"Consultation {consultation.id}",
        created_by=by,
        created_at=now,
        messages=dict(messages),
        audience={"roles": [RESIDENT], "territories": [consultation.territory]},
        schedule=ONCE,
        on_date=opens_at.astimezone(ZoneInfo(zones.of(consultation.territory))).date(),
        time_of_day=MESSAGE_TIME,
        local_time=True,
        approved_by=by,
        approved_at=now,
        status=CampaignStatus.APPROVED,
    )
    # Opening late in the day: the message leaves at once rather than the next morning.
    planned = campaigns.plan(campaign, now=now, zones=zones)
    campaign.next_run_at = max(planned or now, now)
    session.add(campaign)
    await session.flush()
    consultation.campaign_id = campaign.id
    session.add(consultation)
    await audit(
        session,
        actor=by,
        action="consultation",
        now=now,
        campaign_id=campaign.id,
        detail=consultation.question,
        territories=[consultation.territory],
    )
    return consultation


def opening_messages(catalogs: Catalogs, consultation: Consultation, zone: str) -> dict[str, dict[str, str]]:
    """What residents get when it opens, in each language (the question as its coordinator wrote it), for
    `publish`: from the chat and from the dashboard alike."""
    day = last_day(consultation, zone)
    messages = {}
    for language in catalogs.languages:
        t = catalogs.get(language)
        text = t.gettext(
            "🗳 <b>Consultation sur l'espace public</b>\n\n{question}\n\nDonnez votre avis jusqu'au {day} : "
            "/consultations"
        ).format(question=html.escape(consultation.question), day=t.date(day))
        messages[language] = {"text": text}
    return messages


async def discard(session: AsyncSession, consultation_id: int) -> None:
    """Delete a draft; ConsultationError("not_draft") once published (a publish at the same moment: the
    condition on the status decides)."""
    statement = delete(Consultation).where(
        col(Consultation.id) == consultation_id, col(Consultation.status) == Status.DRAFT
    )
    if not (await session.exec(statement)).rowcount:
        raise ConsultationError("not_draft")


def last_day(consultation: Consultation, zone: str) -> date:
    """The last day answers are taken, in the territory's zone (it closes at the end of that day)."""
    return (as_utc(consultation.closes_at) - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date()


def is_open(consultation: Consultation, now: datetime) -> bool:
    return consultation.status == Status.PUBLISHED and as_utc(consultation.opens_at) <= now < as_utc(
        consultation.closes_at
    )


async def open_for(session: AsyncSession, *, territory: str, now: datetime) -> list[Consultation]:
    """The consultations a person of `territory` may answer now, the soonest to close first."""
    query = (
        select(Consultation)
        .where(col(Consultation.territory) == territory, col(Consultation.status) == Status.PUBLISHED)
        .order_by(col(Consultation.closes_at), col(Consultation.id))
    )
    return [c for c in (await session.exec(query)).all() if is_open(c, now)]


async def in_scope(session: AsyncSession, scope: Scope, *, limit: int = 20) -> list[Consultation]:
    """A coordinator's consultations, newest first (drafts left unpublished are not listed)."""
    query = select(Consultation).where(col(Consultation.status) != Status.DRAFT)
    if scope.territories is not None:
        query = query.where(col(Consultation.territory).in_(scope.territories))
    return list((await session.exec(query.order_by(col(Consultation.id).desc()).limit(limit))).all())


async def openly_locked(
    session: AsyncSession, consultation_id: int, *, territory: str, now: datetime
) -> Consultation:
    consultation = await locked(session, Consultation, consultation_id)
    if consultation is None or consultation.territory != territory:
        raise ConsultationError("unknown")
    if not is_open(consultation, now):
        raise ConsultationError("closed")
    return consultation


async def answer(
    session: AsyncSession, consultation_id: int, *, person_id: int, territory: str, choice: int, now: datetime
) -> None:
    """Record or change a person's answer: one row per person and consultation (INSERT ... ON CONFLICT)."""
    consultation = await openly_locked(session, consultation_id, territory=territory, now=now)
    if not 0 <= choice < len(consultation.options):
        raise ConsultationError("unknown")
    insert = await dialect_insert(session)
    statement = (
        insert(ConsultationAnswer.__table__)  # type: ignore[attr-defined]
        .values(consultation_id=consultation_id, person_id=person_id, choice=choice)
        .on_conflict_do_update(index_elements=["consultation_id", "person_id"], set_={"choice": choice})
    )
    await session.exec(statement)


async def answer_of(session: AsyncSession, consultation_id: int, *, person_id: int) -> int | None:
    query = select(ConsultationAnswer.choice).where(
        col(ConsultationAnswer.consultation_id) == consultation_id,
        col(ConsultationAnswer.person_id) == person_id,
    )
    return (await session.exec(query)).first()


async def close(session: AsyncSession, consultation_id: int, *, by: int, scope: Scope, now: datetime) -> bool:
    """Close a published consultation: count its answers, delete them and the idea guard. False when it was
    closed already (by the clock, or another coordinator at the same moment)."""
    consultation = await locked(session, Consultation, consultation_id)
    if consultation is None or not scope.covers(consultation.territory):
        raise ConsultationError("unknown")
    if consultation.status != Status.PUBLISHED:
        return False
    if consultation.options:
        query = (
            select(ConsultationAnswer.choice, func.count())
            .where(col(ConsultationAnswer.consultation_id) == consultation_id)
            .group_by(col(ConsultationAnswer.choice))
        )
        found = dict((await session.exec(query)).all())
        consultation.counts = [int(found.get(index, 0)) for index in range(len(consultation.options))]
    await session.exec(
        delete(ConsultationAnswer).where(col(ConsultationAnswer.consultation_id) == consultation_id)
    )
    await session.exec(delete(IdeaGuard).where(col(IdeaGuard.consultation_id) == consultation_id))
    consultation.status, consultation.salt, consultation.closed_at = Status.CLOSED, None, now
    session.add(consultation)
    await _cancel_unsent(session, consultation, by=by, now=now)
    await audit(
        session,
        actor=by,
        action="consultation_close",
        now=now,
        detail=consultation.question,
        territories=[consultation.territory],
    )
    return True


async def _cancel_unsent(
    session: AsyncSession, consultation: Consultation, *, by: int, now: datetime
) -> None:
    """Closed before it opened: its message must not go out any more."""
    if consultation.campaign_id is None:
        return
    campaign = await campaigns.get_campaign(session, consultation.campaign_id, for_update=True)
    if campaign is not None and campaign.status == CampaignStatus.APPROVED and not campaign.runs:
        await campaigns.cancel(session, campaign, by=by, now=now)


async def due(session: AsyncSession, *, now: datetime) -> list[int]:
    """The published consultations whose closing moment has passed."""
    query = select(Consultation.id).where(
        col(Consultation.status) == Status.PUBLISHED, col(Consultation.closes_at) <= now
    )
    return [found for found in (await session.exec(query)).all() if found is not None]


async def close_due(session: AsyncSession, consultation_id: int, *, now: datetime) -> bool:
    return await close(session, consultation_id, by=SYSTEM, scope=Scope.whole(), now=now)
