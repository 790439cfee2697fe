"""Who a campaign reaches: roles, territories, languages, subscriptions and deep-link sources.

An empty list means "anyone"; the lists combine with AND between them and OR within one. People who turned
messages off or whom Telegram reported unreachable are never part of an audience. Staff (the coordinators,
when they also accepted the notice as a person) are left out unless the audience says `staff`: "everyone"
means the families and professionals the campaign is for, not the people who write it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import CoordinatorGrant, Person, Subscription

KEYS = ("roles", "territories", "languages", "topics", "sources")
NO_SOURCE = "-"  # people who came without a deep link


@dataclass(frozen=True)
class Audience:
    roles: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    staff: bool = False  # chosen explicitly: the coordinators who are also people of the bot

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        values = {key: tuple(str(v) for v in data.get(key) or ()) for key in KEYS}
        return cls(**values, staff=data.get("staff") is True)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {key: list(getattr(self, key)) for key in KEYS if getattr(self, key)}
        if self.staff:
            found["staff"] = True
        return found

    def toggled(self, key: str, value: str) -> Audience:
        """The audience with `value` added to, or removed from, the list `key`."""
        current: tuple[str, ...] = getattr(self, key)
        changed = tuple(v for v in current if v != value) if value in current else (*current, value)
        return Audience.from_json({**self.to_json(), key: list(changed)})

    def with_staff(self, staff: bool) -> Audience:
        return Audience.from_json({**self.to_json(), "staff": staff})

    def conditions(self, configured: Collection[int] = ()) -> list[ColumnElement[bool]]:
        """The WHERE clauses on Person; `configured` is the COORDINATORS setting (granted coordinators are
        read from the database)."""
        found: list[ColumnElement[bool]] = [
            col(Person.messages_enabled).is_(True),
            col(Person.unreachable).is_(False),
        ]
        if not self.staff:
            if configured:
                found.append(col(Person.chat_id).not_in(list(configured)))
            granted = select(col(CoordinatorGrant.id)).where(
                col(CoordinatorGrant.user_id) == col(Person.chat_id)
            )
            found.append(~exists(granted))
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


async def count_audience(
    session: AsyncSession, audience: Audience, *, configured: Collection[int] = ()
) -> int:
    """How many people the audience matches now; `configured`: the COORDINATORS setting, left out with
    the other staff unless the audience includes them."""
    query = select(func.count()).select_from(Person).where(*audience.conditions(configured))
    return int((await session.exec(query)).one()[0])  # type: ignore[call-overload]
