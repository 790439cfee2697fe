"""The handlers' typed context: `context.services` instead of a lookup in an untyped dict.

As in python-telegram-bot's `contexttypesbot.py` example, the Application is built with
`ContextTypes(context=CustomContext, bot_data=BotData)`, so every handler, job and the Application itself
carry these types and nothing needs a cast or a `type: ignore`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.delivery.sender import Sender
from bot.models import Person
from bot.services import Services

# A /start payload's opener: the payload after its prefix; False when it names nothing (stale link).
DeepLink = Callable[[Update, "CustomContext", str], Awaitable[bool]]
# Something a feature must do before a person is forgotten (their chat id): end a relayed conversation.
BeforeForget = Callable[["CustomContext", int], Awaitable[None]]
# An update a feature answers without leaving any trace (the youth space): see `BotData.traceless`.
Traceless = Callable[[Update, "CustomContext"], bool]


class BotData:
    """What the Application shares between handlers: the services, the campaign sender while it runs, and
    what features offer each other without importing each other (filled in by their `register`).

    python-telegram-bot creates it without arguments, so the services are set right after the build.
    """

    def __init__(self) -> None:
        self._services: Services | None = None
        self.sender: Sender | None = None
        self.deep_links: dict[str, DeepLink] = {}  # payload prefix -> opener, for shared links
        self.before_forget: list[BeforeForget] = []
        # Updates that leave no trace, not even the day of last use the text router's "moved on" notes:
        # the youth space, for someone with a profile too.
        self.traceless: list[Traceless] = []

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the services are set in build_application, before any update")
        return self._services

    @services.setter
    def services(self, found: Services) -> None:
        self._services = found


class CustomContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """python-telegram-bot makes one per update and hands it to every handler group in turn."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], **kwargs: Any) -> None:
        super().__init__(application, **kwargs)
        # The person as the text router read them, with the chat's conversation, in one session at the
        # start of this update: the next `ui_for` takes it instead of opening a second session. Taken once,
        # so a handler that changed the person and asks again reads them afresh.
        self.preloaded: tuple[Person | None] | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services


Context: TypeAlias = CustomContext
CONTEXT_TYPES = ContextTypes(context=CustomContext, bot_data=BotData)
BotApplication: TypeAlias = Application[
    ExtBot[None], CustomContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[CustomContext]
]
# `context.application` inside a handler: python-telegram-bot leaves its context and job queue types open
# there, so what handlers pass on takes this looser type (a BotApplication is one too).
AnyBotApplication: TypeAlias = Application[ExtBot[None], Any, dict[Any, Any], dict[Any, Any], BotData, Any]
