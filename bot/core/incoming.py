"""Every update, polled or posted to the webhook, cleaned of unwanted characters before any handler reads it.

Both ways in end in `Application.process_update`, so cleaning there covers them with one rule, and handlers,
the command parser (`context.args`) and the text router all read the same cleaned text. python-telegram-bot's
objects are frozen: an update that needs cleaning is rebuilt from its cleaned JSON form. Most need none and
go through untouched. What is removed, and why: bot/core/sanitise.py.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, ExtBot, JobQueue

from bot.core.context import BotData, CustomContext
from bot.core.sanitise import clean_payload


def cleaned(update: Update, bot: Bot) -> Update:
    """`update`, or a copy of it without the characters bot/core/sanitise.py removes."""
    payload = update.to_dict()
    # The message a button sits under is the bot's own, its direction marks the bot's: left out of the
    # walk, every press under an Arabic message is not rebuilt for nothing.
    query = payload.get("callback_query")
    own = query.pop("message", None) if isinstance(query, dict) else None
    if not clean_payload(payload):
        return update
    if isinstance(query, dict) and own is not None:
        query["message"] = own
    return Update.de_json(payload, bot)


class ReperesApplication(
    Application[ExtBot[None], CustomContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[CustomContext]]
):
    """The Application the bot runs: python-telegram-bot's, with updates cleaned on their way in."""

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update):
            update = cleaned(update, self.bot)
        await super().process_update(update)
