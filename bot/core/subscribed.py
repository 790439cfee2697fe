"""The kinds of update the bot reads, and the one place that drops every other kind.

Telegram is asked for these kinds only (`allowed_updates`, in getUpdates and setWebhook alike), but an
update of another kind can still come in: a webhook call from whoever holds the secret, a bot that once
subscribed to more (Telegram remembers the last list it was given), a sandbox polled without a list.
PTB's handlers would read an edited message or a channel post as a new message and answer it, so such
updates are dropped before any handler sees them, whichever way they came.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import UpdateType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import metrics
from bot.core.context import BotApplication, CustomContext

# Only what the bot handles: no edited messages, reactions, polls or business updates to ignore one by one.
ALLOWED_UPDATES: tuple[str, ...] = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)
# Before every other group, the update counter (-1) included: a dropped update is counted apart.
GROUP = -100


def kinds(update: Update) -> list[str]:
    """Which of Telegram's kinds the update carries: exactly one, for any update Telegram sends."""
    return [str(kind) for kind in UpdateType if getattr(update, kind, None) is not None]


def subscribed(update: Update) -> bool:
    carried = kinds(update)
    return len(carried) == 1 and carried[0] in ALLOWED_UPDATES


async def drop_unsubscribed(update: Update, _context: CustomContext) -> None:
    if subscribed(update):
        return
    carried = kinds(update)
    metrics.UPDATES_IGNORED.labels(kind=carried[0] if len(carried) == 1 else "unknown").inc()
    raise ApplicationHandlerStop  # no later group, no handler, sees it


def register(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, drop_unsubscribed), group=GROUP)
