"""What editors write: the fields of each kind of content file, validated with pydantic."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opening_hours import OpeningHours
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.roles import ROLES
from bot.topics import TOPICS

SOURCE_LANGUAGE = "fr"
ID_PATTERN = r"^[a-z0-9_]{1,32}$"
# Territory ids travel inside button data (64 bytes at most), so they stay short.
TERRITORY_ID_PATTERN = r"^[a-z0-9_-]{1,20}$"
# Telegram deep-link parameters are 1-64 characters of A-Z, a-z, 0-9, _ and -.
LINK_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# A territory's item records which national version it was written against (bot/content/versions.py).
VERSION_PATTERN = r"^[0-9a-f]{8}$"


class PageFile(BaseModel):
    """The front matter of `content/<lang>/pages/<id>.md`, as an editor writes it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=30)
    menu: list[str] = []
    order: int = 50
    sources: list[str] = []

    @field_validator("menu")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return _known_roles(value)


def _known_roles(value: list[str]) -> list[str]:
    unknown = [role for role in value if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}: roles are {', '.join(ROLES)}")
    return value


class CripFile(BaseModel):
    """A territory's `crip:` block: the département's child-protection unit (cellule de recueil des
    informations préoccupantes), shown to parents in the safeguarding path and behind /crip."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    phone: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: str | None = Field(default=None, pattern=r"^https?://")
    address: str | None = None
    # A demonstration entry (the demo territory's): shown as such, and flagged by the content check.
    example: bool = False

    @model_validator(mode="after")
    def _reachable(self) -> CripFile:
        if not (self.phone or self.email or self.website):
            raise ValueError("give a phone, an email or a website: parents must be able to reach it")
        return self


# Who a resident can talk to locally: the social landlord, the mediators, the mayor's office.
LOCAL_CONTACT_KINDS = ("landlord", "mediators", "town_hall")


class LocalContactFile(BaseModel):
    """One entry of a territory's `local_contacts:` list, shown in the residents' "who to talk to here"."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    name: dict[str, str]
    phone: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: str | None = Field(default=None, pattern=r"^https?://")
    address: str | None = None
    # When it answers, in words, per language ("du lundi au vendredi, de 9 h à 12 h").
    hours: dict[str, str] = {}
    # A demonstration entry (the demo territory's): shown as such, and flagged by the content check.
    example: bool = False

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in LOCAL_CONTACT_KINDS:
            raise ValueError(f"unknown kind {value!r}: kinds are {', '.join(LOCAL_CONTACT_KINDS)}")
        return value

    @field_validator("name")
    @classmethod
    def _french_name(cls, value: dict[str, str]) -> dict[str, str]:
        return _has_french(value)

    @field_validator("hours")
    @classmethod
    def _french_hours(cls, value: dict[str, str]) -> dict[str, str]:
        return _has_french(value) if value else value

    @model_validator(mode="after")
    def _reachable(self) -> LocalContactFile:
        if not (self.phone or self.email or self.website or self.address):
            raise ValueError(
                "give a phone, an email, a website or an address: residents must be able to reach it"
            )
        return self


class SignatoryFile(BaseModel):
    """Who signs a territory's certificates: a name, and a title in each language ("Maire", "Mayor")."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    title: dict[str, str]

    @field_validator("title")
    @classmethod
    def _french_title(cls, value: dict[str, str]) -> dict[str, str]:
        return _has_french(value)


class CertificateFile(BaseModel):
    """A territory's `certificate:` block: what its training certificates carry besides its name."""

    model_config = ConfigDict(extra="forbid")

    # A PNG or JPEG file in the territories folder (such as `logos/my-town.png`), printed at the top.
    logo: str | None = None
    signatory: SignatoryFile | None = None
    # Demonstration values (the demo territory's), like its crip: block; `content check --strict` flags
    # the "(exemple)" left in them.
    example: bool = False

    @field_validator("logo")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = value.replace("\\", "/").split("/")
        if value.startswith("/") or ".." in parts or not value.strip():
            hint = "give the file's path inside the territories folder, like logos/town.png"
            raise ValueError(f"{value!r}: {hint}")
        return value


