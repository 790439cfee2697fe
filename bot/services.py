"""What handlers need, built once at start-up and kept in `application.bot_data`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from bot.config import Settings
from bot.content.pack import SOURCE_LANGUAGE, ContentPack, Local
from bot.db import Database
from bot.domain.activity import Activity
from bot.domain.search import Index, index_content
from bot.domain.tallies import Tallies
from bot.domain.worries import Recogniser
from bot.i18n import Catalogs


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    database: Database
    content: ContentPack
    catalogs: Catalogs
    # Tests replace the clock to check dates and retention without waiting.
    clock: Callable[[], datetime] = field(default=utc_now)
    search: dict[str, Index] = field(default_factory=dict)
    # (language, territory) -> the index of a territory with its own resources or myth cards.
    local_search: dict[tuple[str, str], Index] = field(default_factory=dict)
    # Worries and dangers told in typed text, from every language's word lists.
    worries: Recogniser = field(init=False)
    # Days of use noted by updates, written in the background (bot/domain/activity.py).
    activity: Activity = field(default_factory=Activity)
    # Anonymous counts (resources opened, cards answered), written in the background (bot/domain/tallies.py).
    tallies: Tallies = field(default_factory=Tallies)

    def __post_init__(self) -> None:
        self.worries = Recogniser(self.content.worries)
        if not self.search:  # given ready-made when the same content was indexed before (the tests do)
            self.search = {
                language: index_content(self.content, language) for language in self.catalogs.languages
            }
        # A territory's own index when its search differs from the national one: its own resources or
        # cards, or, with several territories, its own services (bot/domain/search.py).
        several = len(self.content.territories) > 1
        self.local_search = {
            (language, territory): index_content(self.content, language, territory)
            for territory in self.content.territories
            if several or _has_local_items(self.content.local.get(territory))
            for language in self.catalogs.languages
        }

    def index(self, language: str, territory: str | None) -> Index:
        """What a person searches: their territory's versions and own items, else the national index."""
        return self.local_search.get((language, territory or "")) or self.search[language]

    @cached_property  # the same for the life of the process: hashed once
    def idea_pepper(self) -> bytes:
        """The idea guards' key beside each box's salt, never stored (bot/domain/consultation_ideas.py):
        derived from the bot's token, which the database does not hold. Empty without a token (the demo)."""
        token = self.settings.telegram_bot_token
        return hashlib.sha256(b"reperes idea guards\0" + token.encode()).digest() if token else b""

    @property
    def territory_ids(self) -> tuple[str, ...]:
        return tuple(self.content.territories)


def _has_local_items(local: Local | None) -> bool:
    if local is None:
        return False
    return bool(local.resources.get(SOURCE_LANGUAGE) or local.myths.get(SOURCE_LANGUAGE))


def open_database(settings: Settings) -> Database:
    """The configured database, its waits bounded by DATABASE_TIMEOUT and its pool sized for the updates."""
    return Database(
        settings.database_url, timeout=settings.database_timeout, connections=settings.concurrent_updates
    )
