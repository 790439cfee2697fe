"""Who may run campaigns, and the audit log of everything they do.

The COORDINATORS setting names the first coordinators (they cannot be revoked from the bot); they grant the
role to others with /grant. Every administrative action is written to the audit log, which they can read.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEntry, CoordinatorGrant

SYSTEM = 0  # the actor of what the bot does by itself (a missed run, a series from the content files)


async def granted(session: AsyncSession) -> set[int]:
    return set((await session.exec(select(CoordinatorGrant.user_id))).all())


async def grant(session: AsyncSession, *, user_id: int, by: int, now: datetime) -> bool:
    """Give the role; False when the person already had it."""
    if user_id in await granted(session):
        return False
    session.add(CoordinatorGrant(user_id=user_id, granted_by=by, granted_at=now))
    await audit(session, actor=by, action="grant", now=now, detail=str(user_id))
    return True


async def revoke(session: AsyncSession, *, user_id: int, by: int, now: datetime) -> bool:
    """Take the role back; False when it had not been granted."""
    result = await session.exec(delete(CoordinatorGrant).where(col(CoordinatorGrant.user_id) == user_id))
    if not result.rowcount:
        return False
    await audit(session, actor=by, action="revoke", now=now, detail=str(user_id))
    return True


async def audit(
    session: AsyncSession,
    *,
    actor: int,
    action: str,
    now: datetime,
    campaign_id: int | None = None,
    detail: str = "",
) -> None:
    session.add(
        AuditEntry(at=now, actor_id=actor, action=action, campaign_id=campaign_id, detail=detail[:200])
    )


async def recent_audit(session: AsyncSession, *, limit: int = 20) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    return list((await session.exec(query)).all())
