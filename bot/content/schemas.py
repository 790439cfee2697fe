"""Typed content, validated once at start-up and then read from memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain.roles import ROLES

SOURCE_LANGUAGE = "fr"
ID_PATTERN = r"^[a-z0-9_]{1,32}$"
# Territory ids travel inside button data (64 bytes at most), so they stay short.
TERRITORY_ID_PATTERN = r"^[a-z0-9_-]{1,20}$"
# Telegram deep-link parameters are 1-64 characters of A-Z, a-z, 0-9, _ and -.
LINK_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


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
        unknown = [role for role in value if role not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}: roles are {', '.join(ROLES)}")
        return value


class TerritoryFile(BaseModel):
    """`content/territories/<id>.yml`: a commune or neighbourhood the bot serves."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TERRITORY_ID_PATTERN)
    name: dict[str, str]
    timezone: str

    @field_validator("name")
    @classmethod
    def _has_french(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get(SOURCE_LANGUAGE, "").strip():
            raise ValueError("a French name (fr) is required")
        return value

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

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "other":
            raise ValueError("'other' is reserved for codes that are not listed")
        return value


@dataclass(frozen=True)
class Page:
    id: str
    language: str
    title: str
    html: str  # Telegram HTML of the whole message: body then sources
    menu: tuple[str, ...]
    order: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Territory:
    id: str
    names: dict[str, str]
    timezone: str

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[SOURCE_LANGUAGE]


@dataclass
class ContentPack:
    """All content, per language, with French as the fallback for anything not translated."""

    languages: tuple[str, ...]
    pages: dict[str, dict[str, Page]] = field(default_factory=dict)  # language -> id -> page
    territories: dict[str, Territory] = field(default_factory=dict)
    link_codes: frozenset[str] = frozenset()

    def page(self, language: str, page_id: str) -> Page:
        found = self.pages.get(language, {}).get(page_id)
        return found or self.pages[SOURCE_LANGUAGE][page_id]

    def menu_pages(self, language: str, role: str) -> list[Page]:
        ids = [page.id for page in self.pages[SOURCE_LANGUAGE].values() if role in page.menu]
        return sorted((self.page(language, page_id) for page_id in ids), key=lambda page: page.order)

    def has_page(self, page_id: str) -> bool:
        return page_id in self.pages[SOURCE_LANGUAGE]
