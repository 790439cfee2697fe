"""/campaign: a coordinator composes a campaign in the chat, step by step, on a draft card.

Buttons: "1:c:<id>[:<action>[:<arg>...]]". The draft lives in the database, so it survives a restart; when
the card asks for typed input (a message, a date, a time, a title), the chat's conversation says so (kind
composer: the draft's id and the field), and the text router gives the coordinator's next message to
`on_input` rather than to the search. The flow is drawn in composer.mmd. The card
is card.py; the audience and schedule steps are audience_step.py and schedule_step.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.config import SUPPORTED_LANGUAGES
from bot.core.access import is_coordinator, require_coordinator, require_scope
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields
from bot.domain import campaigns, conversations
from bot.domain.audience import Audience
from bot.domain.conversations import Current
from bot.features.campaigns import drafting
from bot.features.campaigns.audience_step import audience_step, within_scope
from bot.features.campaigns.card import ask, done_button, refusal, save, show_card
from bot.features.campaigns.schedule_step import past_date, schedule_step, suggested_date, weekday_step
from bot.fields import row_id
from bot.models import Campaign, CampaignStatus


async def new_campaign(update: Update, context: Context) -> None:
    """/campaign [title]: a new draft."""
    me = await require_scope(update, context)
    if me is None:
        return
    ui, found = me.ui, context.services
    title = " ".join(context.args or []).strip() or ui._("Campagne du {date}").format(
        date=ui.t.date(found.clock().astimezone(ZoneInfo(found.settings.timezone)).date())
    )
    async with found.database.session() as session:
        campaign = await campaigns.create_draft(session, by=me.user_id, title=title, now=found.clock())
        # A territory coordinator's "all territories" is all of theirs, written out: never every one.
        campaign.audience = within_scope(found, me.scope, Audience()).to_json()
        session.add(campaign)
    await show_card(update, context, ui, campaign, edit=False)


async def _draft(update: Update, context: Context, ui: Ui, campaign_id: str) -> Campaign | None:
    """The coordinator's own draft, or None after saying why it cannot be edited."""
    user = update.effective_user
    found = context.services
    campaign, number = None, row_id(campaign_id)
    if number is not None:
        async with found.database.session() as session:
            campaign = await campaigns.get_campaign(session, number)
    if campaign is None or user is None:
        await stale_button(update, context, ui)
        return None
    if campaign.status != CampaignStatus.DRAFT or campaign.created_by != user.id:
        await acknowledge(
            update, ui._("Ce brouillon n'est plus modifiable ici : voir /campaigns."), alert=True
        )
        return None
    return campaign


