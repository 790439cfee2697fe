"""Idea boxes: texts kept without their authors until a coordinator tags them, then only the tag.

An idea's id is random (nothing to match against the order of anything else) and it has no time. One idea
per person and box is enforced without keeping who wrote it: an HMAC of the person's id keyed by the box's
salt (bot/models.py IdeaGuard); the guard and the salt are deleted when the box closes
(consultations.close), and the person's own by /forget and the retention purge (`forget_guards`).

The HMAC's key is the salt AND a pepper that is never in the database (`Services.idea_pepper`, derived from
the bot's token): while a box is open, someone who reads the database or a backup could otherwise compute
each person's guard from the salt, and match it to an idea by the order or the transaction both were
written in. Without the pepper, a guard names nobody. (A new token mid-box lets a person give one more idea.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.consultations import ConsultationError, openly_locked
from bot.models import Consultation, ConsultationIdea, IdeaGuard

IDEA_ID_MAX = 2**62  # ideas' ids are random in 1..this: no order to match against anything
# The tags a coordinator sorts ideas with: short on purpose, so that the counts stay meaningful.
_CHUNK = 500  # digests per statement: well under SQLite's limit on bound variables
TAGS = ("safety", "lighting", "cleanliness", "layout", "activities", "other")


def _digest(salt: str, person_id: int, pepper: bytes) -> str:
    return hmac.new(pepper + bytes.fromhex(salt), str(person_id).encode(), hashlib.sha256).hexdigest()


async def has_idea(
    session: AsyncSession, consultation: Consultation, *, person_id: int, pepper: bytes = b""
) -> bool:
    if not consultation.salt:
        return False
    query = select(IdeaGuard.digest).where(
        col(IdeaGuard.consultation_id) == consultation.id,
        col(IdeaGuard.digest) == _digest(consultation.salt, person_id, pepper),
    )
    return (await session.exec(query)).first() is not None


async def add_idea(
    session: AsyncSession,
    consultation_id: int,
    *,
    person_id: int,
    territory: str,
    text: str,
    now: datetime,
    pepper: bytes = b"",
) -> None:
    """Keep an idea without its author; ConsultationError("already") for a second one from the same person
    (the guard's primary key decides, should two arrive at once)."""
    consultation = await openly_locked(session, consultation_id, territory=territory, now=now)
    if consultation.options or not consultation.salt:
        raise ConsultationError("unknown")
    try:
        async with session.begin_nested():
            session.add(
                IdeaGuard(
                    consultation_id=consultation_id, digest=_digest(consultation.salt, person_id, pepper)
                )
            )
            await session.flush()
    except IntegrityError:
        raise ConsultationError("already") from None
    idea_id = secrets.randbelow(IDEA_ID_MAX) + 1
    session.add(ConsultationIdea(id=idea_id, consultation_id=consultation_id, text=text))


async def forget_guards(session: AsyncSession, *, person_ids: Collection[int], pepper: bytes = b"") -> None:
    """/forget and the retention purge: these people's HMACs in the idea boxes still open (the ideas
    themselves name no one). Left behind, a guard would block whoever gets the id next (SQLite reuses it)."""
    if not person_ids:
        return
    query = select(Consultation.id, Consultation.salt).where(col(Consultation.salt).is_not(None))
    for consultation_id, salt in (await session.exec(query)).all():
        digests = [_digest(salt or "", person_id, pepper) for person_id in person_ids]
        for start in range(0, len(digests), _CHUNK):
            await session.exec(
                delete(IdeaGuard).where(
                    col(IdeaGuard.consultation_id) == consultation_id,
                    col(IdeaGuard.digest).in_(digests[start : start + _CHUNK]),
                )
            )


async def idea_to_tag(session: AsyncSession, consultation_id: int) -> ConsultationIdea | None:
    """An idea still to read, in no particular order (ids are random)."""
    query = select(ConsultationIdea).where(
        col(ConsultationIdea.consultation_id) == consultation_id, col(ConsultationIdea.tag).is_(None)
    )
    return (await session.exec(query.order_by(col(ConsultationIdea.id)).limit(1))).first()


async def tag_idea(session: AsyncSession, idea_id: int, *, tag: str) -> bool:
    """Tag an idea and delete its text; False when it was tagged already (two coordinators at once: the
    database decides with the condition on the tag)."""
    if tag not in TAGS:
        raise ConsultationError("unknown")
    statement = (
        update(ConsultationIdea)
        .where(col(ConsultationIdea.id) == idea_id, col(ConsultationIdea.tag).is_(None))
        .values(tag=tag, text=None)
    )
    return bool((await session.exec(statement)).rowcount)


async def idea_counts(session: AsyncSession, consultation_id: int) -> tuple[dict[str, int], int]:
    """Ideas per tag, and how many are still to read."""
    query = (
        select(ConsultationIdea.tag, func.count())
        .where(col(ConsultationIdea.consultation_id) == consultation_id)
        .group_by(col(ConsultationIdea.tag))
    )
    found = dict((await session.exec(query)).all())
    untagged = int(found.pop(None, 0))
    return {str(tag): int(count) for tag, count in found.items()}, untagged
