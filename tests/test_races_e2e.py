"""Races fired for real: two presses sent to the sandbox at the same moment, through the real Application
and its update processor, on SQLite and PostgreSQL.

Each test posts both presses with `asyncio.gather` (no wait in between), waits until the bot has handled
both, then checks what the database decided: one person, one counted answer, one approval, one cancel,
one referent, and a short answer for whoever came second.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.core.callbacks import Action, pack
from bot.delivery.jobs import zones_of
from bot.domain import campaigns, training
from bot.domain.people import get_person
from bot.features.campaigns.approval import ask_approval
from bot.models import AuditEntry, Campaign, CampaignRun, CampaignStatus, Outbox, Person, Ticket
from sandbox.client import SandboxUser
from tests.campaign_support import add_person, bot_texts, received, run_clock, wait_for
from tests.conftest import Harness, last
from tests.test_referent_relay_e2e import REFERENTS, ask_for_contact
from tests.test_training_e2e import COORDINATOR, invite_link, professional

ALICE, BRUNO, CAROL = 900101, 900102, 900103
MODULE = "networks_and_minors"
JSON = dict[str, Any]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{ALICE},{BRUNO},{CAROL},{COORDINATOR}", "approval_threshold": 0}


async def press_at_once(harness: Harness, *presses: tuple[SandboxUser, str, int]) -> dict[int, list[JSON]]:
    """Post every press to the sandbox at the same moment; each user's events once the bot handled all."""
    users = {user.id: user for user, _, _ in presses}
    for user in users.values():
        await user.skip_pending()
    replies = await asyncio.gather(
        *(
            harness.client.request(
                "POST", f"/users/{user.id}/callbacks", json={"message_id": message_id, "data": data}
            )
            for user, data, message_id in presses
        )
    )
    assert harness.client.processed is not None
    for reply in replies:
        await asyncio.wait_for(harness.client.processed(int(reply["update_id"])), 30)
    return {user_id: await user.poll_events(0) for user_id, user in users.items()}


def alerts(events: list[JSON]) -> list[str]:
    return [str(e.get("text") or "") for e in events if e["type"] == "callback_answer" and e.get("text")]


async def count(harness: Harness, query: Any) -> int:
    async with harness.services.database.session() as session:
        return int((await session.exec(query)).one())


async def audits(harness: Harness, campaign_id: int, action: str) -> int:
    query = select(func.count()).where(
        col(AuditEntry.campaign_id) == campaign_id, col(AuditEntry.action) == action
    )
    return await count(harness, query)


async def stored(harness: Harness, campaign_id: int) -> Campaign:
    async with harness.services.database.session() as session:
        found = await campaigns.get_campaign(session, campaign_id)
    assert found is not None
    return found


# -- a person ------------------------------------------------------------------------------------------


async def test_double_tap_on_accept_makes_one_person_and_one_welcome(harness: Harness) -> None:
    user = await harness.user("Double", "fr")
    await user.send("/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    notice = await last(user)
    accept = next(
        b["callback_data"]
        for row in notice["reply_markup"]["inline_keyboard"]
        for b in row
        if "J'accepte" in b["text"]
    )
    await press_at_once(harness, (user, accept, notice["message_id"]), (user, accept, notice["message_id"]))
    assert await count(harness, select(func.count()).where(col(Person.chat_id) == user.id)) == 1
    texts = await bot_texts(user)
    assert len([t for t in texts if "Vos choix sont enregistrés" in t]) == 1
    assert len([t for t in texts if "Bon retour" in t]) == 1  # the second press sees the first one's work


async def test_two_answers_to_one_quiz_question_count_once(harness: Harness) -> None:
    pro = await professional(harness, await invite_link(harness))
    menu = await last(pro)
    await pro.press_data(pack(Action.TRAINING, "q", MODULE), menu["message_id"])
    question_message = await last(pro)
    module = harness.services.content.module("fr", MODULE)
    assert module is not None
    number = next(i for i, q in enumerate(module.quiz) if not q.multiple)
    if number:  # reach the first single-choice question through the quiz itself
        async with harness.services.database.session() as session:
            person = await get_person(session, chat_id=pro.id)
            assert person is not None and person.id is not None
            progress = await training.open_module(
                session, person_id=person.id, module=MODULE, now=harness.clock.now
            )
            progress.quiz_question = number
            session.add(progress)
    right = next(i for i, o in enumerate(module.quiz[number].options) if o.correct)
    wrong = next(i for i, o in enumerate(module.quiz[number].options) if not o.correct)
    events = await press_at_once(
        harness,
        (pro, pack(Action.TRAINING, "a", MODULE, str(number), str(right)), question_message["message_id"]),
        (pro, pack(Action.TRAINING, "a", MODULE, str(number), str(wrong)), question_message["message_id"]),
    )
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=pro.id)
        assert person is not None and person.id is not None
        progress = (await training.progress_of(session, person_id=person.id))[MODULE]
    assert progress.quiz_question == number + 1, "the quiz moved on by one question, not two"
    assert progress.quiz_points in (0, 1)
    assert any("plus valable" in text for text in alerts(events[pro.id])), "the second answer was refused"


