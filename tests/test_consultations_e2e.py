"""Consultations on public space (issue 13 §2), through the real Application and the sandbox, on SQLite and
PostgreSQL: a coordinator publishes, residents of the territory answer (and change their answer), another
territory's resident sees nothing, closing by a coordinator and by the clock, results with small counts
hidden, an idea box whose texts are kept without their authors and deleted once tagged."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
from sqlmodel import col, select

from bot.core.callbacks import Action, pack
from bot.domain import consultations
from bot.domain.indicators.export import build_export
from bot.domain.scope import Scope
from bot.models import (
    AuditEntry,
    Campaign,
    Consultation,
    ConsultationAnswer,
    ConsultationIdea,
    CoordinatorGrant,
    IdeaGuard,
)
from sandbox.client import SandboxUser
from tests.campaign_support import add_person, bot_texts, received, run_clock
from tests.conftest import Harness, last

FOUNDER, BRUNO, CARLA = 900010, 900012, 900005  # Carla coordinates the island only

BENCHES = "\n".join(
    (
        "/consultation",
        "Faut-il des bancs place du marché ?",
        "- Oui",
        "- Non",
        "- Sans avis",
        "demo",
        "2026-11-27 2026-11-30",
    )
)


NOVEMBER: tuple[str, str, Literal["csv"]] = ("2026-11", "2026-11", "csv")


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{FOUNDER},{BRUNO}"}


async def _carla(harness: Harness) -> SandboxUser:
    async with harness.services.database.session() as session:
        session.add(
            CoordinatorGrant(
                user_id=CARLA, granted_by=FOUNDER, granted_at=harness.clock.now, territories=["ile"]
            )
        )
    return await harness.client.new_user("Carla", "fr", user_id=CARLA)


async def _only(harness: Harness) -> Consultation:
    async with harness.services.database.session() as session:
        (found,) = (await session.exec(select(Consultation))).all()
        return found


async def _answers(harness: Harness) -> list[tuple[int, int]]:
    async with harness.services.database.session() as session:
        rows = await session.exec(select(ConsultationAnswer.person_id, ConsultationAnswer.choice))
        return sorted(rows.all())


async def _open_card(user: SandboxUser, consultation: Consultation) -> None:
    await user.send("/consultation")
    await user.press(pack(Action.CONSULT, "v", str(consultation.id)))


async def _close_job(harness: Harness) -> None:
    """The JobQueue's own job, run once (its schedule is the JobQueue's business, not this test's)."""
    assert harness.app.job_queue is not None
    (job,) = harness.app.job_queue.get_jobs_by_name("consultations")
    await job.run(harness.app)


async def test_residents_answer_change_and_a_coordinator_closes_with_small_counts_hidden(
    harness: Harness,
) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    alice, bob, ines = await harness.user("Alice"), await harness.user("Bob"), await harness.user("Inès")
    alice_id = await add_person(harness, alice, role="resident", territory="demo")
    bob_id = await add_person(harness, bob, role="resident", territory="demo")
    await add_person(harness, ines, role="resident", territory="ile")

    await founder.send(BENCHES)
    preview = (await last(founder))["text"]
    assert "Aperçu" in preview and "Faut-il des bancs" in preview and "3. Sans avis" in preview
    assert (await _only(harness)).status == "draft"  # nothing reaches residents before publishing
    await alice.send("/consultations")
    assert "Aucune consultation" in (await last(alice))["text"]

    await founder.press("📣 Publier")
    consultation = await _only(harness)
    assert consultation.status == "published"
    async with harness.services.database.session() as session:
        campaign = await session.get(Campaign, consultation.campaign_id)
        audit = (await session.exec(select(AuditEntry).where(col(AuditEntry.action) == "consultation"))).one()
    assert campaign is not None and campaign.status == "approved"
    assert campaign.audience == {"roles": ["resident"], "territories": ["demo"]}
    assert audit.territories == ["demo"]

    # Residents who accept messages get it through the campaign machinery; the island's resident does not.
    await run_clock(harness)
    await received(alice, "Consultation sur l'espace public")
    await received(bob, "Consultation sur l'espace public")

    await alice.send("/consultations")
    await alice.press("Faut-il des bancs place du marché ?")
    await alice.press("Oui")
    assert "✅ Oui" in alice.buttons(await last(alice))
    await bob.send("/menu")  # from the residents' menu this time
    await bob.press("🗳 Consultations sur l'espace public")
    await bob.press("Faut-il des bancs place du marché ?")
    await bob.press("Non")
    await bob.press("Oui")  # changed: still one row
    assert await _answers(harness) == sorted([(alice_id, 0), (bob_id, 0)])

    # Another territory's resident neither sees it nor can answer it with a forged button.
    await ines.send("/consultations")
    reply = await last(ines)
    assert "Aucune consultation" in reply["text"] and "Faut-il" not in " ".join(ines.buttons(reply))
    await ines.press_data(pack(Action.CONSULT, "a", str(consultation.id), "1"), reply["message_id"])
    assert len(await _answers(harness)) == 2
    assert not [t for t in await bot_texts(ines) if "Consultation sur l'espace public" in t]

    # More answers, written by the same domain call the button makes: 6 yes, 5 no, 1 no opinion.
    voters = [
        (
            await add_person(harness, await harness.user(f"Voisin {n}"), role="resident", territory="demo"),
            choice,
        )
        for n, choice in enumerate([0] * 4 + [1] * 5 + [2])
    ]
    async with harness.services.database.session() as session:
        for person, choice in voters:
            await consultations.answer(
                session,
                consultation.id or 0,
                person_id=person,
                territory="demo",
                choice=choice,
                now=harness.clock.now,
            )

    await _open_card(founder, consultation)
    assert "Les résultats s'affichent à la clôture" in (await last(founder))["text"]
    await founder.press("🔒 Clore maintenant")
    card = (await last(founder))["text"]
    # "Sans avis" (1) is hidden, and "Non" (5, the smallest other) with it: the total would give it back.
    assert "Oui : 6" in card and "Non : —" in card and "Sans avis : —" in card and "Total : 12" in card
    closed = await _only(harness)
    assert closed.status == "closed" and closed.counts == [6, 5, 1]
    assert await _answers(harness) == []  # the per-person answers are gone: only the counts stay

    # An answer after closing is refused, from a button still in the chat.
    await alice.press("Non")
    assert await _answers(harness) == []

    # The evaluation export has it, suppressed the same way; a coordinator of the island does not see it.
    found = harness.services
    async with found.database.session() as session:
        whole = await build_export(session, found.content, found.catalogs.get("fr"), Scope.whole(), *NOVEMBER)
        island = await build_export(
            session, found.content, found.catalogs.get("fr"), Scope.of(["ile"]), *NOVEMBER
        )
    (row,) = [line for line in whole.decode("utf-8-sig").splitlines() if "Faut-il des bancs" in line]
    assert row.endswith(",6,masqué,masqué,0,0,0,12")
    assert "Faut-il des bancs" not in island.decode("utf-8-sig")


