"""Who may run campaigns, and the audit log of everything they do.

The COORDINATORS setting names the first coordinators (they cannot be revoked from the bot); they grant the
role to others with /grant. Every administrative action is written to the audit log, which they can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.scope import Scope
from bot.models import AuditEntry, CoordinatorGrant

SYSTEM = 0  # the actor of what the bot does by itself (a missed run, a series from the content files)


async def granted(session: AsyncSession) -> set[int]:
    return set((await session.exec(select(CoordinatorGrant.user_id))).all())


async def grant(session: AsyncSession, *, user_id: int, by: int, now: datetime) -> bool:
    """Give the role; False when the person already had it.

    INSERT ... ON CONFLICT DO NOTHING on the unique user id: of two coordinators granting the same person at
    once, one grants and the other is told it was done already, and the audit log says it once.
    """
    dialect = (await session.connection()).dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    table = CoordinatorGrant.__table__  # type: ignore[attr-defined]
    values = {"user_id": user_id, "granted_by": by, "granted_at": now}
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["user_id"])
    if not (await session.exec(statement)).rowcount:
        return False
    await audit(session, actor=by, action="grant", now=now, detail=str(user_id))
    return True


async def is_granted(session: AsyncSession, *, user_id: int) -> bool:
    """Whether /grant gave this person the role: read from the database, the same for every instance."""
    query = select(CoordinatorGrant.id).where(col(CoordinatorGrant.user_id) == user_id)
    return (await session.exec(query)).first() is not None


async def scope_of(session: AsyncSession, *, user_id: int, configured: Iterable[int]) -> Scope | None:
    """What this person coordinates: None when they are no coordinator at all.

    The COORDINATORS setting is for the whole deployment; a grant is for its territories, or the whole
    deployment when it names none. Read from the database every time, like `is_granted`.
    """
    if user_id in set(configured):
        return Scope.whole()
    query = select(CoordinatorGrant.territories).where(col(CoordinatorGrant.user_id) == user_id)
    found = (await session.exec(query)).first()
    if found is None:
        # `first()` gives None both for "no row" and for a row whose territories are NULL: ask again.
        return Scope.whole() if await is_granted(session, user_id=user_id) else None
    return Scope.of(found)


async def names(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    """The display name of each coordinator given, for the audit, approvals and grants; a coordinator who
    has none yet (a COORDINATORS one who never gave it) is shown by their Telegram id."""
    wanted = set(user_ids)
    shown = {user_id: str(user_id) for user_id in wanted}
    if wanted:
        query = select(CoordinatorGrant.user_id, CoordinatorGrant.display_name).where(
            col(CoordinatorGrant.user_id).in_(wanted)
        )
        for user_id, name in (await session.exec(query)).all():
            if name:
                shown[user_id] = name
    return shown


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
