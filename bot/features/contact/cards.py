"""The card a request shows in the referents' chat: new, taken, then closed, always with what it is about.

Edited in place as the request moves, so a referent scrolling back still sees the territory, the topic and
the language to answer in, whoever took it. Never the person's name or account: the bot does not know it.
"""

from __future__ import annotations

import html
import logging
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.context import Context
from bot.features.contact.concerns import CONCERNS
from bot.i18n import Translator
from bot.models import Person, Ticket
from bot.services import Services

log = logging.getLogger(__name__)


class State(StrEnum):
    NEW = "new"
    TAKEN = "taken"
    CLOSED = "closed"


def referents_language(found: Services) -> Translator:
    return found.catalogs.get(found.settings.default_language)


def topic_label(t: Translator, topic: str) -> str:
    """The worry the request is about, as the person chose it, in the referents' language."""
    concern = CONCERNS.get(topic)
    return t.gettext(concern[0]) if concern else topic


def card(found: Services, ticket: Ticket, state: State, language: str | None) -> str:
    """Telegram HTML; `language` is the person's, None once they are gone (the line is left out)."""
    t = referents_language(found)
    headings = {
        State.NEW: t.gettext("🆕 Demande de contact n° {number}"),
        State.TAKEN: t.gettext("✅ Demande n° {number} prise en charge."),
        State.CLOSED: t.gettext("☑️ Demande n° {number} close."),
    }
    territory = found.content.territories.get(ticket.territory)
    name = territory.name(t.language) if territory else ticket.territory
    lines = [
        "<b>" + headings[state].format(number=ticket.id) + "</b>",
        t.gettext("Territoire : {territory}").format(territory=html.escape(name)),
        t.gettext("Sujet : {topic}").format(topic=html.escape(topic_label(t, ticket.topic))),
    ]
    if language is not None:
        spoken = t.language_name(language)
        lines.append(t.gettext("Langue de la personne : {language}").format(language=spoken))
    return t.directed("\n".join(lines))


async def person_of(session: AsyncSession, ticket: Ticket | None) -> Person | None:
    return None if ticket is None else await session.get(Person, ticket.person_id)


async def language_of(found: Services, ticket: Ticket) -> str | None:
    """The person's language, for the referents; None once the person is gone."""
    async with found.database.session() as session:
        person = await person_of(session, ticket)
    return person.language if person else None


async def edit_card(context: Context, chat_id: int, message_id: int, text: str) -> None:
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )
    except TelegramError as error:
        log.info("could not update a request's announcement: %s", type(error).__name__)
