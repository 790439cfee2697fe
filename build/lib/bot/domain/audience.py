"""Who a campaign reaches: roles, territories, languages, subscriptions and deep-link sources.

An empty list means "anyone"; the lists combine with AND between them and OR within one. People who turned
messages off or whom Telegram reported unreachable are never part of an audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Person, Subscription

KEYS = ("roles", "territories", "languages", "topics", "sources")
NO_SOURCE = "-"  # people who came without a deep link


@dataclass(frozen=True)
class Audience:
    roles: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        values = {key: tuple(str(v) for v in data.get(key) or ()) for key in KEYS}
        return cls(**values)

    def to_json(self) -> dict[str, list[str]]:
        return {key: list(getattr(self, key)) for key in KEYS if getattr(self, key)}

    def toggled(self, key: str, value: str) -> Audience:
        """The audience with `value` added to, or removed from, the list `key`."""
        current: tuple[str, ...] = getattr(self, key)
        changed = tuple(v for v in current if v != value) if value in current else (*current, value)
        return Audience.from_json({**self.to_json(), key: list(changed)})

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [
            col(Person.messages_enabled).is_(True),
            col(Person.unreachable).is_(False),
        ]
        if self.roles:
            found.append(col(Person.role).in_(self.roles))
        if self.territories:
            found.append(col(Person.territory).in_(self.territories))
        if self.languages:
            found.append(col(Person.language).in_(self.languages))
        if self.sources:
            named = [s for s in self.sources if s != NO_SOURCE]
            source_matches = col(Person.source).in_(named)
            found.append(
                source_matches | col(Person.source).is_(None) if NO_SOURCE in self.sources else source_matches
            )
        if self.topics:
            found.append(
                exists(
                    select(col(Subscription.id)).where(
                        col(Subscription.person_id) == col(Person.id),
                        col(Subscription.topic).in_(self.topics),
                    )
                )
            )
        return found


async def count_audience(session: AsyncSession, audience: Audience) -> int:
    query = select(func.count()).select_from(Person).where(*audience.conditions())
    return int((await session.exec(query)).one()[0])  # type: ignore[call-overload]


async def count_by_territory(session: AsyncSession, audience: Audience) -> dict[str, int]:
    """How many recipients per territory: for the time each zone's share of the send will take."""
    query = (
        select(col(Person.territory), func.count())
        .where(*audience.conditions())
        .group_by(col(Person.territory))
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return {str(territory): int(count) for territory, count in rows}