# -- coordinators ------------------------------------------------------------------------------------------


@dataclass
class Pending:
    """A campaign by Alice waiting for approval; Bruno and Carol, and the request each of them received."""

    campaign: Campaign
    bruno: SandboxUser
    carol: SandboxUser
    requests: dict[int, int]  # coordinator -> the request's message id

    async def press_both(self, harness: Harness, bruno_data: str, carol_data: str) -> dict[int, list[JSON]]:
        return await press_at_once(
            harness,
            (self.bruno, bruno_data, self.requests[BRUNO]),
            (self.carol, carol_data, self.requests[CAROL]),
        )


async def pending_campaign(harness: Harness) -> Pending:
    """A campaign due in two days, waiting for approval: approving starts nothing yet."""
    found = harness.services
    parent = await harness.user("Parent")
    await add_person(harness, parent)
    async with found.database.session() as session:
        draft = await campaigns.create_draft(session, by=ALICE, title="Course", now=harness.clock.now)
        draft.messages = {"fr": {"text": "Réunion au collège"}}
        draft.schedule, draft.time_of_day = "once", "18:00"
        draft.on_date = (harness.clock.now + timedelta(days=2)).date()
        status = await campaigns.submit(
            session, draft, by=ALICE, now=harness.clock.now, zones=zones_of(found), threshold=0
        )
        assert status == CampaignStatus.PENDING
    users = {
        BRUNO: await harness.client.new_user("Bruno", "fr", user_id=BRUNO),
        CAROL: await harness.client.new_user("Carol", "fr", user_id=CAROL),
    }
    await harness.client.new_user("Alice", "fr", user_id=ALICE)
    await ask_approval(harness.app, found, draft, 1)
    requests: dict[int, int] = {}
    for user_id, user in users.items():

        async def request(user: SandboxUser = user) -> JSON | None:
            mine = [m for m in await user.messages() if "Approbation demandée" in (m.get("text") or "")]
            return mine[-1] if mine else None

        requests[user_id] = int((await wait_for(request, what="the approval request"))["message_id"])
    return Pending(draft, users[BRUNO], users[CAROL], requests)


async def test_two_coordinators_approving_at_once_approve_once(harness: Harness) -> None:
    pending = await pending_campaign(harness)
    draft = pending.campaign
    approve = pack(Action.CAMPAIGN, str(draft.id), "ok", str(draft.revision))
    events = await pending.press_both(harness, approve, approve)
    assert (await stored(harness, draft.id or 0)).status == CampaignStatus.APPROVED
    assert await audits(harness, draft.id or 0, "approve") == 1
    told = alerts(events[BRUNO]) + alerts(events[CAROL])
    assert told.count("Cette campagne est déjà approuvée.") == 1
    alice = SandboxUser(harness.client, {"id": ALICE, "first_name": "Alice"})
    assert len([t for t in await bot_texts(alice) if "a été approuvée par" in t]) == 1


async def test_two_coordinators_cancelling_at_once_cancel_once(harness: Harness) -> None:
    pending = await pending_campaign(harness)
    draft = pending.campaign
    cancel = pack(Action.CAMPAIGN, str(draft.id), "X")
    events = await pending.press_both(harness, cancel, cancel)
    assert (await stored(harness, draft.id or 0)).status == CampaignStatus.CANCELLED
    assert await audits(harness, draft.id or 0, "cancel") == 1
    told = alerts(events[BRUNO]) + alerts(events[CAROL])
    assert told.count("Cette campagne est déjà annulée.") == 1