async def test_an_idea_box_keeps_texts_without_authors_until_tagged_and_the_clock_closes_it(
    harness: Harness,
) -> None:
    carla = await _carla(harness)
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    ines, yann = await harness.user("Inès"), await harness.user("Yann")
    await add_person(harness, ines, role="resident", territory="ile")
    await add_person(harness, yann, role="resident", territory="demo")

    # Carla may not publish for the other territory; her only one needs no naming.
    await carla.send("/consultation\nQue changer au square ?\ndemo\n2026-11-28")
    assert "Le territoire manque" in (await last(carla))["text"]
    await carla.send("/consultation Que changer au square ?\n2026-11-28")  # on the command's line too
    assert "Boîte à idées" in (await last(carla))["text"]
    await carla.press("📣 Publier")
    consultation = await _only(harness)
    assert consultation.territory == "ile" and consultation.salt

    await yann.send("/consultations")
    assert "Aucune consultation" in (await last(yann))["text"]
    await ines.send("/consultations")
    await ines.press("Que changer au square ?")
    await ines.press("✍️ Proposer une idée")
    await ines.send("Plus de lumière le soir")
    assert "votre idée est reçue" in (await last(ines))["text"]
    # A second idea from the same person is refused, even through a button kept from before.
    await ines.press_data(pack(Action.CONSULT, "i", str(consultation.id)), (await last(ines))["message_id"])
    await ines.send("Une deuxième idée")
    assert "déjà proposé une idée" in (await last(ines))["text"]
    await ines.send("lampadaire")  # the refusal ended the wait: this is a search, not a third idea
    assert "déjà proposé" not in (await last(ines))["text"]
    async with harness.services.database.session() as session:
        ideas = (await session.exec(select(ConsultationIdea))).all()
        guards = (await session.exec(select(IdeaGuard))).all()
    assert [idea.text for idea in ideas] == ["Plus de lumière le soir"] and len(guards) == 1
    assert "person_id" not in ConsultationIdea.__table__.columns  # type: ignore[attr-defined]

    # The clock closes it: the guard and its salt go; the untagged text stays until it is read.
    harness.clock.now += timedelta(days=3)
    await _close_job(harness)
    closed = await _only(harness)
    assert closed.status == "closed" and closed.salt is None
    await received(carla, "Consultation n° ")  # told, with a button to the results
    await received(founder, "Que changer au square ?")
    async with harness.services.database.session() as session:
        assert (await session.exec(select(IdeaGuard))).all() == []
    # Asking to write an idea once the box has closed is answered at once: nobody types for nothing.
    await yann.press_data(pack(Action.CONSULT, "i", str(consultation.id)), (await last(yann))["message_id"])
    assert "Ce bouton n'est plus valable" in (await last(yann))["text"]  # another territory's box
    await ines.press_data(pack(Action.CONSULT, "i", str(consultation.id)), (await last(ines))["message_id"])
    assert "Cette consultation est close" in (await last(ines))["text"]
    await ines.send("Une idée trop tard")
    async with harness.services.database.session() as session:
        assert len((await session.exec(select(ConsultationIdea))).all()) == 1

    await _open_card(carla, closed)
    assert "Idées à lire : 1" in (await last(carla))["text"]
    await carla.press("🏷 Lire et classer les idées")
    assert "Plus de lumière le soir" in (await last(carla))["text"]
    await carla.press("Éclairage")
    async with harness.services.database.session() as session:
        (idea,) = (await session.exec(select(ConsultationIdea))).all()
    assert idea.text is None and idea.tag == "lighting"  # only the tag stays
    card = (await last(carla))["text"]
    assert "Éclairage : —" in card and "Plus de lumière" not in card  # one idea: a small count, hidden

    # The whole deployment's coordinator sees it too; a territory coordinator would not see another's.
    await founder.send("/consultation")
    assert "Que changer au square ?" in " ".join(founder.buttons(await last(founder)))


