"""Professionals' invites a coordinator can list and take back (made in bot.domain.training).

A coordinator sees and revokes only the invites of their territories (an invite for no territory is the
whole deployment's); both making and revoking an invite go to the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import coordinators
from bot.domain.scope import Scope
from bot.models import Invite


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(col(Invite.expires_at) > now, col(Invite.uses_left) > 0)


def within(scope: Scope, invite: Invite) -> bool:
    return scope.covers_all([invite.territory] if invite.territory else [])


async def live_invites(session: AsyncSession, *, scope: Scope, now: datetime) -> list[Invite]:
    """The invites that still work, soonest to expire first, within the scope."""
    query = select(Invite).where(_live(now)).order_by(col(Invite.expires_at))
    return [invite for invite in (await session.exec(query)).all() if within(scope, invite)]


async def revoke_invite(
    session: AsyncSession, *, invite_id: int, by: int, scope: Scope, now: datetime
) -> Invite | None:
    """End an invite now (it expires, so whoever opens it is told so); None when it was already over or
    is not within the scope. A conditional UPDATE: two presses revoke and audit it once."""
    invite = await session.get(Invite, invite_id)
    if invite is None or not within(scope, invite):
        return None
    ended = await session.exec(
        update(Invite)
        .where(col(Invite.id) == invite_id, _live(now))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    if not ended.rowcount:
        return None
    territories = [invite.territory] if invite.territory else None
    await coordinators.audit(
        session, actor=by, action="uninvite", now=now, detail=invite.code, territories=territories
    )
    return invite


async def audit_created(session: AsyncSession, invite: Invite, *, by: int, now: datetime) -> None:
    territories = [invite.territory] if invite.territory else None
    await coordinators.audit(
        session, actor=by, action="invite", now=now, detail=invite.code, territories=territories
    )


async def usable(session: AsyncSession, *, code: str, now: datetime) -> bool:
    """Whether an invite code would make someone a professional now (it exists, is live, has uses)."""
    query = select(Invite.id).where(col(Invite.code) == code.strip().upper(), _live(now))
    return (await session.exec(query)).first() is not None
