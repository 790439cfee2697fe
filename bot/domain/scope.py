"""What a coordinator may see and act on: the whole deployment, or chosen territories.

One deployment can serve several communes. A coordinator named in the COORDINATORS setting, or granted the
role without territories, is for the whole deployment; one granted for chosen territories sees, targets,
approves and exports only those, in the chat and on the dashboard. Every such check goes through `Scope`,
so that "whole or chosen" is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    # None: the whole deployment; otherwise the territory ids, never empty.
    territories: frozenset[str] | None = None

    @classmethod
    def whole(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, territories: Iterable[str] | None) -> Scope:
        """A stored grant's territories as a scope: None, or an empty list, is the whole deployment."""
        chosen = frozenset(territories or ())
        return cls(chosen or None)

    @property
    def is_whole(self) -> bool:
        return self.territories is None

    def covers(self, territory: str) -> bool:
        return self.territories is None or territory in self.territories

    def covers_all(self, territories: Iterable[str]) -> bool:
        """Whether every territory given is in the scope. An empty list means "every territory" (a campaign
        whose audience names none), which only the whole deployment covers."""
        chosen = frozenset(territories)
        if self.territories is None:
            return True
        return bool(chosen) and chosen <= self.territories

    def within(self, territories: Iterable[str]) -> list[str]:
        """The territories given that the scope covers, in their order."""
        return [territory for territory in territories if self.covers(territory)]
