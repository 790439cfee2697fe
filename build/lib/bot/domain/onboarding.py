"""The onboarding steps: language, who you are, territory, then the privacy notice.

Nothing is written before Accept, so the choices made so far travel inside the buttons themselves
(see bot/callbacks.py): the flow survives a restart and keeps no state about someone who left halfway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.content.schemas import LINK_CODE_PATTERN
from bot.domain.roles import ROLES

_SOURCE = re.compile(LINK_CODE_PATTERN)


class Step(StrEnum):
    LANGUAGE = "language"
    ROLE = "role"
    TERRITORY = "territory"
    NOTICE = "notice"


@dataclass(frozen=True)
class Draft:
    """What the person chose so far; an empty string means not chosen yet."""

    language: str = ""
    role: str = ""
    territory: str = ""

    def valid(self, *, languages: tuple[str, ...], territories: tuple[str, ...]) -> bool:
        return (
            (not self.language or self.language in languages)
            and (not self.role or self.role in ROLES)
            and (not self.territory or self.territory in territories)
        )

    def next_step(self, *, territories: tuple[str, ...]) -> Step:
        if not self.language:
            return Step.LANGUAGE
        if not self.role:
            return Step.ROLE
        if not self.territory and len(territories) > 1:
            return Step.TERRITORY
        return Step.NOTICE

    def completed(self, *, territories: tuple[str, ...]) -> Draft:
        """The draft with the only territory filled in when there is just one to choose from."""
        if not self.territory and len(territories) == 1:
            return Draft(self.language, self.role, territories[0])
        return self


OTHER_SOURCE = "other"


def attribution_code(payload: str | None, known: frozenset[str]) -> str | None:
    """The deep-link code to count: a code listed in the content, "other" for any other, None without one.

    Only listed codes are kept, so a code typed by hand can neither carry personal words into the
    database nor create rows at will.
    """
    if not payload or not _SOURCE.match(payload):
        return None
    return payload if payload in known else OTHER_SOURCE
