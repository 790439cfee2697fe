"""A safeguarding screen not yet translated into Arabic is shown in French, laid out left to right as a whole
(the bidi layer's `foreign`), not directed as if it were Arabic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.bidi import LRI, LRM, RLM
from bot.core.callbacks import Action, pack
from tests.campaign_support import add_person
from tests.conftest import CONTENT, Harness, last


@pytest.fixture(scope="session")
def untranslated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content without the Arabic "a child is missing" screen and the notice's details."""
    copy = tmp_path_factory.mktemp("untranslated") / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "ar" / "pages" / "safe_missing.md").unlink()
    (copy / "ar" / "pages" / "privacy_details.md").unlink()
    return copy


@pytest.fixture
def content_dir(untranslated: Path) -> Path:
    return untranslated


async def test_a_french_safeguarding_screen_reads_left_to_right_for_an_arabic_reader(
    harness: Harness,
) -> None:
    user = await harness.user("Parent", "ar")
    await add_person(harness, user, language="ar", role="resident")
    await user.send("/menu")
    await user.press(pack(Action.SAFEGUARD))
    await user.press(pack(Action.SAFEGUARD, "missing"))
    lines = [line for line in (await last(user))["text"].split("\n") if line.strip()]
    french = harness.services.content.page("fr", "safe_missing")
    assert french.title in lines[0].translate(dict.fromkeys(map(ord, LRI + "\u2069" + LRM)))
    # Each French line opens left to right; only the Arabic buttons' screen around it is right to left.
    assert all(line.startswith(LRM + LRI) for line in lines), lines
    assert not any(line.startswith(RLM) for line in lines)


async def test_a_french_notice_page_reads_left_to_right_for_an_arabic_reader(harness: Harness) -> None:
    user = await harness.user("Parent", "ar")
    await add_person(harness, user, language="ar", role="resident")
    await user.send("/privacy")
    await user.press(pack(Action.PRIVACY, "d"))
    lines = [line for line in (await last(user))["text"].split("\n") if line.strip()]
    french = [line for line in lines if line.startswith(LRM)]
    assert any("Mairie de Démo-sur-Seine" in line for line in french), "the controller, in the French text"
    # The page is French (left to right); the person's record below it stays Arabic (right to left).
    assert lines[0].startswith(LRM + LRI) and lines[-1].startswith(RLM)
