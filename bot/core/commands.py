"""The command list Telegram shows in the "/" menu, in each language.

Set per Telegram language at start-up (French is also the default), and per chat when a person chooses a
language different from their app's, so the list follows the choice they made in the bot.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import Catalogs, Translator

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "help", "crip", "language", "settings", "privacy", "forget", "stop", "verify")


def command_list(t: Translator) -> list[BotCommand]:
    descriptions = {
        "start": t.gettext("commencer, ou revenir au début"),
        "menu": t.gettext("le menu principal"),
        "help": t.gettext("ce que je sais faire"),
        "crip": t.gettext("alerter pour un enfant en danger : la CRIP du département"),
        "language": t.gettext("changer de langue"),
        "settings": t.gettext("profil, territoire, messages"),
        "privacy": t.gettext("vos données : les voir, les télécharger"),
        "forget": t.gettext("tout effacer"),
        "stop": t.gettext("ne plus recevoir de messages"),
        "verify": t.gettext("vérifier une attestation de formation"),
    }
    return [BotCommand(name, descriptions[name]) for name in COMMANDS]


async def publish_commands(bot: Bot, catalogs: Catalogs, default_language: str) -> None:
    await bot.set_my_commands(command_list(catalogs.get(default_language)))
    for language in catalogs.languages:
        await bot.set_my_commands(command_list(catalogs.get(language)), language_code=language)


async def set_chat_commands(bot: Bot, chat_id: int, t: Translator) -> None:
    """Best effort: a failure here must not spoil the answer the person is waiting for."""
    try:
        await bot.set_my_commands(command_list(t), scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("could not set a chat's command list: %s", type(error).__name__)


async def clear_chat_commands(bot: Bot, chat_id: int) -> None:
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("could not clear a chat's command list: %s", type(error).__name__)
