"""Becoming a coordinator: a single-use link, the name its candidate gives, a second coordinator's approval.

A coordinator makes a link for the whole deployment or chosen territories. Whoever opens it first claims it
and gives the display name the other coordinators will see; every coordinator whose scope covers those
territories, but the link's maker and the candidate, is asked to approve. The first decision counts: each
step is one conditional UPDATE on the link's status, so two presses (or two instances) never both win.

Only a SHA-256 of the link's token is stored: the table read by someone else gives no working link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import coordinators
from bot.domain.scope import Scope
from bot.models import CoordinatorLink, as_utc

LINK_LIFETIME = timedelta(hours=48)
LINK_KEPT = timedelta(days=30)  # after expiry, then deleted (see `purge_links`)
# A request opened from a link may be decided until this long after the link expired; then it lapses: a
# role given weeks later, by whoever finds an old button, is not the second look the rule asks for.
DECISION_WINDOW = timedelta(days=7)
NAME_MAX = 40
# 24 random bytes: 32 characters of [A-Za-z0-9_-], which a /start payload (64 at most) carries as they are.
TOKEN_BYTES = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,60}$")


class LinkStatus(StrEnum):
    OPEN = "open"  # made, not opened yet
    CLAIMED = "claimed"  # opened by its candidate, who has yet to give their name
    PENDING = "pending"  # waiting for a second coordinator
    GRANTED = "granted"
    REFUSED = "refused"


class Opened(StrEnum):
    OK = "ok"  # claimed now, or again by the same candidate: ask their name
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"  # someone else opened it first, or it was decided
    WAITING = "waiting"  # the candidate again, after giving their name: the request waits for approval
    OWN = "own"  # its maker opened it


class Decided(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    ALREADY = "already"  # another coordinator decided first
    NOT_YOURS = "not_yours"  # its maker, its candidate, or a coordinator whose scope does not cover it
    LAPSED = "lapsed"  # nobody decided within DECISION_WINDOW after the link expired


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(typed: str | None) -> str | None:
    """A display name as other coordinators will read it: letters, digits, marks, punctuation and single
    spaces; None when nothing is left or it is longer than NAME_MAX (the person is asked again)."""
    if not typed:
        return None
    kept = "".join(
        char if unicodedata.category(char)[0] in "LMNP" else " "
        for char in unicodedata.normalize("NFC", typed)
    )
    name = " ".join(kept.split())
    return name if 0 < len(name) <= NAME_MAX else None


async def create_link(
    session: AsyncSession, *, territories: list[str] | None, by: int, now: datetime
) -> tuple[CoordinatorLink, str]:
    """A new link's row and its token (to put in the link, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = CoordinatorLink(
        token_hash=hashed(token),
        territories=sorted(territories) if territories else None,
        created_by=by,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        status=LinkStatus.OPEN,
    )
    session.add(link)
    await session.flush()
    await coordinators.audit(session, actor=by, action="grant_link", now=now, territories=link.territories)
    return link, token


