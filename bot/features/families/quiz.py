"""Myth-busting cards: the quiz's order and score, and anonymous counts of right and wrong answers.

The quiz keeps no state on the server: its seed, position and score travel in the buttons, so a quiz
survives a restart and nothing about how a person answered is stored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.tallies import Tallies
from bot.models import MythCount

QUIZ_LENGTH = 5
NO_TERRITORY = "none"


@dataclass(frozen=True)
class Quiz:
    """A series of cards drawn from `seed`; `index` is the current card, `score` the right answers so far."""

    seed: int
    index: int = 0
    score: int = 0

    def cards(self, myth_ids: list[str]) -> list[str]:
        return random.Random(self.seed).sample(myth_ids, k=min(QUIZ_LENGTH, len(myth_ids)))

    def answered(self, right: bool) -> Quiz:
        return Quiz(self.seed, self.index + 1, self.score + (1 if right else 0))

    def finished(self, myth_ids: list[str]) -> bool:
        return self.index >= len(self.cards(myth_ids))

    def possible(self, myth_ids: list[str], *, answering: bool) -> bool:
        """Whether a real quiz can be in this state: the state travels in buttons, which may be forged or
        outlive a change of content. An answer needs a card to answer; a score cannot pass the cards seen."""
        total = len(self.cards(myth_ids))
        return self.index <= total and self.score <= self.index and not (answering and self.index >= total)


def is_right(said_true: bool, statement_true: bool) -> bool:
    """The person said "true" or "false" about a card whose statement is true or not."""
    return said_true == statement_true


def new_quiz(rng: random.Random | None = None) -> Quiz:
    return Quiz(seed=(rng or random.Random()).randrange(1_000_000))


def record_answer(tallies: Tallies, *, myth: str, territory: str | None, now: datetime, right: bool) -> None:
    """Count one answer, by card, territory and month, and nothing else: in memory, written in the
    background (bot/domain/tallies.py), so that the verdict never waits for the database's write lock."""
    table = MythCount.__table__  # type: ignore[attr-defined]
    keys = {"myth": myth, "territory": territory or NO_TERRITORY, "month": now.strftime("%Y-%m")}
    tallies.add(table, keys=keys, add={"correct": int(right), "mistaken": int(not right)})


async def answer_counts(session: AsyncSession) -> list[MythCount]:
    query = select(MythCount).order_by(MythCount.month, MythCount.myth, MythCount.territory)
    return list((await session.exec(query)).all())
