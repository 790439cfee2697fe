"""Series and campaigns name national items; each person receives their territory's version, through the
sender (bot/delivery/sender.py keys what it renders by territory too)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.campaign_support import add_person, bot_texts, received, run_clock
from tests.conftest import SHIPPED, Harness

LOCAL = "riviere"
NATIONAL = "demo"
JOINED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday, 11:00 in Paris
TITLE_LINE = '"Parler sans juger"'


@pytest.fixture(scope="module")
def series_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo, where Rivière-Démo also replaces the first item of the parents' welcome series."""
    copy = tmp_path_factory.mktemp("local_series") / "content"
    shutil.copytree(SHIPPED, copy)
    national = (copy / "fr" / "resources" / "talk_without_judging.md").read_text(encoding="utf-8")
    local = copy / "territories" / LOCAL / "fr" / "resources" / "talk_without_judging.md"
    replaced = national.replace(f"title: {TITLE_LINE}", 'title: "Parler sans juger, à Rivière"')
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(replaced, encoding="utf-8")
    return copy


@pytest.fixture
def content_dir(series_content: Path) -> Path:
    return series_content


async def test_a_series_sends_each_person_their_territorys_version(
    harness: Harness, series_content: Path
) -> None:
    """Through the sender: the welcome series' first item, replaced in one territory only."""
    services = harness.services
    local, elsewhere = await harness.user("Leïla"), await harness.user("Marc")
    await add_person(harness, local, territory=LOCAL, consented_at=JOINED)
    await add_person(harness, elsewhere, territory=NATIONAL, consented_at=JOINED)
    harness.clock.now = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)  # 18:00 in Paris, day 0
    await run_clock(harness)
    await received(local, "Parler sans juger, à Rivière")
    national = services.content.resource("fr", "talk_without_judging")
    assert national is not None
    await received(elsewhere, national.title)
    assert not [text for text in await bot_texts(elsewhere) if "Rivière" in text]
