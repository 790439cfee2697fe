"""Settings read from the environment and an optional `.env` file.

A wrong value must stop the program with one line that names the variable and says what is expected,
so `load_settings` turns pydantic's report into a `ConfigError` carrying exactly that line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError as ConfigError  # re-exported for the callers of bot.config
from bot.fields import telegram_id
from bot.schedule import QuietHours

TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/reperes.db"
SUPPORTED_LANGUAGES = ("fr", "en", "ar")

# Telegram tokens look like "123456789:AA...": digits, a colon, then letters, digits, _ and -.
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# What each variable expects, said in the one-line error when its value is refused.
EXPECTED: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "the token BotFather gave, like 123456789:AAH...",
    "TELEGRAM_API_URL": "an http(s) URL such as https://api.telegram.org",
    "DATABASE_URL": "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host/db",
    "WEBHOOK_URL": "an https URL that Telegram can reach, such as https://bot.example.fr/telegram",
    "WEBHOOK_SECRET": "1 to 256 characters among A-Z a-z 0-9 _ -",
    "PORT": "a port number from 1 to 65535",
    "DEFAULT_LANGUAGE": "one of " + ", ".join(SUPPORTED_LANGUAGES),
    "COORDINATORS": "Telegram user ids separated by commas, like 12345,67890",
    "TIMEZONE": "an IANA time zone such as Europe/Paris",
    "RETENTION_DAYS": "a whole number of days from 30 to 3650",
    "CONTENT_DIR": "a folder holding the content files",
    "TICKET_REMIND_MINUTES": "a whole number of minutes from 5 to 10080",
    "TICKET_RETENTION_DAYS": "a whole number of days from 0 to 365",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "TRAININGS_OPEN_TO_ALL": "true or false",
    "BROADCAST_RATE": "messages per second from 1 to 30, or up to 1000 with PAID_BROADCAST=true",
    "PAID_BROADCAST": "true or false",
    "APPROVAL_THRESHOLD": "a whole number of recipients from 0 to 10000000",
    "QUIET_HOURS": "a nightly window such as 21:00-08:00",
    "WEEKLY_CAP": "a whole number of campaign messages per person and week from 0 (no cap) to 50",
    "MISSED_GRACE_MINUTES": "a whole number of minutes from 0 to 10080",
    "CONCURRENT_UPDATES": "a whole number of updates handled at once, from 1 to 1024",
    "LEASE_DATABASE_URL": "postgresql://user:password@host/db, PostgreSQL itself (no transaction pooler)",
    "HTTP_CLIENT": "aiohttp or httpx",
    "DATABASE_TIMEOUT": "seconds a database call may wait for a lock, from 0.1 to 600",
    "RETRY_MAX_SECONDS": "the longest wait between two tries of failing background work, 0.1 to 600 seconds",
    "SENDER_FAILING_SECONDS": "seconds of failing sends before /healthz says unhealthy, 1 to 86400",
    "SENDER_STUCK_MINUTES": "minutes a run may stay sending before it counts as stuck, 1 to 10080",
    "DASHBOARD_URL": "the dashboard's https address, without a path (http only on this machine): https://bot.example.fr",
    "DASHBOARD_SECRET": "at least 32 random characters (for instance from `openssl rand -hex 32`)",
}
# Telegram's free broadcast limit is about 30 messages per second; paid broadcasts go up to 1000.
FREE_RATE_LIMIT, PAID_RATE_LIMIT = 30.0, 1000.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    # Several instances: the delivery lease's own connection, when DATABASE_URL goes through PgBouncer in
    # transaction mode (a session-level advisory lock needs one server session); DATABASE_URL otherwise.
    lease_database_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    default_language: str = "fr"
    coordinators: Annotated[tuple[int, ...], NoDecode] = ()
    timezone: str = "Europe/Paris"
    retention_days: int = Field(default=365, ge=30, le=3650)
    ticket_remind_minutes: int = Field(default=120, ge=5, le=10080)
    ticket_retention_days: int = Field(default=7, ge=0, le=365)
    # Whether people who were not invited as professionals may read the modules marked public.
    trainings_open_to_all: bool = True
    # Campaigns: the sender's pace, who approves, and what protects people from too many messages.
    broadcast_rate: float = Field(default=25.0, ge=1, le=PAID_RATE_LIMIT)
    paid_broadcast: bool = False
    approval_threshold: int = Field(default=200, ge=0, le=10_000_000)
    quiet_hours: str = "21:00-08:00"
    weekly_cap: int = Field(default=3, ge=0, le=50)
    missed_grace_minutes: int = Field(default=120, ge=0, le=10080)
    # Updates handled at once, from different chats (one chat's updates always run one after another).
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # How long a database call waits for a lock another connection holds (and for a pooled connection)
    # before it gives up: the update then gets the apology instead of hanging (bot/db.py).
    database_timeout: float = Field(default=5.0, ge=0.1, le=600)
    content_dir: Path = Path("content")
    # python-telegram-bot's HTTP layer: aiohttp (bot/aiohttp_request.py) or PTB's default, httpx.
    # aiohttp won in bench/webhook.py and bench/broadcast.py (less CPU per call; see bench/README.md).
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    log_level: str = "INFO"
    # Background work (sender, clock, timers) that fails tries again after 0.5 s, doubling up to this.
    retry_max_seconds: float = Field(default=30.0, ge=0.1, le=600)
    # /healthz: a sender failing for longer than this is unhealthy; a run sending for longer than
    # SENDER_STUCK_MINUTES is counted as stuck (in /healthz and /metrics).
    sender_failing_seconds: float = Field(default=300.0, ge=1, le=86400)
    sender_stuck_minutes: int = Field(default=360, ge=1, le=10080)
    # The coordinators' web dashboard (bot/dashboard/): the base URL its login links start with, and the key
    # its login and session tokens are hashed and its forms' CSRF tokens derived with. Unset: no dashboard.
    dashboard_url: str | None = None
    dashboard_secret: str | None = Field(default=None, min_length=32)

    @field_validator(
        "telegram_bot_token",
        "webhook_url",
        "webhook_secret",
        "lease_database_url",
        "dashboard_url",
        "dashboard_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None and not _TOKEN.match(value.strip()):
            raise ValueError("not a bot token")
        return value.strip() if value else None

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("not an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("lease_database_url")
    @classmethod
    def _lease_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = normalise_database_url(value)
        if not url.startswith("postgresql+asyncpg://"):
            raise ValueError("the lease is for PostgreSQL")
        return url

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # Telegram only calls https; plain http is for a sandbox or Bot API server on this machine.
        _https_or_local(value)
        return value.strip()

    @field_validator("dashboard_url")
    @classmethod
    def _dashboard_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # Session cookies are Secure on https; plain http is for the demo on this machine.
        parts = _https_or_local(value)
        # The pages link to /dashboard/... from the host's root: a path in front would break every link.
        if parts.query or parts.fragment or parts.path not in ("", "/"):
            raise ValueError("a base URL has no path or query")
        return value.strip().rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET.match(value):
            raise ValueError("not a valid secret token")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value.strip().lower() not in SUPPORTED_LANGUAGES:
            raise ValueError("unsupported language")
        return value.strip().lower()

    @field_validator("coordinators", mode="before")
    @classmethod
    def _coordinators(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]
            ids = [telegram_id(item) for item in items]
            if None in ids:
                raise ValueError("not a list of user ids")
            return tuple(ids)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value.strip()

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)  # raises ValueError with the reason
        return value.strip()

    @model_validator(mode="after")
    def _free_rate(self) -> Settings:
        if self.broadcast_rate > FREE_RATE_LIMIT and not self.paid_broadcast:
            raise ValueError("BROADCAST_RATE above the free limit needs PAID_BROADCAST")
        return self

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("unknown level")
        return value.strip().upper()

    @model_validator(mode="after")
    def _dashboard_secret(self) -> Settings:
        if self.dashboard_url and not self.dashboard_secret:
            raise ValueError("DASHBOARD_URL needs DASHBOARD_SECRET")
        return self

    @property
    def quiet(self) -> QuietHours:
        return QuietHours.parse(self.quiet_hours)

    @property
    def webhook_path(self) -> str:
        """The path the webhook listens on: exactly the path of WEBHOOK_URL, where Telegram will post."""
        return (urlsplit(self.webhook_url).path if self.webhook_url else "") or "/"


def normalise_database_url(value: str) -> str:
    """Accept the usual spellings (postgres://, postgresql://, sqlite://) and pick the async drivers."""
    url = value.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            url = "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    if not (url.startswith("sqlite+aiosqlite:///") or url.startswith("postgresql+asyncpg://")):
        raise ValueError("unsupported database URL")
    if url.startswith("postgresql+asyncpg://"):
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError("no host in the PostgreSQL URL")
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number from 0 to 65535
    return url


def _across(message: str) -> str:
    """The variable a check across two variables is about, from its message."""
    return "DASHBOARD_SECRET" if "DASHBOARD_SECRET" in message else "BROADCAST_RATE"


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the settings, or raise ConfigError with one line naming the first wrong variable."""
    try:
        return Settings(_env_file=env_file, **overrides)
    except ValidationError as error:
        first = error.errors()[0]
        # Checks across two variables have no location: they are about the rate, or the dashboard's secret.
        name = str(first["loc"][0]).upper() if first["loc"] else _across(str(first.get("msg", "")))
        expected = EXPECTED.get(name, "a valid value")
        raise ConfigError(f"{name} is wrong: expected {expected}.") from None


def _https_or_local(value: str) -> SplitResult:
    """The URL's parts, when it is https, or plain http to this machine; ValueError otherwise."""
    parts = urlsplit(value.strip())
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError("not an https URL")
    return parts
