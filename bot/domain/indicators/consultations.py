"""Consultations' results (objective 5, public space), once closed: the answers per option, the ideas per tag.

Each consultation is one sum (its options, or its tags, add up to its total), suppressed on its own: a count
under five is hidden, and a second one with it so that the total does not give it back. Consultations are
never added together. Nothing is shown before closing: the counts are taken at that moment. A territory
coordinator sees their territories' consultations only.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.consultation_ideas import TAGS, idea_counts
from bot.domain.consultations import MAX_OPTIONS, Status
from bot.domain.indicators.sources import months_between
from bot.domain.scope import Scope
from bot.domain.suppression import Cell, Line, suppress
from bot.domain.tables import TOTAL, Table, Value
from bot.models import Consultation, as_utc

OPTIONS = tuple(f"option_{number}" for number in range(1, MAX_OPTIONS + 1))
ANSWER_COLUMNS = (*OPTIONS, TOTAL)
TAG_COLUMNS = (*TAGS, TOTAL)


def safe(counts: Sequence[int], keys: Sequence[str]) -> dict[str, Value]:
    """The counts under `keys` and their TOTAL, small ones (and their complements) hidden."""
    values: dict[Cell, int] = dict(zip(keys, counts, strict=True))
    values[TOTAL] = sum(counts)
    hidden = suppress(values, [Line(TOTAL, tuple(keys))])
    return {key: None if key in hidden else int(values[key]) for key in (*keys, TOTAL)}


def consultation_key(consultation: Consultation) -> str:
    """A consultation's row: its closing day, number, territory, question and options (the coordinators'
    own words, so the row is its own label)."""
    closed = as_utc(consultation.closed_at or consultation.closes_at)
    options = " / ".join(f"{n}. {o}" for n, o in enumerate(consultation.options, 1))
    return (
        f"{closed:%Y-%m-%d} · n° {consultation.id} · {consultation.territory} · {consultation.question}"
        + (f" ({options})" if options else "")
    )


async def closed_in(session: AsyncSession, scope: Scope, first: str, last: str) -> list[Consultation]:
    months = set(months_between(first, last))
    query = (
        select(Consultation).where(col(Consultation.status) == Status.CLOSED).order_by(col(Consultation.id))
    )
    found = (await session.exec(query)).all()
    return [
        c
        for c in found
        if f"{as_utc(c.closed_at or c.closes_at):%Y-%m}" in months and scope.covers(c.territory)
    ]


async def consultation_tables(session: AsyncSession, scope: Scope, first: str, last: str) -> list[Table]:
    """consultation_answers: consultation x option (+ total); consultation_ideas: consultation x tag."""
    answers: dict[tuple[str, str], Value] = {}
    ideas: dict[tuple[str, str], Value] = {}
    answer_rows: list[str] = []
    idea_rows: list[str] = []
    for consultation in await closed_in(session, scope, first, last):
        key = consultation_key(consultation)
        if consultation.options:
            counts = list(consultation.counts or [0] * len(consultation.options))
            shown = safe(counts, OPTIONS[: len(counts)])
            answer_rows.append(key)
            answers.update({(key, column): value for column, value in shown.items()})
        else:
            tagged, _untagged = await idea_counts(session, consultation.id or 0)
            shown = safe([tagged.get(tag, 0) for tag in TAGS], TAGS)
            idea_rows.append(key)
            ideas.update({(key, column): value for column, value in shown.items()})
    return [
        Table("consultation_answers", "consultation", "option", tuple(answer_rows), ANSWER_COLUMNS, answers),
        Table("consultation_ideas", "consultation", "tag", tuple(idea_rows), TAG_COLUMNS, ideas),
    ]
