"""Logging in to the coordinators' dashboard without a password: single-use links and sessions.

/dashboard sends a coordinator a link holding a random token, valid a few minutes; the dashboard trades it
for a session cookie holding another. Only keyed hashes (HMAC-SHA256 with DASHBOARD_SECRET) of both are
stored, so a copy of the database opens nothing. A link is consumed by one conditional UPDATE (unused and
unexpired, then used): of two requests with the same link, on one instance or two, exactly one logs in.
Whether the person is still a coordinator, and what they coordinate, is not stored here: the dashboard asks
`coordinators.scope_of` on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import DashboardLink, DashboardSession, as_utc

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_BYTES = 32
# A token as sent: url-safe base64 of TOKEN_BYTES, 43 characters; anything else is refused unread.
TOKEN_LENGTH = 43


@dataclass(frozen=True)
class Login:
    user_id: int
    language: str


def keyed_hash(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def csrf_token(secret: str, session_token: str) -> str:
    """The forms' CSRF token, derived from the session's token: it needs no storage and dies with it."""
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def well_formed(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and token.isascii() and all(c.isalnum() or c in "-_" for c in token)


async def create_link(
    session: AsyncSession, *, user_id: int, language: str, secret: str, now: datetime
) -> str:
    """A new login link's token; expired links and sessions are cleared on the way (they open nothing)."""
    await purge_logins(session, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        DashboardLink(
            token_hash=keyed_hash(secret, token),
            user_id=user_id,
            language=language,
            expires_at=now + LINK_LIFETIME,
        )
    )
    return token


async def purge_logins(session: AsyncSession, *, now: datetime) -> None:
    """Expired links and sessions, deleted (also by the daily retention job): they open nothing."""
    await session.exec(delete(DashboardLink).where(col(DashboardLink.expires_at) <= now))
    await session.exec(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))


async def open_link(session: AsyncSession, *, token: str, secret: str, now: datetime) -> Login | None:
    """Whose link this is, while it would still log in (for the page that shows the "Log in" button,
    in its coordinator's language); nothing is used up."""
    if not well_formed(token):
        return None
    query = select(DashboardLink).where(col(DashboardLink.token_hash) == keyed_hash(secret, token))
    link = (await session.exec(query)).first()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= now:
        return None
    return Login(link.user_id, link.language)


async def consume_link(session: AsyncSession, *, token: str, secret: str, now: datetime) -> Login | None:
    """Whose link this is, once: None for an unknown, expired or already used one."""
    if not well_formed(token):
        return None
    digest = keyed_hash(secret, token)
    statement = (
        update(DashboardLink)
        .where(col(DashboardLink.token_hash) == digest)
        .where(col(DashboardLink.used_at).is_(None))
        .where(col(DashboardLink.expires_at) > now)
        .values(used_at=now)
    )
    if (await session.exec(statement)).rowcount != 1:
        return None
    query = select(DashboardLink.user_id, DashboardLink.language).where(
        col(DashboardLink.token_hash) == digest
    )
    user_id, language = (await session.exec(query)).one()
    return Login(user_id, language)


async def open_session(session: AsyncSession, *, login: Login, secret: str, now: datetime) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        DashboardSession(
            token_hash=keyed_hash(secret, token),
            user_id=login.user_id,
            language=login.language,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


async def find_session(session: AsyncSession, *, token: str, secret: str, now: datetime) -> Login | None:
    """The logged-in coordinator, while the session lasts (checked here, never trusted to the cookie)."""
    if not well_formed(token):
        return None
    query = select(DashboardSession).where(col(DashboardSession.token_hash) == keyed_hash(secret, token))
    found = (await session.exec(query)).first()
    if found is None or as_utc(found.expires_at) <= now:
        return None
    return Login(found.user_id, found.language)


async def set_language(session: AsyncSession, *, token: str, secret: str, language: str) -> None:
    statement = (
        update(DashboardSession)
        .where(col(DashboardSession.token_hash) == keyed_hash(secret, token))
        .values(language=language)
    )
    await session.exec(statement)


async def close_session(session: AsyncSession, *, token: str, secret: str) -> None:
    if well_formed(token):
        statement = delete(DashboardSession).where(
            col(DashboardSession.token_hash) == keyed_hash(secret, token)
        )
        await session.exec(statement)
