"""The conversation state's rules, on SQLite and PostgreSQL: one row per chat, versions that keep a late step
from ending a newer wait, a relay that a typed-input wait cannot replace, expiry, /forget, the upgrade that
carries waits over; and the onboarding link field that keeps a deep link in the buttons until Accept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot import migrate
from bot.core.callbacks import MAX_BYTES, Action, pack
from bot.db import Database
from bot.domain import conversations
from bot.domain.conversations import INPUT_WAITS, Kind
from bot.domain.people import accept_notice
from bot.features.people.draft import (
    OTHER_SOURCE,
    Arrival,
    link_field,
    read_link_field,
)
from bot.features.people.personal_data import export_person, forget_person, purge_inactive

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
CHAT = 5_000_000_001  # above 2**32: chat ids need a BigInteger


async def test_begin_replaces_and_versions_decide_who_ends(database: Database) -> None:
    async with database.session() as session:
        first = await conversations.begin(
            session, chat_id=CHAT, kind=Kind.COMPOSER, data={"campaign": 1, "field": "title"}, now=NOW
        )
        second = await conversations.begin(
            session, chat_id=CHAT, kind=Kind.COMPOSER, data={"campaign": 1, "field": "date"}, now=NOW
        )
    assert first is not None and second is not None and second.version == first.version + 1
    async with database.session() as session:
        assert not await conversations.taken(session, first), "a late step cannot end the newer wait"
        now = await conversations.current(session, chat_id=CHAT, now=NOW)
        assert now is not None and now.text("field") == "date" and now.number("campaign") == 1
        assert not await conversations.end(session, chat_id=CHAT, kinds=[Kind.RELAY])
        assert await conversations.taken(session, second)
        assert not await conversations.taken(session, second), "only one step ends it"
        assert await conversations.current(session, chat_id=CHAT, now=NOW) is None


async def test_two_steps_claiming_one_answer_at_once_one_wins(database: Database) -> None:
    async with database.session() as session:
        waiting = await conversations.begin(
            session, chat_id=CHAT, kind=Kind.CERTIFICATE_NAME, data={"module": "m"}, now=NOW
        )
    assert waiting is not None

    async def claim() -> bool:
        async with database.session() as session:
            return await conversations.taken(session, waiting)

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


async def test_a_relay_is_not_replaced_by_a_wait_for_typed_input(database: Database) -> None:
    async with database.session() as session:
        await conversations.begin(session, chat_id=CHAT, kind=Kind.RELAY, data={"ticket": 7}, now=NOW)
        refused = await conversations.begin(
            session,
            chat_id=CHAT,
            kind=Kind.CERTIFICATE_NAME,
            data={"module": "m"},
            now=NOW,
            over=INPUT_WAITS,
        )
        assert refused is None
        kept = await conversations.current(session, chat_id=CHAT, now=NOW)
        assert kept is not None and kept.kind is Kind.RELAY and kept.number("ticket") == 7
        # Another request's end leaves it alone; its own ends it.
        assert await conversations.end_relay(session, chat_ids=[CHAT], ticket_id=8) == 0
        assert await conversations.end_relay(session, chat_ids=[CHAT], ticket_id=7) == 1
        assert await conversations.current(session, chat_id=CHAT, now=NOW) is None


async def test_waits_expire_and_are_purged(database: Database) -> None:
    async with database.session() as session:
        await conversations.begin(
            session,
            chat_id=CHAT,
            kind=Kind.CERTIFICATE_NAME,
            data={"module": "m"},
            now=NOW,
            lasts=timedelta(minutes=10),
        )
        await conversations.begin(session, chat_id=CHAT + 1, kind=Kind.RELAY, data={"ticket": 1}, now=NOW)
    later = NOW + timedelta(minutes=10)
    async with database.session() as session:
        assert await conversations.current(session, chat_id=CHAT, now=later - timedelta(seconds=1))
        assert await conversations.current(session, chat_id=CHAT, now=later) is None
        # An expired wait no longer holds the chat, even against a kind it could not replace.
        assert await conversations.begin(
            session, chat_id=CHAT, kind=Kind.COMPOSER, data={}, now=later, over=[Kind.COMPOSER]
        )
        await conversations.begin(
            session,
            chat_id=CHAT,
            kind=Kind.CERTIFICATE_NAME,
            data={"module": "m"},
            now=NOW,
            lasts=timedelta(minutes=10),
        )
        assert await conversations.purge_expired(session, now=later) == 1
        assert await conversations.kinds_of(session, chat_ids=[CHAT, CHAT + 1]) == {CHAT + 1: Kind.RELAY}


async def test_forget_export_and_retention_cover_the_conversation(database: Database) -> None:
    async with database.session() as session:
        for chat in (CHAT, CHAT + 1):
            await accept_notice(
                session, chat_id=chat, language="fr", role="parent", territory="demo", source=None, now=NOW
            )
            await conversations.begin(session, chat_id=chat, kind=Kind.RELAY, data={"ticket": 3}, now=NOW)
    async with database.session() as session:
        exported = await export_person(session, chat_id=CHAT)
        assert exported is not None
        assert [(row["kind"], row["data"]) for row in exported["conversation"]] == [("relay", '{"ticket":3}')]
        assert await forget_person(session, chat_id=CHAT)
        assert await purge_inactive(session, last_active_before=NOW.date() + timedelta(days=1)) == 1
        assert await conversations.kinds_of(session, chat_ids=[CHAT, CHAT + 1]) == {}


async def test_the_upgrade_carries_waits_in_progress_over(database: Database) -> None:
    await migrate.downgrade(database, "957c41e53f7e")
    async with database.session() as session:
        await accept_notice(
            session, chat_id=CHAT, language="fr", role="parent", territory="demo", source=None, now=NOW
        )
    # Rows as the previous version of the bot wrote them, in plain SQL: the models no longer know `awaiting`.
    async with database.engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO campaign (title, created_by, created_at, status, messages, audience, schedule, "
                "local_time, urgent, awaiting, runs, revision) VALUES ('t', 42, :now, 'draft', '{}', '{}', "
                "'now', true, false, 'title', 0, 0)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            sa.text(
                "INSERT INTO ticket (person_id, territory, topic, status, referent_id, reminders, "
                "created_at) SELECT id, 'demo', 'other', 'taken', 77, 0, :now FROM person"
            ),
            {"now": NOW},
        )
    await migrate.upgrade(database)
    async with database.session() as session:
        composer = await conversations.current(session, chat_id=42, now=NOW)
        assert composer is not None and composer.kind is Kind.COMPOSER
        assert composer.data == {"campaign": 1, "field": "title"}
        for chat in (CHAT, 77):
            relay = await conversations.current(session, chat_id=chat, now=NOW)
            assert relay is not None and relay.kind is Kind.RELAY and relay.data == {"ticket": 1}
    await migrate.downgrade(database, "957c41e53f7e")
    async with database.engine.connect() as connection:
        back = await connection.scalar(sa.text("SELECT awaiting FROM campaign"))
    assert back == "title", "a downgrade puts the draft's question back"


def test_the_link_field_fits_any_onboarding_button_and_is_checked_on_the_way_back() -> None:
    known = frozenset({"affiche-gare", "x" * 64})
    longest_fields = ("fr", "professional", "t" * 20, "y")  # role and territory at their longest
    for arrival in (
        Arrival(source="x" * 64),
        Arrival(source="affiche-gare"),
        Arrival(source=OTHER_SOURCE),
        Arrival(invite="ABCDEFGHJKLMNPQR"),
        Arrival(invite="not a code at all, far too long"),
        Arrival(),
    ):
        field = link_field(arrival)
        assert len(pack(Action.ONBOARDING, *longest_fields, field).encode()) <= MAX_BYTES
        back = read_link_field(field, known)
        if arrival.invite is not None and " " in arrival.invite:
            assert back == Arrival(invite=""), "an impossible code still gets its 'unknown' answer"
        else:
            assert back == arrival
    assert read_link_field(link_field(Arrival(source="affiche-gare")), frozenset()) == Arrival(
        source=OTHER_SOURCE
    ), "a code removed from the content since counts as other"
    for forged in ("z", "sshort", "o1", "i!!", "iABCDEFGHJKLMNPQRS"):
        assert read_link_field(forged, known) is None


async def test_requests_the_upgrade_closes_are_purged_like_any_closed_one(database: Database) -> None:
    """The one-live-request index closes the older of two live requests; it gets a closing date, or the
    retention purge (by `closed_at`) would keep it for good."""
    from bot.features.contact.ticket_store import purge_closed

    await migrate.downgrade(database, "957c41e53f7e")
    async with database.session() as session:
        await accept_notice(
            session, chat_id=CHAT, language="fr", role="parent", territory="demo", source=None, now=NOW
        )
    async with database.engine.begin() as connection:
        for _ in range(2):  # two open requests of one person, as a race on the previous version left them
            await connection.execute(
                sa.text(
                    "INSERT INTO ticket (person_id, territory, topic, status, reminders, created_at) "
                    "SELECT id, 'demo', 'other', 'open', 0, :now FROM person"
                ),
                {"now": NOW},
            )
    await migrate.upgrade(database)
    async with database.session() as session:
        assert await purge_closed(session, closed_before=datetime.now(UTC) + timedelta(days=1)) == 1
    async with database.engine.connect() as connection:
        assert await connection.scalar(sa.text("SELECT status FROM ticket")) == "open"
