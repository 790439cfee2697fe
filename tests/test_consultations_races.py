"""Consultations between two sessions at once, as two instances of the bot (or two presses) would meet them,
on SQLite and PostgreSQL: the database decides, once. Also what /consultation accepts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, func, select

from bot.db import Database
from bot.domain import consultation_ideas as ideas
from bot.domain import consultations
from bot.domain.campaigns import Zones
from bot.domain.consultations import ConsultationError, Draft
from bot.domain.people import accept_notice
from bot.domain.scope import Scope
from bot.features.people.personal_data import forget_person, purge_inactive
from bot.models import Consultation, ConsultationAnswer, ConsultationIdea, IdeaGuard

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ZONES = Zones(by_territory={"demo": "Europe/Paris"}, default="Europe/Paris")
MESSAGES = {"fr": {"text": "Consultation"}}


async def published(database: Database, options: tuple[str, ...]) -> tuple[int, int]:
    """A published consultation of "demo" and one resident of it: their ids."""
    draft = Draft("Des bancs ?", options, "demo", date(2026, 11, 27), date(2026, 11, 30))
    async with database.session() as session:
        consultation = await consultations.create_draft(session, draft, by=1, now=NOW, zone="Europe/Paris")
        person = await accept_notice(
            session, chat_id=5001, language="fr", role="resident", territory="demo", source=None, now=NOW
        )
    async with database.session() as session:
        await consultations.publish(
            session, consultation.id or 0, by=1, scope=Scope.whole(), now=NOW, zones=ZONES, messages=MESSAGES
        )
    return consultation.id or 0, person.id or 0


async def test_two_answers_at_once_leave_one_row(database: Database) -> None:
    consultation_id, person_id = await published(database, ("Oui", "Non"))

    async def press(choice: int) -> None:
        async with database.session() as session:
            await consultations.answer(
                session, consultation_id, person_id=person_id, territory="demo", choice=choice, now=NOW
            )

    await asyncio.gather(press(0), press(1))
    async with database.session() as session:
        rows = (await session.exec(select(ConsultationAnswer))).all()
    assert len(rows) == 1 and rows[0].choice in (0, 1)


async def test_an_answer_and_the_closing_at_once_never_leave_an_answer_uncounted(database: Database) -> None:
    consultation_id, person_id = await published(database, ("Oui", "Non"))

    async def press() -> bool:
        try:
            async with database.session() as session:
                await consultations.answer(
                    session, consultation_id, person_id=person_id, territory="demo", choice=1, now=NOW
                )
        except ConsultationError:
            return False
        return True

    async def close() -> bool:
        async with database.session() as session:
            return await consultations.close(session, consultation_id, by=1, scope=Scope.whole(), now=NOW)

    answered, closed = await asyncio.gather(press(), close())
    assert closed
    async with database.session() as session:
        left = (await session.exec(select(func.count()).select_from(ConsultationAnswer))).one()
        consultation = await session.get(Consultation, consultation_id)
    assert left == 0  # counted then deleted, or refused: never written after the counts
    assert consultation is not None and consultation.counts == ([0, 1] if answered else [0, 0])


async def test_two_ideas_at_once_from_one_person_keep_one(database: Database) -> None:
    consultation_id, person_id = await published(database, ())

    async def write(text: str) -> bool:
        try:
            async with database.session() as session:
                await ideas.add_idea(
                    session, consultation_id, person_id=person_id, territory="demo", text=text, now=NOW
                )
        except ConsultationError as error:
            assert error.reason == "already"
            return False
        return True

    assert sorted(await asyncio.gather(write("Un"), write("Deux"))) == [False, True]
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(ConsultationIdea))).one() == 1
        (guard,) = (await session.exec(select(IdeaGuard))).all()
    assert len(guard.digest) == 64 and "person_id" not in IdeaGuard.__table__.columns  # type: ignore[attr-defined]


async def test_two_coordinators_tagging_one_idea_at_once_tag_it_once(database: Database) -> None:
    consultation_id, person_id = await published(database, ())
    async with database.session() as session:
        await ideas.add_idea(
            session, consultation_id, person_id=person_id, territory="demo", text="Un", now=NOW
        )
        idea = await ideas.idea_to_tag(session, consultation_id)
    assert idea is not None

    async def tag(chosen: str) -> bool:
        async with database.session() as session:
            return await ideas.tag_idea(session, idea.id, tag=chosen)

    assert sorted(await asyncio.gather(tag("safety"), tag("other"))) == [False, True]
    async with database.session() as session:
        tagged, untagged = await ideas.idea_counts(session, consultation_id)
        texts = await session.exec(
            select(ConsultationIdea.text).where(col(ConsultationIdea.text).is_not(None))
        )
        assert texts.all() == []
    assert sum(tagged.values()) == 1 and untagged == 0


def test_what_consultation_accepts() -> None:
    today = date(2026, 11, 27)
    known, mine = ("demo", "ile"), ("ile",)

    def parse(text: str) -> Draft | str:
        return consultations.parse(text, territories=known, allowed=mine, today=today)

    assert parse("Que changer ?\n2026-11-30") == Draft("Que changer ?", (), "ile", today, date(2026, 11, 30))
    assert parse("Q ?\n- A\n- B\nile\n2026-11-28 2026-12-01") == Draft(
        "Q ?", ("A", "B"), "ile", date(2026, 11, 28), date(2026, 12, 1)
    )
    assert parse("Q ?\ndemo\n2026-11-30") == "territory"  # known, but not theirs
    assert parse("Q ?\n- A\n2026-11-30") == "options"  # one option is no choice
    assert parse("Q ?\n- A\n- A\n2026-11-30") == "options"
    assert parse("Q ?\n" + "".join(f"- {n}\n" for n in range(7)) + "2026-11-30") == "options"
    assert parse("Q ?\n2026-11-26 2026-11-30") == "dates"  # opens in the past
    assert parse("Q ?\n2026-11-30 2026-11-29") == "dates"
    assert parse(f"Q ?\n{today + timedelta(days=93)}") == "dates"
    assert parse("Q ?\n2026-02-30") == "dates"  # no such day: no date at all
    assert parse("Q ?\nune autre ligne\n2026-11-30") == "unreadable"
    assert parse("\n2026-11-30") == "question"
    # A question may name a day: only a line of dates alone gives the dates.
    assert parse("Fête du 2026-12-05 : quoi ?\n2026-11-30") == Draft(
        "Fête du 2026-12-05 : quoi ?", (), "ile", today, date(2026, 11, 30)
    )


async def test_forget_deletes_the_persons_answer_and_idea_guard(database: Database) -> None:
    choice_id, person_id = await published(database, ("Oui", "Non"))
    draft = Draft("Des idées ?", (), "demo", date(2026, 11, 27), date(2026, 11, 30))
    async with database.session() as session:
        box = await consultations.create_draft(session, draft, by=1, now=NOW, zone="Europe/Paris")
    async with database.session() as session:
        await consultations.publish(
            session, box.id or 0, by=1, scope=Scope.whole(), now=NOW, zones=ZONES, messages=MESSAGES
        )
    async with database.session() as session:
        await consultations.answer(
            session, choice_id, person_id=person_id, territory="demo", choice=1, now=NOW
        )
        await ideas.add_idea(session, box.id or 0, person_id=person_id, territory="demo", text="Un", now=NOW)
    async with database.session() as session:
        assert await forget_person(session, chat_id=5001)
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(ConsultationAnswer))).one() == 0
        assert (await session.exec(select(func.count()).select_from(IdeaGuard))).one() == 0
        # The idea stays: it names no one, and is deleted when a coordinator tags it.
        assert (await session.exec(select(func.count()).select_from(ConsultationIdea))).one() == 1


async def test_the_retention_purge_deletes_an_idea_guard_like_forget_does(database: Database) -> None:
    """Someone deleted for inactivity leaves no HMAC behind: SQLite may hand their id to the next person,
    who would otherwise find the box "already answered" (and learn that someone with it wrote)."""
    consultation_id, person_id = await published(database, ())
    async with database.session() as session:
        await ideas.add_idea(
            session, consultation_id, person_id=person_id, territory="demo", text="Un banc", now=NOW
        )
    async with database.session() as session:
        assert await purge_inactive(session, last_active_before=NOW.date() + timedelta(days=400)) == 1
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(IdeaGuard))).one() == 0
        assert (await session.exec(select(func.count()).select_from(ConsultationIdea))).one() == 1


async def test_an_idea_guard_cannot_be_computed_from_the_database_alone(database: Database) -> None:
    """Someone who reads the database (or a backup) while a box is open has each box's salt and every
    person's id: the guards must still name nobody, or the order they were written in would match each
    idea to its author. The pepper they are keyed with too is never stored."""
    consultation_id, person_id = await published(database, ())
    pepper = b"p" * 32
    async with database.session() as session:
        await ideas.add_idea(
            session,
            consultation_id,
            person_id=person_id,
            territory="demo",
            text="Un banc",
            now=NOW,
            pepper=pepper,
        )
    async with database.session() as session:
        salt = (await session.get(Consultation, consultation_id)).salt  # type: ignore[union-attr]
        stored = set((await session.exec(select(IdeaGuard.digest))).all())
    assert salt is not None and len(stored) == 1
    from_the_database = hmac.new(bytes.fromhex(salt), str(person_id).encode(), hashlib.sha256).hexdigest()
    assert from_the_database not in stored
    # With the pepper, the bot still finds the person's own guard: one idea each, /forget deletes it.
    async with database.session() as session:
        consultation = await session.get(Consultation, consultation_id)
        assert consultation is not None
        assert await ideas.has_idea(session, consultation, person_id=person_id, pepper=pepper)
        assert not await ideas.has_idea(session, consultation, person_id=person_id)
        await ideas.forget_guards(session, person_ids=[person_id], pepper=pepper)
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(IdeaGuard))).one() == 0
