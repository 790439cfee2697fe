"""Micro-trainings for professionals: invites, progress through a module, the quiz, certificates, figures.

The quiz in progress lives in the person's progress row, not in the buttons, so a score cannot be forged
and a certificate means what it says. Certificates name nobody: `/verify` confirms a code, not a person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.pack import Module, Question
from bot.models import Certificate, Invite, Person, Professional, Progress, as_utc

# Codes people type or read aloud: no 0/O or 1/I.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SMALL_COUNT = 5  # figures under this are not shown, so that nobody can be singled out


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


class Redeemed(StrEnum):
    OK = "ok"
    ALREADY = "already"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"


async def create_invite(
    session: AsyncSession, *, territory: str | None, kind: str | None, uses: int, days: int, now: datetime
) -> Invite:
    invite = Invite(
        code=new_code(),
        territory=territory,
        kind=kind,
        uses_left=uses,
        expires_at=now + timedelta(days=days),
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    return invite


async def redeem_invite(session: AsyncSession, *, code: str, person: Person, now: datetime) -> Redeemed:
    """Record the person as a verified professional if the code is valid, using one of its uses."""
    assert person.id is not None
    invite = (await session.exec(select(Invite).where(Invite.code == code.strip().upper()))).first()
    if invite is None:
        return Redeemed.UNKNOWN
    if await is_verified(session, person_id=person.id):
        return Redeemed.ALREADY
    if as_utc(invite.expires_at) <= now:
        return Redeemed.EXPIRED
    if invite.uses_left <= 0:
        return Redeemed.USED_UP
    invite.uses_left -= 1
    session.add(invite)
    session.add(Professional(person_id=person.id, kind=invite.kind, verified_at=now))
    person.role = "professional"
    if invite.territory:
        person.territory = invite.territory
    session.add(person)
    return Redeemed.OK


async def is_verified(session: AsyncSession, *, person_id: int) -> bool:
    return await professional(session, person_id=person_id) is not None


async def professional(session: AsyncSession, *, person_id: int) -> Professional | None:
    query = select(Professional).where(Professional.person_id == person_id)
    return (await session.exec(query)).first()


async def progress_of(session: AsyncSession, *, person_id: int) -> dict[str, Progress]:
    rows = (await session.exec(select(Progress).where(Progress.person_id == person_id))).all()
    return {row.module: row for row in rows}


async def open_module(session: AsyncSession, *, person_id: int, module: str, now: datetime) -> Progress:
    """The person's progress in the module, created at the first card when they start it."""
    query = select(Progress).where(Progress.person_id == person_id, Progress.module == module)
    progress = (await session.exec(query)).first()
    if progress is None:
        progress = Progress(person_id=person_id, module=module, started_at=now, updated_at=now)
    progress.updated_at = now  # any step counts as activity: the "unfinished" nudge counts from here
    session.add(progress)
    await session.flush()
    return progress


def points(question: Question, chosen: frozenset[int]) -> int:
    """1 when exactly the right options were chosen, else 0."""
    right = frozenset(index for index, option in enumerate(question.options) if option.correct)
    return int(chosen == right)


@dataclass(frozen=True)
class Result:
    score: int  # percent
    passed: bool


def finish(progress: Progress, module: Module, now: datetime) -> Result:
    """Close the quiz in progress: the score, whether it passes, and the progress updated."""
    score = round(100 * progress.quiz_points / len(module.quiz))
    passed = score >= module.pass_mark
    progress.attempts += 1
    progress.best_score = max(progress.best_score, score)
    progress.quiz_question, progress.quiz_points = None, 0
    progress.updated_at = now
    if passed and progress.passed_at is None:
        progress.passed_at = now
    return Result(score, passed)


async def issue_certificate(session: AsyncSession, *, module: str, score: int, today: date) -> Certificate:
    certificate = Certificate(code=new_code(), module=module, score=score, issued_on=today)
    session.add(certificate)
    await session.flush()
    return certificate


async def find_certificate(session: AsyncSession, *, code: str) -> Certificate | None:
    query = select(Certificate).where(Certificate.code == code.strip().upper())
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class ModuleFigures:
    module: str
    territory: str
    started: int | None  # None: fewer than SMALL_COUNT, not shown
    passed: int | None
    average_score: int | None


def _shown(count: int) -> int | None:
    return count if count >= SMALL_COUNT else None


async def training_figures(session: AsyncSession) -> list[ModuleFigures]:
    """Started, passed and average best score per module and territory; small counts suppressed."""
    query = (
        select(  # type: ignore[call-overload]
            Progress.module,
            Person.territory,
            func.count(),
            func.count(col(Progress.passed_at)),
            func.avg(col(Progress.best_score)),
        )
        .join(Person, col(Person.id) == col(Progress.person_id))
        .group_by(col(Progress.module), col(Person.territory))
        .order_by(col(Progress.module), col(Person.territory))
    )
    figures = []
    for module, territory, started, passed, average in (await session.exec(query)).all():
        shown = _shown(int(started))
        if shown is None:
            continue  # even "fewer than 5" would tell that someone there started it
        figures.append(
            ModuleFigures(
                module,
                territory,
                shown,
                _shown(int(passed)) if shown is not None else None,
                round(float(average)) if shown is not None and average is not None else None,
            )
        )
    return figures