async def on_button(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        await acknowledge(update)
        return
    fields = button_fields(update) or []
    campaign = await _draft(update, context, ui, fields[0] if fields else "")
    if campaign is None or campaign.id is None:
        return
    action, args = (fields[1], fields[2:]) if len(fields) > 1 else ("", [])
    # Any button already ended a question waiting for typed input (bot/core/text_router.py `moved_on`).
    handler = _ACTIONS.get(action)
    if handler is None:
        await acknowledge(update)
        await show_card(update, context, ui, campaign)
        return
    await handler(update, context, ui, campaign, args)


async def _ask_message(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    language = args[0] if args and args[0] in SUPPORTED_LANGUAGES else "fr"
    prompt = ui._(
        "Envoyez maintenant le message en {language} : un texte, ou une photo ou un document avec "
        "sa légende. La mise en forme (gras, italique, liens) est conservée."
    ).format(language=ui.t.language_name(language))
    await ask(update, context, ui, campaign, f"text:{language}", prompt)


async def _ask_title(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    await ask(
        update,
        context,
        ui,
        campaign,
        "title",
        ui._("Écrivez le titre de la campagne (64 caractères au plus)."),
    )


async def _items(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    """Pick a myth card, a resource or a page: each recipient gets it in their own language."""
    await acknowledge(update)
    found = context.services
    cid = str(campaign.id)
    rows: Keyboard
    if args == ["y"]:
        myths = [found.content.myth(ui.language, i) for i in found.content.myth_ids()]
        rows = [[button("🃏 " + m.claim, pack(Action.COMPOSER, cid, "I", "myth", m.id))] for m in myths if m]
    elif args == ["r"]:
        resources = [
            r
            for topic in found.content.topics.get(ui.language, {})
            for r in found.content.resources_in(ui.language, topic)
        ]
        rows = [
            [button("📚 " + r.title, pack(Action.COMPOSER, cid, "I", "resource", r.id))] for r in resources
        ]
    else:
        rows = [
            [button(ui._("🃏 Une carte vrai ou faux"), pack(Action.COMPOSER, cid, "i", "y"))],
            [button(ui._("📚 Une ressource pour les parents"), pack(Action.COMPOSER, cid, "i", "r"))],
        ]
        if campaign.messages.get("item"):
            rows.append(
                [button(ui._("✖️ Plus de contenu : écrire un message"), pack(Action.COMPOSER, cid, "I", "-"))]
            )
    rows += done_button(ui, campaign.id or 0)
    await answer(update, ui, ui._("Quel contenu envoyer ? Chacun le recevra dans sa langue."), rows)


async def _set_item(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    found = context.services
    reference = ":".join(args)
    kind, _, item_id = reference.partition(":")
    exists = (kind == "myth" and found.content.myth("fr", item_id)) or (
        kind == "resource" and found.content.resource("fr", item_id)
    )
    if reference != "-" and not exists:
        await stale_button(update, context, ui)
        return
    messages = {k: v for k, v in campaign.messages.items() if k not in ("item", "items")}
    if reference != "-":
        messages = {"item": reference}
    await acknowledge(update)
    await show_card(update, context, ui, await save(found, campaign.id or 0, messages=messages) or campaign)


async def _urgent(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    await acknowledge(update)
    found = context.services
    await show_card(
        update, context, ui, await save(found, campaign.id or 0, urgent=not campaign.urgent) or campaign
    )


async def _abandon(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    found = context.services
    assert update.effective_user is not None
    async with found.database.session() as session:
        stored = await campaigns.get_campaign(session, campaign.id or 0)
        if stored is not None:
            await campaigns.cancel(session, stored, by=update.effective_user.id, now=found.clock())
    await acknowledge(update)
    await answer(update, ui, ui._("Brouillon abandonné. /campaign pour en commencer un autre."))


async def on_input(update: Update, context: Context, ui: Ui, waiting: Current) -> bool:
    """The text router's route while a draft waits for typed input; False when the coordinator is one no
    more (their text is then a search)."""
    found = context.services
    user, message = update.effective_user, update.effective_message
    campaign_id, field = waiting.number("campaign"), waiting.text("field") or ""
    # The database decides, not this instance's cache: a /revoke or /grant on another instance counts.
    if user is None or message is None or not await is_coordinator(found, user.id):
        async with found.database.session() as session:
            await conversations.taken(session, waiting)
        return False
    async with found.database.session() as session:
        campaign = await campaigns.get_campaign(session, campaign_id or 0)
    if (
        campaign is None
        or campaign.id is None
        or campaign.status != CampaignStatus.DRAFT
        or campaign.created_by != user.id
    ):
        async with found.database.session() as session:
            await conversations.taken(session, waiting)
        note = ui._("Aucun brouillon n'attend de texte : /campaign pour en commencer un.")
        await answer(update, ui, note, edit=False)
        return True
    typed = drafting.Typed(
        text=(message.text or "").strip(),
        text_html=message.text_html if message.text else "",
        caption_html=message.caption_html or "" if message.photo or message.document else "",
        photo=message.photo[-1].file_id if message.photo else None,
        document=message.document.file_id if message.document else None,
    )
    zone = ZoneInfo(found.settings.timezone)
    changes = drafting.read_input(campaign, field, typed, now=found.clock(), zone=zone)
    if isinstance(changes, drafting.Refused):  # the question stays open for another try
        await answer(update, ui, refusal(ui, changes), done_button(ui, campaign.id), edit=False)
        return True
    if isinstance(changes, drafting.PastDate):  # asked, never moved in silence; a retype also answers
        await answer(update, ui, *past_date(ui, campaign.id, changes), edit=False)
        return True
    async with found.database.session() as session:
        # The answer and the end of the question in one transaction; of two instances given answers to
        # the same question at once, only the one that ends it saves.
        if await conversations.taken(session, waiting):
            campaign = await drafting.save_draft(session, campaign.id, changes) or campaign
    await show_card(update, context, ui, campaign, edit=False)
    return True


_ACTIONS = {
    "m": _ask_message,
    "n": _ask_title,
    "i": _items,
    "I": _set_item,
    "a": audience_step,
    "w": schedule_step,
    "D": weekday_step,
    "W": suggested_date,
    "u": _urgent,
    "x": _abandon,
}


async def _preview(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    from bot.features.campaigns.admin import send_previews  # it builds on this module's card

    await send_previews(update, context, ui, campaign)
    await show_card(update, context, ui, campaign, edit=False)


def register(app: BotApplication) -> None:
    from bot.features.campaigns.admin import submit

    _ACTIONS["v"] = _preview
    _ACTIONS["s"] = submit
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("campaign", new_campaign, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.COMPOSER)))
