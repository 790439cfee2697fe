"""Who may run campaigns, and the audit log of everything they do.

The COORDINATORS setting names the first coordinators (they cannot be revoked from the bot); they grant the
role to others with /grant (a link, then a second coordinator's approval: bot/domain/grants.py). Every
administrative action is written to the audit log, which they read by display name, each within their scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import dialect_insert
from bot.domain.scope import Scope
from bot.models import AuditEntry, Campaign, CoordinatorGrant, CoordinatorName

SYSTEM = 0  # the actor of what the bot does by itself (a missed run, a series from the content files)


async def granted(session: AsyncSession) -> set[int]:
    return set((await session.exec(select(CoordinatorGrant.user_id))).all())


async def grant(
    session: AsyncSession,
    *,
    user_id: int,
    by: int,
    now: datetime,
    territories: list[str] | None = None,
    display_name: str | None = None,
    invited_by: int | None = None,
) -> bool:
    """Give the role (for `territories`, or the whole deployment); False when the person already had it.

    INSERT ... ON CONFLICT DO NOTHING on the unique user id: of two coordinators granting the same person at
    once, one grants and the other is told it was done already, and the audit log says it once.
    """
    insert = await dialect_insert(session)
    table = CoordinatorGrant.__table__  # type: ignore[attr-defined]
    values = {
        "user_id": user_id,
        "granted_by": invited_by or by,  # who made the link; `by` approved it
        "granted_at": now,
        "territories": territories or None,
        "display_name": display_name,
    }
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["user_id"])
    if not (await session.exec(statement)).rowcount:
        return False
    shown = display_name or (await names(session, [user_id]))[user_id]
    await audit(session, actor=by, action="grant", now=now, detail=shown, territories=territories)
    return True


async def grants(session: AsyncSession) -> list[CoordinatorGrant]:
    query = select(CoordinatorGrant).order_by(col(CoordinatorGrant.granted_at))
    return list((await session.exec(query)).all())


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
        # A COORDINATORS one's name (given with /name), or a former coordinator's, kept for the audit log;
        # a grant's own name, read next, comes first.
        kept = select(CoordinatorName.user_id, CoordinatorName.display_name).where(
            col(CoordinatorName.user_id).in_(wanted)
        )
        for user_id, name in (await session.exec(kept)).all():
            shown[user_id] = name
        query = select(CoordinatorGrant.user_id, CoordinatorGrant.display_name).where(
            col(CoordinatorGrant.user_id).in_(wanted)
        )
        for user_id, given in (await session.exec(query)).all():
            if given:
                shown[user_id] = given
    return shown


async def revoke(session: AsyncSession, *, user_id: int, by: int, now: datetime) -> bool:
    """Take the role back; False when it had not been granted. Their name stays for the audit log."""
    query = select(CoordinatorGrant).where(col(CoordinatorGrant.user_id) == user_id)
    row = (await session.exec(query)).first()
    result = await session.exec(delete(CoordinatorGrant).where(col(CoordinatorGrant.user_id) == user_id))
    if not result.rowcount or row is None:
        return False
    if row.display_name:
        await set_name(session, user_id=user_id, name=row.display_name, now=now)
    shown = row.display_name or str(user_id)
    await audit(session, actor=by, action="revoke", now=now, detail=shown, territories=row.territories)
    return True


async def set_name(session: AsyncSession, *, user_id: int, name: str, now: datetime) -> None:
    """The name other coordinators see: on the grant when there is one, else kept on its own (a
    COORDINATORS one, or a former coordinator)."""
    named = await session.exec(
        update(CoordinatorGrant)
        .where(col(CoordinatorGrant.user_id) == user_id)
        .values(display_name=name)
        .execution_options(synchronize_session=False)
    )
    if named.rowcount:
        return
    insert = await dialect_insert(session)
    table = CoordinatorName.__table__  # type: ignore[attr-defined]
    values = {"user_id": user_id, "display_name": name, "updated_at": now}
    await session.exec(
        insert(table)
        .values(**values)
        .on_conflict_do_update(index_elements=["user_id"], set_={"display_name": name, "updated_at": now})
    )


async def audit(
    session: AsyncSession,
    *,
    actor: int,
    action: str,
    now: datetime,
    campaign_id: int | None = None,
    detail: str = "",
    territories: list[str] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor,
            action=action,
            campaign_id=campaign_id,
            detail=detail[:200],
            territories=sorted(territories) if territories else None,
        )
    )


# How far back a territory coordinator's audit looks for entries of theirs among everyone's.
AUDIT_WINDOW = 500


async def recent_audit(
    session: AsyncSession, *, limit: int = 20, scope: Scope | None = None, viewer: int | None = None
) -> list[AuditEntry]:
    """The newest entries first. With a territory `scope`: only the viewer's own actions and those about
    territories all within the scope (a campaign's are its audience's; none named: the whole deployment)."""
    whole = scope is None or scope.is_whole
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit if whole else AUDIT_WINDOW)
    entries = list((await session.exec(query)).all())
    if whole or scope is None:
        return entries
    ids = {entry.campaign_id for entry in entries if entry.campaign_id}
    audiences: dict[int, list[str]] = {}
    if ids:
        found = await session.exec(select(Campaign.id, Campaign.audience).where(col(Campaign.id).in_(ids)))
        audiences = {
            cid or 0: list((audience or {}).get("territories") or []) for cid, audience in found.all()
        }

    def about(entry: AuditEntry) -> list[str]:
        if entry.territories:
            return list(entry.territories)
        return audiences.get(entry.campaign_id or 0, [])

    return [e for e in entries if e.actor_id == viewer or scope.covers_all(about(e))][:limit]
