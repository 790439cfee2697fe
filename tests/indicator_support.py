"""People, answers and requests written straight into a database, for the indicator tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.counters import increment
from bot.models import MythCount, Person, Professional, Progress, ResourceCount

_next_chat = iter(range(10_000, 10**9))


def moment(month: str, day: int = 10) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, day, 12, tzinfo=UTC)


async def people(
    session: AsyncSession,
    count: int,
    *,
    month: str,
    territory: str,
    role: str = "parent",
    language: str = "fr",
) -> list[Person]:
    made = []
    for _ in range(count):
        person = Person(
            chat_id=next(_next_chat),
            language=language,
            role=role,
            territory=territory,
            consented_at=moment(month),
            last_active_on=date(2026, 12, 1),
        )
        session.add(person)
        made.append(person)
    await session.flush()
    return made


async def answers(
    session: AsyncSession, *, myth: str, territory: str, month: str, correct: int, mistaken: int
) -> None:
    session.add(MythCount(myth=myth, territory=territory, month=month, correct=correct, mistaken=mistaken))
    await session.flush()


async def trainings(
    session: AsyncSession, persons: list[Person], *, module: str, month: str, passed: bool, score: int,
    kind: str | None = None,
) -> None:  # fmt: skip
    for person in persons:
        assert person.id is not None
        if kind is not None:
            session.add(Professional(person_id=person.id, kind=kind, verified_at=moment(month)))
        session.add(
            Progress(
                person_id=person.id,
                module=module,
                best_score=score,
                attempts=1,
                started_at=moment(month),
                updated_at=moment(month),
                passed_at=moment(month, 20) if passed else None,
            )
        )
    await session.flush()


async def opened(session: AsyncSession, times: int, *, resource: str, territory: str, month: str) -> None:
    table = ResourceCount.__table__  # type: ignore[attr-defined]
    keys = {"resource": resource, "territory": territory, "month": month}
    await increment(session, table, keys=keys, add={"opened": times})