class TerritoryFile(BaseModel):
    """`content/territories/<id>.yml`: a commune or neighbourhood the bot serves."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TERRITORY_ID_PATTERN)
    name: dict[str, str]
    timezone: str
    # The Telegram chat (a group, or one person) where requests to be contacted arrive; none: no requests.
    referents_chat: int | None = None
    crip: CripFile | None = None
    # A demo territory shipped as an example: `content check --strict` accepts it, and lists it to replace.
    example: bool = False
    # When the referents usually answer, in words, per language ("du lundi au vendredi, de 9 h à 17 h"):
    # told to a person before they ask to be contacted, so they know roughly when someone will write.
    referents_hours: dict[str, str] = {}
    # Who answers for the data (the data controller) and how to reach them (their data protection officer):
    # named in the privacy notice, in place of {controller} and {privacy_contact}.
    controller: dict[str, str] = {}
    privacy_contact: str | None = Field(default=None, min_length=3, max_length=120)
    # The commune's logo and signatory on training certificates (its name is always printed).
    certificate: CertificateFile | None = None
    # Who residents can talk to locally (social landlord, mediators, mayor's office), in the order shown.
    local_contacts: list[LocalContactFile] = []

    @field_validator("name")
    @classmethod
    def _has_french(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get(SOURCE_LANGUAGE, "").strip():
            raise ValueError("a French name (fr) is required")
        return value

    @field_validator("referents_hours", "controller")
    @classmethod
    def _french_if_any(cls, value: dict[str, str]) -> dict[str, str]:
        return _has_french(value) if value else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, expected one like Europe/Paris") from None
        return value


class LinkFile(BaseModel):
    """One entry of `content/links.yml`: a deep-link code printed on a poster or given to a partner."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=LINK_CODE_PATTERN)
    description: str = Field(min_length=1)
    example: bool = False  # a sample code shipped with the demo (see bot/content/deployment.py)

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "other":
            raise ValueError("'other' is reserved for codes that are not listed")
        return value


class TopicFile(BaseModel):
    """One entry of `content/<lang>/topics.yml`: a theme the resources are grouped under."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=40)
    order: int = 50


class ResourceFile(BaseModel):
    """The front matter of `content/<lang>/resources/<id>.md`: a resource for parents."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    topic: str
    title: str = Field(min_length=1, max_length=40)
    summary: str = Field(default="", max_length=120)
    order: int = 50
    sources: list[str] = []


class MythFile(BaseModel):
    """The front matter of `content/<lang>/myths/<id>.md`: a received idea, true or false."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    claim: str = Field(min_length=1, max_length=150)
    answer: bool
    order: int = 50
    next: str | None = Field(default=None, pattern=r"^(resource|page):[a-z0-9_]{1,32}$")
    sources: list[str] = Field(min_length=1)


SERVICE_KINDS = (
    "cjc",
    "paej",
    "maison_ados",
    "mission_locale",
    "youth_service",
    "prevention_team",
    "social_centre",
    # Other paths for young people (bot/content/youth.py OPPORTUNITY_KINDS), with mission_locale above.
    "sport",
    "jobs",
    "service_civique",
    "apprenticeship",
    "other",
)
NEEDS = ("worried", "school_work", "health", "emergency")


def _opening_hours(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        OpeningHours(value)
    except Exception:  # the library raises its own ParserError; any failure means the same here
        example = "'Mo-Fr 09:00-17:00; Sa 10:00-12:00'"
        raise ValueError(
            f"{value!r} is not in OpenStreetMap's opening_hours format, e.g. {example}"
        ) from None
    return value


def _has_french(value: dict[str, str]) -> dict[str, str]:
    if not value.get(SOURCE_LANGUAGE, "").strip():
        raise ValueError("a French text (fr) is required")
    return value


class _Place(BaseModel):
    """What helplines and local services share: opening hours and a description in each language."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("hours", check_fields=False)
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        return _opening_hours(value)

    @field_validator("description", check_fields=False)
    @classmethod
    def _description(cls, value: dict[str, str]) -> dict[str, str]:
        return _has_french(value)


class HelplineFile(_Place):
    """One entry of `content/helplines.yml`: a national helpline, in metropolitan French time."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=60)
    phone: str | None = None
    sms: str | None = None
    hours: str
    website: str | None = Field(default=None, pattern=r"^https://")
    emergency: bool = False
    free: bool = True
    description: dict[str, str]
    source: str = Field(min_length=1)


class ServiceFile(_Place):
    """One entry of `content/directory/<territory>.yml`: a local service people can turn to."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    kind: Literal[SERVICE_KINDS]  # type: ignore[valid-type]
    needs: list[Literal[NEEDS]] = Field(min_length=1)  # type: ignore[valid-type]
    address: str = Field(min_length=1)
    phone: str | None = None
    hours: str | None = None
    website: str | None = Field(default=None, pattern=r"^https?://")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    languages: list[str] = []
    example: bool = False
    description: dict[str, str]


Objective = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
AUDIENCES = ("teacher", "youth_worker", "social_worker", "coach", "mediator", "landlord")


class OptionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=60)
    correct: bool
    explanation: str = Field(min_length=1, max_length=400)


class QuestionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=300)
    multiple: bool = False
    options: list[OptionFile] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _right_answers(self) -> QuestionFile:
        right = sum(option.correct for option in self.options)
        if not self.multiple and right != 1:
            raise ValueError(f"exactly one option must be correct (multiple: false), found {right}")
        if self.multiple and right < 2:
            raise ValueError(f"at least two options must be correct (multiple: true), found {right}")
        return self


class ModuleFile(BaseModel):
    """`content/<lang>/modules/<id>.yml`: a micro-training for professionals, cards then a quiz."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=60)
    summary: str = Field(default="", max_length=150)
    minutes: int = Field(ge=1, le=30)
    audience: list[Literal[AUDIENCES]] = Field(min_length=1)  # type: ignore[valid-type]
    public: bool = False
    order: int = 50
    pass_mark: int = Field(default=70, ge=1, le=100)
    # What a person can do after the module, one short line each: printed on its certificates.
    objectives: list[Objective] = Field(default=[], max_length=5)
    sources: list[str] = []
    cards: list[str] = Field(min_length=3, max_length=8)
    quiz: list[QuestionFile] = Field(min_length=1, max_length=10)


# `content/sequences.yml`: series of content items the campaign engine sends on its own.
ITEM_PATTERN = r"^(page|myth|resource):[a-z0-9_]{1,32}$"
MAX_DAY = 365
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_MYTHS = "myths"
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_ITEM_HINT = "page:<id>, myth:<id> or resource:<id>"


def _item_text(value: Any) -> Any:
    """`page: helplines` (a space after the colon) reads as a field in YAML: say how to write it."""
    if isinstance(value, dict) and len(value) == 1:
        kind, target = next(iter(value.items()))
        raise ValueError(f"write {kind}:{target} without a space after ':'")
    return value


class DripStepFile(BaseModel):
    """One step of a drip series: a content item, so many days after the person's enrolment."""

    model_config = ConfigDict(extra="forbid")

    day: int
    item: str  # its form and existence are checked with the rest of the content, at the item's own line

    @field_validator("day")
    @classmethod
    def _day(cls, value: int) -> int:
        if not 0 <= value <= MAX_DAY:
            raise ValueError(f"{value} is not a day from 0 (the day of enrolment) to {MAX_DAY}")
        return value

    @field_validator("item", mode="before")
    @classmethod
    def _item(cls, value: Any) -> Any:
        return _item_text(value)


class DripFile(BaseModel):
    """One entry of `drips:` in `content/sequences.yml`: steps counted from the day a person enrolled."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    roles: list[str] = []  # none: everyone
    steps: list[DripStepFile]

    @field_validator("roles", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("steps", mode="before")
    @classmethod
    def _some_steps(cls, value: Any) -> Any:
        if value is None or value == []:
            raise ValueError("give at least one step ('- day: 0' and its 'item: ...')")
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return _known_roles(value)


class WeeklyFile(BaseModel):
    """One entry of `weekly:` in `content/sequences.yml`: an item a week for a subscription topic."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    topic: str
    weekday: str
    time: str
    items: str | list[str]  # "myths" (every myth card, in order) or a list of items

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if value not in TOPICS:
            raise ValueError(f"unknown topic {value!r}: topics are {', '.join(TOPICS)}")
        return value

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {value!r}: use {', '.join(WEEKDAYS)}")
        return day

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML reads 18:00 without quotes as a number (18 x 60): only the quoted form is a time.
            raise ValueError('write the time between quotes, such as "18:00"')
        if not isinstance(value, str):
            return value
        match = _CLOCK.match(value.strip())
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f'{value!r} is not a time such as "18:00" (hours 00-23, minutes 00-59)')
        return f"{int(match[1]):02}:{match[2]}"

    @field_validator("items", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        if isinstance(value, str) and value != ALL_MYTHS:
            raise ValueError(
                f"{value!r}: write {ALL_MYTHS!r} (every myth card, in order) or a list of items "
                f"such as [{_ITEM_HINT}]"
            )
        if not isinstance(value, str | list):
            raise ValueError(f"write {ALL_MYTHS!r} or a list of items such as [{_ITEM_HINT}]")
        if isinstance(value, list):
            if not value:
                raise ValueError(f"the list is empty: give at least one item ({_ITEM_HINT})")
            for index, item in enumerate(value):
                if not isinstance(_item_text(item), str):
                    raise ValueError(f"item {index + 1} is not an item such as {_ITEM_HINT}")
        return value
