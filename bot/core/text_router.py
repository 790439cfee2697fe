"""Who gets what a person types: decided here, and only here, from the chat's conversation in the database.

A private message that is not a command goes to
  - the campaign composer, when a draft waits for its message, title, date or time (text, photo, document);
  - the certificate, when the name to print on it is awaited (text);
  - the other side of a relay, when a referent took the person's request (text; anything else is refused);
  - the grant, when someone who opened a "become a coordinator" link is asked their display name (text);
  - a consultation's idea box, when it waits for the person's idea (text);
  - otherwise the search (text) or the short "I do not read files" answer (anything else).
A route that finds its conversation gone stale (the draft was submitted meanwhile, the wait was answered on
another instance) says so by returning False, and the message is then treated as if there were none.

A command or a button means the person moved on: a wait for one typed answer ends first, then the command
or button is handled as usual (a button that asks for typed input starts a new wait). A relay stays until
one side ends it. The state diagrams sit beside the code of each conversation (`*.mmd`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.core.context import BotApplication, Context
from bot.core.ui import Ui, ui_for
from bot.domain import conversations
from bot.domain.conversations import INPUT_WAITS, Current, Kind
from bot.domain.people import get_person

# A conversation's route: True when it took the message, False to treat it as outside any conversation.
Route = Callable[[Update, Context, Ui, Current], Awaitable[bool]]
Plain = Callable[[Update, Context, Ui], Awaitable[None]]
# Commands and buttons run after this group: the wait they interrupt is over before they start.
MOVED_ON_GROUP = -2


@dataclass(frozen=True)
class TextRoutes:
    composer: Route  # Kind.COMPOSER
    certificate_name: Route  # Kind.CERTIFICATE_NAME
    relay: Route  # Kind.RELAY
    coordinator_name: Route  # Kind.COORDINATOR_NAME
    idea: Route  # Kind.IDEA
    search: Plain  # typed text outside any conversation
    other: Plain  # files, stickers, voice... outside any conversation


async def route(update: Update, context: Context, routes: TextRoutes) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    found = context.services
    async with found.database.session() as session:  # one session for the person and the conversation
        person = await get_person(session, chat_id=chat.id)
        conversation = await conversations.current(session, chat_id=chat.id, now=found.clock())
    found.activity.note(person, found.clock().date())
    context.preloaded = (person,)
    ui = await ui_for(update, context)
    if conversation is not None:
        by_kind = {
            Kind.COMPOSER: routes.composer,
            Kind.CERTIFICATE_NAME: routes.certificate_name,
            Kind.RELAY: routes.relay,
            Kind.COORDINATOR_NAME: routes.coordinator_name,
            Kind.IDEA: routes.idea,
        }
        if await by_kind[conversation.kind](update, context, ui, conversation):
            return
    message = update.effective_message
    if message is not None and message.text:
        await routes.search(update, context, ui)
    else:
        await routes.other(update, context, ui)


async def moved_on(update: Update, context: Context) -> None:
    """A command or a button in a private chat ends a wait for one typed answer (not a relay)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    found = context.services
    async with found.database.session() as session:
        # The person too, in this session: the handler's `ui_for` then needs none of its own.
        person = await get_person(session, chat_id=chat.id)
        # Read first: nearly every command and button finds nothing to end, and then writes nothing.
        conversation = await conversations.current(session, chat_id=chat.id, now=found.clock())
        if conversation is not None and conversation.kind in INPUT_WAITS:
            await conversations.taken(session, conversation)
    # Answered without a trace (the youth space): the wait it interrupts ends all the same (nothing is
    # kept by ending it), but the day of use is not noted.
    if not any(traceless(update, context) for traceless in context.bot_data.traceless):
        found.activity.note(person, found.clock().date())
    context.preloaded = (person,)


def register(app: BotApplication, routes: TextRoutes) -> None:
    async def typed(update: Update, context: Context) -> None:
        await route(update, context, routes)

    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, moved_on), group=MOVED_ON_GROUP)
    app.add_handler(CallbackQueryHandler(moved_on), group=MOVED_ON_GROUP)
    app.add_handler(MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, typed))