async def test_approve_and_cancel_at_once_end_cancelled_and_nothing_sent(harness: Harness) -> None:
    pending = await pending_campaign(harness)
    draft = pending.campaign
    events = await pending.press_both(
        harness,
        pack(Action.CAMPAIGN, str(draft.id), "ok", str(draft.revision)),
        pack(Action.CAMPAIGN, str(draft.id), "X"),
    )
    final = await stored(harness, draft.id or 0)
    assert final.status == CampaignStatus.CANCELLED and final.next_run_at is None
    assert await audits(harness, draft.id or 0, "cancel") == 1
    approved = await audits(harness, draft.id or 0, "approve")
    # Either the approval came first and the cancel undid it, or the cancel came first and the approval
    # was refused: never both refused, never an approved campaign left behind.
    assert approved == 1 or "Cette campagne est déjà annulée." in alerts(events[BRUNO])
    harness.clock.now += timedelta(days=3)
    await run_clock(harness)
    runs = select(func.count()).where(col(CampaignRun.campaign_id) == draft.id)
    assert await count(harness, runs) == 0


# -- a person and the sender ------------------------------------------------------------------------


async def test_a_button_pressed_while_a_campaign_to_that_person_is_sent(harness: Harness) -> None:
    parent = await harness.user("Parent")
    person_id = await add_person(harness, parent)
    await parent.send("/menu")
    menu = await last(parent)
    found = harness.services
    async with found.database.session() as session:
        draft = await campaigns.create_draft(session, by=ALICE, title="Pendant", now=harness.clock.now)
        draft.messages = {"fr": {"text": "Message de campagne pendant un clic"}}
        zones = zones_of(found)
        await campaigns.submit(session, draft, by=ALICE, now=harness.clock.now, zones=zones, threshold=0)
        await campaigns.approve(session, draft, by=BRUNO, now=harness.clock.now, zones=zones)
    button = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # The clock starts the run and wakes the sender while the person's press is being handled.
    await asyncio.gather(run_clock(harness), press_at_once(harness, (parent, button, menu["message_id"])))
    assert await received(parent, "Message de campagne pendant un clic")

    async def sent() -> bool:
        query = select(func.count()).where(col(Outbox.person_id) == person_id, col(Outbox.status) == "sent")
        return await count(harness, query) == 1

    await wait_for(sent, what="the campaign's row recorded as sent")
    async with found.database.session() as session:
        person = await get_person(session, chat_id=parent.id)
    assert person is not None and not person.unreachable and person.messages_enabled


# -- referents ---------------------------------------------------------------------------------------------


async def test_a_referent_double_tapping_take_gets_the_request_once(harness: Harness) -> None:
    """The sandbox has private chats only, so the referents' chat is one referent's: the double tap is the
    race fired here; two referents on two instances are fired against the database below."""
    referent = await harness.client.new_user("Éducatrice", "fr", user_id=REFERENTS)
    parent = await harness.user("Samira")
    await parent.send("/start")
    await parent.press("Français")
    await parent.press("Parent ou proche d'un jeune")
    await parent.press("✅ J'accepte")
    await ask_for_contact(parent)
    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    take = next(b["callback_data"] for row in announcement["reply_markup"]["inline_keyboard"] for b in row)
    message_id = announcement["message_id"]
    events = await press_at_once(harness, (referent, take, message_id), (referent, take, message_id))
    async with harness.services.database.session() as session:
        tickets = list((await session.exec(select(Ticket))).all())
    assert len(tickets) == 1 and tickets[0].status == "taken" and tickets[0].referent_id == REFERENTS
    # The second press finds the request is already this referent's conversation, and says so.
    assert any("Terminez d'abord" in text for text in alerts(events[REFERENTS]))
    started = [t for t in await bot_texts(referent) if "Vous vous occupez de la demande" in t]
    assert len(started) == 1
    told = [t for t in await bot_texts(parent) if "Un professionnel a pris votre demande" in t]
    assert len(told) == 1