async def get_link(session: AsyncSession, link_id: int) -> CoordinatorLink | None:
    query = select(CoordinatorLink).where(col(CoordinatorLink.id) == link_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def claim(
    session: AsyncSession, *, token: str, user_id: int, now: datetime
) -> tuple[Opened, CoordinatorLink | None]:
    """Open a link: the first person to open it becomes its candidate (a conditional UPDATE)."""
    if not _TOKEN.match(token):
        return Opened.UNKNOWN, None
    query = select(CoordinatorLink).where(col(CoordinatorLink.token_hash) == hashed(token))
    link = (await session.exec(query)).first()
    if link is None:
        return Opened.UNKNOWN, None
    if link.created_by == user_id:
        return Opened.OWN, link
    if link.candidate_id == user_id:
        if link.status == LinkStatus.CLAIMED:
            expired = as_utc(link.expires_at) <= now
            return (Opened.EXPIRED if expired else Opened.OK), link
        return (Opened.WAITING if link.status == LinkStatus.PENDING else Opened.USED), link
    if link.status != LinkStatus.OPEN:
        return Opened.USED, link
    if as_utc(link.expires_at) <= now:
        return Opened.EXPIRED, link
    taken = await session.exec(
        update(CoordinatorLink)
        .where(col(CoordinatorLink.id) == link.id, col(CoordinatorLink.status) == LinkStatus.OPEN)
        .values(status=LinkStatus.CLAIMED, candidate_id=user_id)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:
        return Opened.USED, link  # opened by someone else at the same moment
    return Opened.OK, await get_link(session, link.id or 0)


async def name_candidate(
    session: AsyncSession, *, link_id: int, user_id: int, name: str, now: datetime
) -> CoordinatorLink | None:
    """The candidate's display name: the request now waits for approval. None when the link is no longer
    theirs to name (expired, named already, or decided)."""
    named = await session.exec(
        update(CoordinatorLink)
        .where(
            col(CoordinatorLink.id) == link_id,
            col(CoordinatorLink.candidate_id) == user_id,
            col(CoordinatorLink.status) == LinkStatus.CLAIMED,
            col(CoordinatorLink.expires_at) > now,
        )
        .values(status=LinkStatus.PENDING, display_name=name)
        .execution_options(synchronize_session=False)
    )
    return await get_link(session, link_id) if named.rowcount else None


def may_decide(link: CoordinatorLink, *, user_id: int, scope: Scope) -> bool:
    """Neither its maker nor its candidate, and a scope that covers all it grants (a whole-deployment
    grant: only a whole-deployment coordinator)."""
    if user_id in (link.created_by, link.candidate_id):
        return False
    return scope.covers_all(link.territories or [])


async def approvers(session: AsyncSession, link: CoordinatorLink, *, configured: Iterable[int]) -> list[int]:
    """Who is asked to approve this request."""
    found = []
    for user_id in sorted(set(configured) | await coordinators.granted(session)):
        scope = await coordinators.scope_of(session, user_id=user_id, configured=configured)
        if scope is not None and may_decide(link, user_id=user_id, scope=scope):
            found.append(user_id)
    return found


async def decide(
    session: AsyncSession, *, link_id: int, by: int, scope: Scope, approve: bool, now: datetime
) -> tuple[Decided, CoordinatorLink | None]:
    """Approve or refuse a pending request; the first decision wins (a conditional UPDATE)."""
    link = await get_link(session, link_id)
    if link is None or link.status in (LinkStatus.OPEN, LinkStatus.CLAIMED):
        return Decided.ALREADY, link
    if not may_decide(link, user_id=by, scope=scope):
        return Decided.NOT_YOURS, link
    if as_utc(link.expires_at) + DECISION_WINDOW <= now:
        return Decided.LAPSED, link
    status = LinkStatus.GRANTED if approve else LinkStatus.REFUSED
    decided = await session.exec(
        update(CoordinatorLink)
        .where(
            col(CoordinatorLink.id) == link_id,
            col(CoordinatorLink.status) == LinkStatus.PENDING,
            col(CoordinatorLink.expires_at) > now - DECISION_WINDOW,
        )
        .values(status=status, decided_by=by, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if not decided.rowcount:
        return Decided.ALREADY, link
    assert link.candidate_id is not None
    name = link.display_name or str(link.candidate_id)
    if approve:
        await coordinators.grant(
            session,
            user_id=link.candidate_id,
            by=by,
            now=now,
            territories=link.territories,
            display_name=name,
            invited_by=link.created_by,
        )
    else:
        await coordinators.audit(
            session, actor=by, action="grant_refused", now=now, detail=name, territories=link.territories
        )
    return (Decided.GRANTED if approve else Decided.REFUSED), await get_link(session, link_id)


async def purge_links(session: AsyncSession, *, now: datetime) -> int:
    """Delete links (and the names their candidates gave) LINK_KEPT after they expired: the audit log keeps
    what was decided; a request nobody decided by then lapses (its buttons answer that they are stale)."""
    statement = delete(CoordinatorLink).where(col(CoordinatorLink.expires_at) <= now - LINK_KEPT)
    return int((await session.exec(statement)).rowcount)


async def forget_candidate(session: AsyncSession, *, user_id: int) -> None:
    """/forget by someone who opened a link without becoming a coordinator: their claim and the name they
    gave are deleted (a request still waiting lapses: its buttons answer that they are stale). A granted
    link stays: its candidate is staff, and the audit log says who approved them."""
    await session.exec(
        delete(CoordinatorLink).where(
            col(CoordinatorLink.candidate_id) == user_id, col(CoordinatorLink.status) != LinkStatus.GRANTED
        )
    )


async def pending(session: AsyncSession) -> list[CoordinatorLink]:
    """The requests waiting for a second coordinator, oldest first (shown again in /coordinators, for
    whoever could not be asked when the candidate gave their name)."""
    query = select(CoordinatorLink).where(col(CoordinatorLink.status) == LinkStatus.PENDING)
    return list((await session.exec(query.order_by(col(CoordinatorLink.id)))).all())
