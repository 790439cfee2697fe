"""Resources for parents, browsed by topic, read page by page, shared with a link.

Buttons: "1:t" (the topics), "1:t:<topic>" (a topic's resources), "1:r:<id>:<page>" (a page of a resource;
"1:r:<id>:<page>:p" when a page is turned, so that going back to the first page is not counted as opening it).
A shared link `https://t.me/<bot>?start=r_<id>` opens the resource for whoever taps it.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler

from bot.content.loader import MAX_PAGES
from bot.content.pack import Resource
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu
from bot.domain.indicators import record
from bot.fields import index

SHARE_PREFIX = "r_"
TURNED = "p"


def share_button(ui: Ui, context: Context, payload: str, title: str) -> InlineKeyboardButton:
    """Telegram's own share dialog, with a link that opens `payload` in the bot for whoever taps it."""
    link = f"https://t.me/{context.bot.username}?start={payload}"
    url = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(title, safe='')}"
    return InlineKeyboardButton(ui._("📤 Partager"), url=url)


async def show_topics(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    topics = context.services.content.topic_list(ui.language)
    rows: Keyboard = [[button(topic.title, pack(Action.TOPIC, topic.id))] for topic in topics]
    rows.append(back_to_menu(ui))
    text = "<b>" + ui._("Ressources pour les parents") + "</b>\n" + ui._("Choisissez un thème :")
    await answer(update, ui, text, rows)


async def show_topic(update: Update, context: Context, topic_id: str) -> None:
    ui = await ui_for(update, context)
    found = context.services
    topic = found.content.topic(ui.language, topic_id)
    if topic is None:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    resources = found.content.resources_in(ui.language, topic_id)
    lines = [f"<b>{html.escape(topic.title)}</b>", ""]
    lines += [f"• <b>{html.escape(r.title)}</b> — {html.escape(r.summary)}" for r in resources if r.summary]
    rows: Keyboard = [[button(r.title, pack(Action.RESOURCE, r.id, "0"))] for r in resources]
    rows.append([button(ui._("↩️ Thèmes"), pack(Action.TOPIC))])
    await answer(update, ui, "\n".join(lines), rows)


async def show_resource(
    update: Update,
    context: Context,
    resource: Resource,
    page: int,
    *,
    edit: bool = True,
    opened: bool = False,
) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    if opened:  # an anonymous count for the coordinators' indicators, written in the background
        found = context.services
        territory = ui.person.territory if ui.person else None
        record.resource_opened(found.tallies, resource=resource.id, territory=territory, now=found.clock())
    resource = context.services.content.resource(ui.language, resource.id) or resource
    total = len(resource.pages)
    # A translation may have fewer pages than the version the button was made from.
    page = min(page, total - 1)
    text = ui.t.foreign(resource.pages[page], resource.language)
    if total > 1:
        counter = ui._("Page {page} sur {total}").format(page=ui.t.number(page + 1), total=ui.t.number(total))
        text += f"\n\n<i>{counter}</i>"
    navigation = []
    if page > 0:
        navigation.append(
            button(ui._("◀️ Précédent"), pack(Action.RESOURCE, resource.id, str(page - 1), TURNED))
        )
    if page + 1 < total:
        navigation.append(
            button(ui._("Suivant ▶️"), pack(Action.RESOURCE, resource.id, str(page + 1), TURNED))
        )
    rows: Keyboard = [navigation] if navigation else []
    rows.append([share_button(ui, context, SHARE_PREFIX + resource.id, resource.title)])
    rows.append([button(ui._("↩️ Thèmes"), pack(Action.TOPIC, resource.topic)), *back_to_menu(ui)])
    await answer(update, ui, text, rows, edit=edit)


async def on_topic_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    if not fields:
        await show_topics(update, context)
    elif len(fields) == 1:
        await show_topic(update, context, fields[0])
    else:
        await stale_button(update, context)


async def on_resource_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    turned = len(fields) == 3 and fields[2] == TURNED
    if turned:
        fields = fields[:2]
    found = context.services
    resource = found.content.resource("fr", fields[0]) if len(fields) == 2 else None
    page = index(fields[1], MAX_PAGES) if len(fields) == 2 else None
    if resource is None or page is None:
        await stale_button(update, context)
        return
    await show_resource(update, context, resource, page, opened=page == 0 and not turned)


async def open_shared(update: Update, context: Context, resource_id: str) -> bool:
    """Open a resource from a shared link; False when the link names none."""
    resource = context.services.content.resource("fr", resource_id)
    if resource is None:
        return False
    await show_resource(update, context, resource, 0, edit=False, opened=True)
    return True


def register(app: BotApplication) -> None:
    app.bot_data.deep_links[SHARE_PREFIX] = open_shared  # /start r_<id>, from a shared link
    app.add_handler(CallbackQueryHandler(on_topic_button, pattern=pattern(Action.TOPIC)))
    app.add_handler(CallbackQueryHandler(on_resource_button, pattern=pattern(Action.RESOURCE)))
