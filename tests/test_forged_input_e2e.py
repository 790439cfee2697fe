"""Forged numbers in buttons and command arguments, and control characters in what people type, through the
real Application on both backends: each gets the stale-button answer, the usage line or an ordinary answer,
and no handler fails (issue 11, items 1 and 2).

Before bot/fields.py, "²" passed `str.isdigit()` and made `int()` raise; numbers past 2**31 - 1 raised
OverflowError on SQLite and DataError on PostgreSQL. Before bot/core/sanitise.py, a NUL reached PostgreSQL
(CharacterNotInRepertoireError).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.core.callbacks import Action, pack
from bot.domain import campaigns, coordinators, training
from tests import test_webhook_serve
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard, onboard_user
from tests.test_webhook_serve import Served

COORDINATOR = 900300
# Not numbers to this bot, though Python reads some of them as such: other scripts' digits, a superscript,
# a sign, spaces, an underscore; and numbers no integer column holds (PostgreSQL's stops at 2147483647).
NOT_NUMBERS = ["²", "٣", "+1", " 1", "1_000", "-1", "2147483648", "99999999999999999999"]
STALE = "Ce bouton n'est plus valable."
served = test_webhook_serve.served  # the bot behind its webhook, as tests/test_webhook_serve.py serves it


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": True}


def no_failure(caplog: pytest.LogCaptureFixture) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [(r.name, r.getMessage()) for r in failures]
    assert "Traceback" not in caplog.text


def answers(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text") or "" for e in events if e["type"] == "callback_answer"]


async def test_forged_numbers_in_buttons_are_stale(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    found = harness.services
    coordinator = await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    await onboard(coordinator)
    await coordinator.send("/campaign Essai")
    async with found.database.session() as session:
        draft = str(next(c.id for c in await campaigns.list_campaigns(session) if c.title == "Essai"))
    module = next(m for m in found.content.module_list("fr") if m.public).id
    topic = next(iter(found.content.topics["fr"]))
    resource = found.content.resources_in("fr", topic)[0].id
    templates: list[Callable[[str], str]] = [
        lambda n: pack(Action.CONTACT, "t", n),
        lambda n: pack(Action.CONTACT, "w", n),
        lambda n: pack(Action.QUIZ, n, "0", "0"),
        lambda n: pack(Action.QUIZ, "0", n, "0", "v"),
        lambda n: pack(Action.QUIZ, "1", "0", n),
        lambda n: pack(Action.RESOURCE, resource, n),
        lambda n: pack(Action.TRAINING, "c", module, n),
        lambda n: pack(Action.TRAINING, "a", module, n, "0"),
        lambda n: pack(Action.TRAINING, "t", module, "0", n),
        lambda n: pack(Action.REVIEW, module, n, "0"),
        lambda n: pack(Action.REVIEW, module, "0", n),
        lambda n: pack(Action.COMPOSER, n, "n"),
        lambda n: pack(Action.COMPOSER, draft, "a", "t", n),
        lambda n: pack(Action.COMPOSER, draft, "D", n),
        lambda n: pack(Action.CAMPAIGN, n),
        lambda n: pack(Action.CAMPAIGN, n, "X"),
    ]
    await coordinator.send("/menu")
    menu = (await last(coordinator))["message_id"]
    # The same buttons with real numbers are not stale: the forged ones fail on their number alone.
    for data in (pack(Action.TRAINING, "c", module, "0"), pack(Action.RESOURCE, resource, "0")):
        assert STALE not in answers(await coordinator.press_data(data, menu)), data
    for forged in NOT_NUMBERS:
        for template in templates:
            data = template(forged)
            assert answers(await coordinator.press_data(data, menu)) == [STALE], data
    no_failure(caplog)


async def test_forged_numbers_in_commands_get_the_usage_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    coordinator = await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    # Past 4300 digits `int()` refuses to read a number at all (Python's guard against slow conversions).
    # /grant and /revoke take no number any more: whatever follows them gets the explanation of the buttons.
    # (2147483648 is a real Telegram id, which a BIGINT column holds: granted below.)
    for argument in ["²", "٣", "+1", "1_000", "-1", "0", "99999999999999999999", "9" * 4500]:
        for command in ("grant", "revoke"):
            await coordinator.send(f"/{command} {argument}")
            assert "ne prend plus d'identifiant" in (await last(coordinator))["text"], (command, argument)
        for invite in (f"/invite {argument}", f"/invite 20 {argument}", f"/invite {argument} 30 demo"):
            await coordinator.send(invite)
            assert "Utilisation : /invite" in (await last(coordinator))["text"], invite
    await coordinator.send("/invite demo 20 30")  # words and numbers in any order, as before
    assert "Code d'invitation" in (await last(coordinator))["text"]
    async with harness.services.database.session() as session:  # a Telegram id past 32 bits (BIGINT)
        await coordinators.grant(
            session, user_id=2147483648, by=COORDINATOR, now=harness.clock.now, display_name="Grand Id"
        )
    await coordinator.send("/coordinators")
    assert "Grand Id" in (await last(coordinator))["text"]
    no_failure(caplog)


async def test_nul_and_control_characters_never_reach_the_database(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await onboard_user(harness)
    await user.send("/verify AB\u0000CD")
    assert "Aucune attestation ne porte ce code" in (await last(user))["text"]
    await user.send("/start inv_AB\u0000CD\u0007")
    assert "Ce code d'invitation n'existe pas" in (await last(user))["text"]
    newcomer = await harness.user("Nouveau")
    await newcomer.send("/start inv_AB\u0000CD")  # carried in the onboarding buttons to the notice
    await newcomer.press("Français")
    await newcomer.press("Parent ou proche d'un jeune")
    await newcomer.press("✅ J'accepte")
    assert "Ce code d'invitation n'existe pas" in (await last(newcomer))["text"]
    await user.send("harcèlement\u0000\u001b[31m")  # typed text is a search
    assert "Votre message n'est pas gardé." in (await last(user))["text"]
    await user.send("\u0000\u202e")  # nothing left once cleaned: still an answer
    await user.send("/verify\u0000")
    assert "Envoyez le code imprimé sur l'attestation : /verify CODE" in (await last(user))["text"]

    coordinator = await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    await coordinator.send("/campaign Rentrée\u0000 مرحبا 👋🏽\u202e !")
    await coordinator.send("/campaign \u0000\u2066")  # nothing left: the default title
    async with harness.services.database.session() as session:
        titles = [c.title for c in await campaigns.list_campaigns(session) if c.created_by == COORDINATOR]
        assert await training.find_certificate(session, code="ABCD") is None
    assert sorted(titles) == ["Campagne du 27 novembre 2026", "Rentrée مرحبا 👋🏽 !"], (
        "Arabic and emoji kept; NUL and the override gone; nothing left makes the default title"
    )
    no_failure(caplog)


async def test_a_users_unclosed_isolate_does_not_turn_the_bots_line_around(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """An override or isolate typed into a title, unclosed, would run to the end of the bot's line; a lone
    PDI would close one of the bot's own isolates early."""
    coordinator = await harness.client.new_user("Coordination", "ar", user_id=COORDINATOR)
    await coordinator.send("/campaign \u202eabc\u2067 12\u2069\u2069")
    card = (await last(coordinator))["text"]
    assert "\u202e" not in card and "\u2067" not in card
    assert card.count("\u2066") + card.count("\u2067") + card.count("\u2068") == card.count("\u2069")
    no_failure(caplog)


async def test_a_coordinator_typing_a_superscript_time_is_asked_again(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    coordinator = await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    await coordinator.send("/campaign Hebdo")
    async with harness.services.database.session() as session:
        draft = str(next(c.id for c in await campaigns.list_campaigns(session) if c.title == "Hebdo"))
    card = (await last(coordinator))["message_id"]
    await coordinator.press_data(pack(Action.COMPOSER, draft, "D", "2"), card)
    for typed in ("²h", "18:²", "+18:00"):
        await coordinator.send(typed)
        assert "Je n'ai pas compris cette heure" in (await last(coordinator))["text"], typed
    # An Arabic keyboard's digits are read, as before; the NUL is gone before the composer reads the time.
    await coordinator.send("١٨:٣٠\u0000")
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, int(draft))
    assert stored is not None and stored.time_of_day == "18:30"
    no_failure(caplog)


async def test_an_update_through_the_webhook_is_cleaned_too(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """Polling and the webhook both end in `process_update`, where the update is cleaned."""
    user = await served.client.new_user("Webhook", "fr")
    await user.send("/verify AB\u0000CD")
    assert "Aucune attestation ne porte ce code" in (await last(user))["text"]
    no_failure(caplog)
