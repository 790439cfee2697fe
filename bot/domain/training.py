"""Micro-trainings for professionals: invites, progress through a module, the quiz, certificates, figures.

The quiz in progress lives in the person's progress row, not in the buttons, so a score cannot be forged
and a certificate means what it says. A certificate keeps the name printed on it: `/verify` shows it, so a
copy bearing another name is caught.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.pack import Module, Question
from bot.db import dialect_insert
from bot.models import Certificate, Invite, Person, Professional, Progress, as_utc

# Codes people type or read aloud: no 0/O or 1/I.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# A certificate's code is checked by anyone, on a public page: 12 of 32 symbols are 60 random bits, so that
# even with a million certificates out, a guess finds one with odds of 1 in 10^12, and a million guesses a
# day (past the page's per-address limit) would take over two thousand years to find one on average.
CERTIFICATE_CODE_LENGTH = 12
_NOT_IN_CODES = re.compile(r"[^A-Za-z0-9]")


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def plain_code(code: str) -> str:
    """A code as typed or read: case, spaces, dashes and anything but Latin letters and digits do not
    matter (nor can they reach a query or a redirect)."""
    return _NOT_IN_CODES.sub("", code).upper()


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
    """Record the person as a verified professional if the code is valid, using one of its uses.

    The person is recorded first (ON CONFLICT DO NOTHING on their unique row), then one use is taken by a
    conditional UPDATE: of two people using the last use at once, one gets it and the other's row is
    taken back in the same transaction.
    """
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
    insert = await dialect_insert(session)
    table = Professional.__table__  # type: ignore[attr-defined]
    values = {"person_id": person.id, "kind": invite.kind, "verified_at": now}
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["person_id"])
    if not (await session.exec(statement)).rowcount:
        return Redeemed.ALREADY  # the same link opened twice at once: the other one recorded them
    use = (
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.uses_left) > 0)
        .values(uses_left=col(Invite.uses_left) - 1)
        .execution_options(synchronize_session=False)
    )
    if not (await session.exec(use)).rowcount:
        await session.exec(delete(Professional).where(col(Professional.person_id) == person.id))
        return Redeemed.USED_UP
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
    """The person's progress in the module, created at the first card when they start it.

    Created with INSERT ... ON CONFLICT DO NOTHING on (person, module): two first steps at once make one row.
    """
    insert = await dialect_insert(session)
    table = Progress.__table__  # type: ignore[attr-defined]
    values = {"person_id": person_id, "module": module, "started_at": now, "updated_at": now}
    await session.exec(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=["person_id", "module"])
    )
    query = (
        select(Progress)
        .where(Progress.person_id == person_id, Progress.module == module)
        .execution_options(populate_existing=True)
    )
    progress = (await session.exec(query)).one()
    progress.updated_at = now  # any step counts as activity: the "unfinished" nudge counts from here
    session.add(progress)
    await session.flush()
    return progress


async def record_answer(
    session: AsyncSession, *, person_id: int, module: str, number: int, gained: int, now: datetime
) -> bool:
    """Count the answer to question `number` if it is the one in progress; False when it was answered.

    One conditional UPDATE: of two answers to the same question at once, only one moves the quiz on.
    """
    statement = (
        update(Progress)
        .where(
            col(Progress.person_id) == person_id,
            col(Progress.module) == module,
            col(Progress.quiz_question) == number,
        )
        .values(quiz_points=col(Progress.quiz_points) + gained, quiz_question=number + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await session.exec(statement)).rowcount)


async def close_quiz(
    session: AsyncSession, *, progress: Progress, module: Module, now: datetime
) -> Result | None:
    """Score the finished quiz once; None when another press closed it first.

    The UPDATE only applies while the quiz still stands at its end with the points that were read, so
    "see my score" pressed twice counts one attempt.
    """
    assert progress.id is not None
    total = len(module.quiz)
    points_read = progress.quiz_points
    score = round(100 * points_read / total)
    result = Result(score, score >= module.pass_mark)
    passed_at = func.coalesce(col(Progress.passed_at), now) if result.passed else col(Progress.passed_at)
    statement = (
        update(Progress)
        .where(
            col(Progress.id) == progress.id,
            col(Progress.quiz_question) == total,
            col(Progress.quiz_points) == points_read,
        )
        .values(
            attempts=col(Progress.attempts) + 1,
            best_score=case(
                (col(Progress.best_score) < result.score, result.score), else_=col(Progress.best_score)
            ),
            quiz_question=None,
            quiz_points=0,
            updated_at=now,
            passed_at=passed_at,
        )
        .execution_options(synchronize_session=False)
    )
    closed = bool((await session.exec(statement)).rowcount)
    await session.refresh(progress)
    return result if closed else None


def points(question: Question, chosen: frozenset[int]) -> int:
    """1 when exactly the right options were chosen, else 0."""
    right = frozenset(index for index, option in enumerate(question.options) if option.correct)
    return int(chosen == right)


@dataclass(frozen=True)
class Result:
    score: int  # percent
    passed: bool


async def issue_certificate(
    session: AsyncSession,
    *,
    person_id: int,
    module: str,
    score: int,
    today: date,
    holder_name: str | None,
    territory: str | None,
) -> Certificate:
    """A new certificate, tied to its holder (so /forget deletes it) with the name printed on it."""
    certificate = Certificate(
        code=new_code(CERTIFICATE_CODE_LENGTH),
        module=module,
        score=score,
        issued_on=today,
        person_id=person_id,
        holder_name=holder_name,
        territory=territory,
    )
    session.add(certificate)
    await session.flush()
    return certificate


async def find_certificate(session: AsyncSession, *, code: str) -> Certificate | None:
    wanted = plain_code(code)
    if not wanted or len(wanted) > CERTIFICATE_CODE_LENGTH:
        return None  # no code is longer: no need to ask the database
    query = select(Certificate).where(Certificate.code == wanted)
    return (await session.exec(query)).first()
