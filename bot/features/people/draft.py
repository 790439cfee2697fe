"""The onboarding steps: language, who you are, territory, then the privacy notice.

Nothing is written before Accept, so the choices made so far travel inside the buttons themselves
(see bot/core/callbacks.py): the flow survives a restart and keeps no state about someone who left halfway.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.content.schemas import LINK_CODE_PATTERN
from bot.roles import ROLES

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


# The deep link a person arrived with rides in the onboarding buttons until Accept, as one short field, so
# nothing is kept before the notice is accepted and a restart halfway loses nothing: "" (none), "o" (an
# unlisted code, counted as "other"), "s" + a digest of a listed code (a code may be 64 characters, more
# than a button has room for), "i" + an invite code (up to 16 characters).
SOURCE_MARK, OTHER_MARK, INVITE_MARK = "s", "o", "i"
LINK_FIELD_MAX = 17
INVITE_CODE = _INVITE = re.compile(r"^[A-Za-z0-9]{1,16}$")


@dataclass(frozen=True)
class Arrival:
    """Where a person came from: the attribution code to count, or the invite to redeem after Accept."""

    source: str | None = None
    invite: str | None = None


def _digest(code: str) -> str:
    return base64.urlsafe_b64encode(hashlib.blake2s(code.encode(), digest_size=6).digest()).decode()


def link_field(arrival: Arrival) -> str:
    """The button field carrying `arrival`; at most LINK_FIELD_MAX characters."""
    if arrival.invite is not None:
        # A code that cannot exist still gets its "unknown code" answer after Accept.
        return INVITE_MARK + (arrival.invite if _INVITE.match(arrival.invite) else "")
    if arrival.source == OTHER_SOURCE:
        return OTHER_MARK
    return SOURCE_MARK + _digest(arrival.source) if arrival.source else ""


def read_link_field(field: str, known: frozenset[str]) -> Arrival | None:
    """The arrival a button carried, checked again on the way back; None for data no button carries."""
    if not field:
        return Arrival()
    mark, value = field[0], field[1:]
    if mark == OTHER_MARK and not value:
        return Arrival(source=OTHER_SOURCE)
    if mark == INVITE_MARK and (not value or _INVITE.match(value)):
        return Arrival(invite=value)
    if mark == SOURCE_MARK:
        listed = {_digest(code): code for code in known}.get(value)
        # A code removed from the content since the button was made still counts, as "other".
        return Arrival(source=listed or OTHER_SOURCE) if len(value) == len(_digest("")) else None
    return None