async def test_two_coordinators_closing_at_once_close_it_once(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    await founder.send(BENCHES)
    await founder.press("🗑 Abandonner")  # a draft discarded is gone
    async with harness.services.database.session() as session:
        assert (await session.exec(select(Consultation))).all() == []
    await founder.send(BENCHES)
    await founder.press("📣 Publier")
    consultation = await _only(harness)
    await _open_card(founder, consultation)
    await _open_card(bruno, consultation)
    await asyncio.gather(founder.press("🔒 Clore maintenant"), bruno.press("🔒 Clore maintenant"))
    async with harness.services.database.session() as session:
        query = select(AuditEntry).where(col(AuditEntry.action) == "consultation_close")
        assert len((await session.exec(query)).all()) == 1
    assert (await _only(harness)).status == "closed"


async def _asked_for_an_idea(harness: Harness) -> SandboxUser:
    """Carla's idea box on the island is open, and Inès, who lives there, has just asked to write an idea."""
    carla = await _carla(harness)
    ines = await harness.user("Inès")
    await add_person(harness, ines, role="resident", territory="ile")
    await carla.send("/consultation Que changer au square ?\n2026-11-28")
    await carla.press("📣 Publier")
    await ines.send("/consultations")
    await ines.press("Que changer au square ?")
    await ines.press("✍️ Proposer une idée")
    return ines


async def test_an_idea_with_nothing_left_once_cleaned_is_asked_again_not_kept(harness: Harness) -> None:
    """Only direction marks or control characters: nothing to read, so no empty idea takes the person's one
    place in the box; the wait goes on and their real idea is taken."""
    ines = await _asked_for_an_idea(harness)
    await ines.send("\u202e\u2066 \u2069")
    assert "Écrivez votre idée" in (await last(ines))["text"]
    await ines.send("Des bancs à l'ombre")
    assert "votre idée est reçue" in (await last(ines))["text"]
    async with harness.services.database.session() as session:
        ideas = (await session.exec(select(ConsultationIdea))).all()
    assert [idea.text for idea in ideas] == ["Des bancs à l'ombre"]


async def test_a_territory_coordinator_cannot_reach_another_territorys_consultation_with_forged_buttons(
    harness: Harness,
) -> None:
    """Carla coordinates the island: every staff button naming the other territory's idea box is stale, and
    neither its state, its idea's text nor its tag moves."""
    carla = await _carla(harness)
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    yann = await harness.user("Yann")
    await add_person(harness, yann, role="resident", territory="demo")
    await founder.send("/consultation Que changer place du marché ?\ndemo\n2026-11-27 2026-11-30")
    await founder.press("📣 Publier")
    await yann.send("/consultations")
    await yann.press("Que changer place du marché ?")
    await yann.press("✍️ Proposer une idée")
    await yann.send("Un abri vélo")
    async with harness.services.database.session() as session:
        (idea,) = (await session.exec(select(ConsultationIdea))).all()
    consultation = await _only(harness)
    await carla.send("/consultation")
    listed = await last(carla)
    assert "Que changer place du marché" not in str(listed.get("reply_markup"))
    for fields in (("v",), ("t",), ("c",), ("p",), ("x",)):
        await carla.press_data(pack(Action.CONSULT, *fields, str(consultation.id)), listed["message_id"])
        shown = await last(carla)
        assert "Un abri vélo" not in shown["text"] and "Que changer" not in shown["text"], fields
    await carla.press_data(pack(Action.CONSULT, "g", str(idea.id), "0"), listed["message_id"])
    async with harness.services.database.session() as session:
        after = await session.get(ConsultationIdea, idea.id)
        assert after is not None and after.text == "Un abri vélo" and after.tag is None
    assert (await _only(harness)).status == "published"


async def test_opening_the_youth_space_ends_a_wait_for_an_idea(harness: Harness) -> None:
    """The youth space notes nothing, but it still ends the wait it interrupts, as any command does: what
    the person types next is a search, not an idea kept in a box."""
    ines = await _asked_for_an_idea(harness)
    await ines.send("/start jeunes")
    await ines.send("argent facile")
    assert "votre idée est reçue" not in (await last(ines))["text"]
    async with harness.services.database.session() as session:
        assert (await session.exec(select(ConsultationIdea))).all() == []
