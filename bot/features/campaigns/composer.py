"""/campaign: a coordinator composes a campaign in the chat, step by step, on a draft card.

Buttons: "1:c:<id>[:<action>[:<arg>...]]". The draft lives in the database, so it survives a restart; when
the card asks for typed input (a message, a date, a time, a title), the chat's conversation says so (kind
composer: the draft's id and the field), and the text router gives the coordinator's next message to
`on_input` rather than to the search. The flow is drawn in composer.mmd.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.config import SUPPORTED_LANGUAGES
from bot.core.access import coordinator_scope, is_coordinator, require_coordinator
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields
from bot.domain import campaigns, conversations
from bot.domain.audience import Audience, count_audience
from bot.domain.conversations import INPUT_WAITS, Current, Kind
from bot.domain.scope import Scope
from bot.features.campaigns import drafting
from bot.features.campaigns.views import (
    AUDIENCE_KEYS,
    audience_options,
    audience_summary,
    message_lines,
    option_label,
    schedule_summary,
    weekday_name,
)
from bot.fields import index as position
from bot.fields import number, row_id
from bot.models import Campaign, CampaignStatus
from bot.schedule import NOW, WEEKLY, parse_clock
from bot.services import Services


def _done_button(ui: Ui, campaign_id: int) -> list[list[Any]]:
    return [[button(ui._("↩️ Retour à la campagne"), pack(Action.COMPOSER, str(campaign_id)))]]


def card(ui: Ui, found: Services, campaign: Campaign, recipients: int) -> tuple[str, Keyboard]:
    cid = str(campaign.id)
    rate = found.settings.broadcast_rate
    lines = [
        ui._("📝 <b>Campagne n° {id} : {title}</b> ({status})").format(
            id=campaign.id, title=html.escape(campaign.title), status=ui._("brouillon")
        ),
        "",
        "<b>" + ui._("Message") + "</b>",
        *message_lines(ui, found, campaign),
        "",
        "<b>"
        + ui._("Destinataires")
        + "</b> : "
        + audience_summary(ui, found, campaigns.audience_of(campaign)),
        ui.t.ngettext(
            "{count} personne aujourd'hui ; envoi en {duration} environ à {rate} messages par seconde.",
            "{count} personnes aujourd'hui ; envoi en {duration} environ à {rate} messages par seconde.",
            recipients,
        ).format(
            count=ui.t.number(recipients), duration=ui.t.duration(recipients / rate), rate=ui.t.number(rate)
        ),
        "<b>" + ui._("Envoi") + "</b> : " + schedule_summary(ui, found, campaign),
        "<b>"
        + ui._("Urgent")
        + "</b> : "
        + (
            ui._("oui (ignore les heures calmes et le plafond hebdomadaire)")
            if campaign.urgent
            else ui._("non")
        ),
    ]
    if not recipients:
        lines.append(
            "⚠️ "
            + ui._("Personne ne correspond à ces destinataires aujourd'hui : changez-les avant de soumettre.")
        )
    elif recipients > found.settings.approval_threshold:
        lines.append(
            ui._(
                "Plus de {count} destinataires : une autre personne de la coordination devra approuver."
            ).format(count=ui.t.number(found.settings.approval_threshold))
        )
    rows: Keyboard = [
        [
            button("✏️ " + ui.t.language_name(lang), pack(Action.COMPOSER, cid, "m", lang))
            for lang in SUPPORTED_LANGUAGES
        ],
        [
            button(ui._("🃏 Un contenu du bot"), pack(Action.COMPOSER, cid, "i")),
            button(ui._("🏷 Titre"), pack(Action.COMPOSER, cid, "n")),
        ],
        [
            button(ui._("👥 Destinataires"), pack(Action.COMPOSER, cid, "a")),
            button(ui._("🕒 Date d'envoi"), pack(Action.COMPOSER, cid, "w")),
        ],
        [
            button(
                ui._("⚡ Urgent : oui") if campaign.urgent else ui._("⚡ Urgent : non"),
                pack(Action.COMPOSER, cid, "u"),
            )
        ],
        [
            button(ui._("👁 Aperçu"), pack(Action.COMPOSER, cid, "v")),
            button(ui._("📤 Soumettre"), pack(Action.COMPOSER, cid, "s")),
        ],
        [button(ui._("🗑 Abandonner ce brouillon"), pack(Action.COMPOSER, cid, "x"))],
    ]
    return "\n".join(lines), rows


async def show_card(
    update: Update, context: Context, ui: Ui, campaign: Campaign, *, edit: bool = True
) -> None:
    found = context.services
    async with found.database.session() as session:
        recipients = await count_audience(
            session, campaigns.audience_of(campaign), configured=found.settings.coordinators
        )
    text, rows = card(ui, found, campaign, recipients)
    await answer(update, ui, text, rows, edit=edit)


async def new_campaign(update: Update, context: Context) -> None:
    """/campaign [title]: a new draft."""
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    found = context.services
    title = " ".join(context.args or []).strip() or ui._("Campagne du {date}").format(
        date=ui.t.date(found.clock().astimezone(ZoneInfo(found.settings.timezone)).date())
    )
    scope = await coordinator_scope(found, update.effective_user.id) or Scope.whole()
    async with found.database.session() as session:
        campaign = await campaigns.create_draft(
            session, by=update.effective_user.id, title=title, now=found.clock()
        )
        # A territory coordinator's "all territories" is all of theirs, written out: never every one.
        campaign.audience = _within_scope(found, scope, Audience()).to_json()
        session.add(campaign)
    await show_card(update, context, ui, campaign, edit=False)


def _within_scope(found: Services, scope: Scope, audience: Audience) -> Audience:
    """The audience a coordinator of `scope` may send to: no territory chosen means all of theirs."""
    if scope.is_whole or audience.territories:
        return audience
    return Audience.from_json(
        {**audience.to_json(), "territories": audience_options(found, "territories", scope)}
    )


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


async def _save(found: Services, campaign_id: int, **changes: Any) -> Campaign | None:
    async with found.database.session() as session:
        return await drafting.save_draft(session, campaign_id, changes)


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


async def _ask(update: Update, context: Context, ui: Ui, campaign: Campaign, field: str, prompt: str) -> None:
    """Wait for typed input: "text:<language>", "title", "date" or "time" of this draft."""
    found = context.services
    chat = update.effective_chat
    assert campaign.id is not None and chat is not None
    async with found.database.session() as session:
        waiting = await conversations.begin(
            session,
            chat_id=chat.id,
            kind=Kind.COMPOSER,
            data={"campaign": campaign.id, "field": field},
            now=found.clock(),
            over=INPUT_WAITS,
        )
    if waiting is None:  # a relay conversation takes what the coordinator types
        prompt = ui._(
            "Ce que vous écrivez va en ce moment à la conversation d'une demande de contact : "
            "terminez-la d'abord."
        )
    await acknowledge(update)
    await answer(update, ui, prompt, _done_button(ui, campaign.id))


async def _ask_message(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    language = args[0] if args and args[0] in SUPPORTED_LANGUAGES else "fr"
    prompt = ui._(
        "Envoyez maintenant le message en {language} : un texte, ou une photo ou un document avec "
        "sa légende. La mise en forme (gras, italique, liens) est conservée."
    ).format(language=ui.t.language_name(language))
    await _ask(update, context, ui, campaign, f"text:{language}", prompt)


async def _ask_title(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    await _ask(
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
    rows += _done_button(ui, campaign.id or 0)
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
    await show_card(update, context, ui, await _save(found, campaign.id or 0, messages=messages) or campaign)


async def _audience(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    found = context.services
    assert update.effective_user is not None
    scope = await coordinator_scope(found, update.effective_user.id) or Scope.whole()
    audience = campaigns.audience_of(campaign)
    if args == ["c"]:  # staff: only ever when chosen here
        audience = audience.with_staff(not audience.staff)
        campaign = await _save(found, campaign.id or 0, audience=audience.to_json()) or campaign
    elif len(args) == 2 and args[0] in AUDIENCE_KEYS:
        key = AUDIENCE_KEYS[args[0]]
        options = audience_options(found, key, scope)
        option = position(args[1], len(options))
        if option is None:
            await stale_button(update, context, ui)
            return
        audience = _within_scope(found, scope, audience.toggled(key, options[option]))
        campaign = await _save(found, campaign.id or 0, audience=audience.to_json()) or campaign
    await acknowledge(update)
    async with found.database.session() as session:
        recipients = await count_audience(session, audience, configured=found.settings.coordinators)
    cid = str(campaign.id)
    rows: Keyboard = []
    for letter, key in AUDIENCE_KEYS.items():
        chosen: tuple[str, ...] = getattr(audience, key)
        line = []
        for index, value in enumerate(audience_options(found, key, scope)):
            mark = "✅ " if value in chosen else ""
            line.append(
                button(
                    mark + option_label(ui, found, key, value),
                    pack(Action.COMPOSER, cid, "a", letter, str(index)),
                )
            )
        rows += [line[i : i + 3] for i in range(0, len(line), 3)]
    staff = ("✅ " if audience.staff else "") + ui._("Coordination")
    rows += [[button(staff, pack(Action.COMPOSER, cid, "a", "c"))], *_done_button(ui, campaign.id or 0)]
    text = "\n".join(
        [
            "<b>" + ui._("Qui reçoit cette campagne ?") + "</b>",
            ui._("Rien de coché dans une ligne veut dire : tout le monde pour ce critère."),
            ui._("Profils, territoires, langues, abonnements, puis lien d'arrivée."),
            ui._("La coordination ne reçoit la campagne que si vous cochez « Coordination »."),
            "",
            audience_summary(ui, found, audience),
            ui.t.ngettext("{count} destinataire.", "{count} destinataires.", recipients).format(
                count=ui.t.number(recipients)
            ),
        ]
    )
    await answer(update, ui, text, rows)


async def _schedule(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    found = context.services
    cid = str(campaign.id)
    if args == ["n"]:
        campaign = await _save(found, campaign.id or 0, schedule=NOW) or campaign
    elif args == ["l"]:
        campaign = await _save(found, campaign.id or 0, local_time=not campaign.local_time) or campaign
    elif args == ["d"]:
        prompt = ui._("Écrivez la date et l'heure d'envoi, par exemple 24/12 18:00 ou 2026-12-24 18:00.")
        await _ask(update, context, ui, campaign, "date", prompt)
        return
    elif args == ["w"]:
        await acknowledge(update)
        rows: Keyboard = [
            [button(weekday_name(ui.t, d), pack(Action.COMPOSER, cid, "D", str(d)))] for d in range(7)
        ]
        await answer(update, ui, ui._("Quel jour de la semaine ?"), rows + _done_button(ui, campaign.id or 0))
        return
    await acknowledge(update)
    local = (
        ui._("✅ Heure locale de chaque destinataire")
        if campaign.local_time
        else ui._("☐ Heure locale de chaque destinataire")
    )
    rows = [
        [button(ui._("Dès l'approbation"), pack(Action.COMPOSER, cid, "w", "n"))],
        [button(ui._("À une date et une heure"), pack(Action.COMPOSER, cid, "w", "d"))],
        [button(ui._("Chaque semaine"), pack(Action.COMPOSER, cid, "w", "w"))],
        [button(local, pack(Action.COMPOSER, cid, "w", "l"))],
        *_done_button(ui, campaign.id or 0),
    ]
    text = ui._("Quand envoyer ? Actuellement : {when}.").format(when=schedule_summary(ui, found, campaign))
    text += "\n" + ui._(
        "« Heure locale » : 18:00 veut dire 18:00 à Paris pour les uns, 18:00 à Cayenne pour les autres."
    )
    await answer(update, ui, text, rows)


async def _weekday(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    weekday = position(args[0], 7) if len(args) == 1 else None
    if weekday is None:
        await stale_button(update, context, ui)
        return
    found = context.services
    campaign = (
        await _save(found, campaign.id or 0, schedule=WEEKLY, weekday=weekday, on_date=None) or campaign
    )
    prompt = ui._("Chaque {day} : à quelle heure ? Écrivez-la, par exemple 18:00.").format(
        day=weekday_name(ui.t, weekday)
    )
    await _ask(update, context, ui, campaign, "time", prompt)


async def _urgent(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    await acknowledge(update)
    found = context.services
    await show_card(
        update, context, ui, await _save(found, campaign.id or 0, urgent=not campaign.urgent) or campaign
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
        await answer(update, ui, _refusal(ui, changes), _done_button(ui, campaign.id), edit=False)
        return True
    if isinstance(changes, drafting.PastDate):  # asked, never moved in silence; a retype also answers
        await answer(update, ui, *_past_date(ui, campaign.id, changes), edit=False)
        return True
    async with found.database.session() as session:
        # The answer and the end of the question in one transaction; of two instances given answers to
        # the same question at once, only the one that ends it saves.
        if await conversations.taken(session, waiting):
            campaign = await drafting.save_draft(session, campaign.id, changes) or campaign
    await show_card(update, context, ui, campaign, edit=False)
    return True


def _past_date(ui: Ui, campaign_id: int, past: drafting.PastDate) -> tuple[str, Keyboard]:
    """ "That date has passed: did you mean next year's?", with a button for it; the retype stays open."""
    typed = f"{past.suggested:%d/%m/%Y}"  # as the coordinator types dates, whatever their language
    clock = past.moment.strftime("%H:%M")
    text = ui._(
        "Cette date est déjà passée cette année : vouliez-vous dire l'année prochaine, le {typed} ({date}) ? "
        "Sinon, écrivez une autre date."
    ).format(typed=typed, date=ui.t.date(past.suggested))
    choice = pack(Action.COMPOSER, str(campaign_id), "W", f"{past.suggested:%Y%m%d}", clock.replace(":", ""))
    yes = button(ui._("✅ Oui, le {typed} à {time}").format(typed=typed, time=clock), choice)
    return text, [[yes], *_done_button(ui, campaign_id)]


async def _suggested_date(
    update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]
) -> None:
    """The "yes, next year's" button of a past date: checked again, since the button may be old."""
    found = context.services
    day = _button_date(args[0]) if len(args) == 2 else None
    moment = parse_clock(args[1][:2] + ":" + args[1][2:]) if day is not None and len(args[1]) == 4 else None
    if day is None or moment is None:
        await stale_button(update, context, ui)
        return
    changes = drafting.on_date(day, moment, now=found.clock(), zone=ZoneInfo(found.settings.timezone))
    if isinstance(changes, drafting.Refused):
        await acknowledge(update, _refusal(ui, changes), alert=True)
        return
    await acknowledge(update)
    await show_card(update, context, ui, await _save(found, campaign.id or 0, **changes) or campaign)


def _button_date(text: str) -> date | None:
    value = number(text) if len(text) == 8 else None
    if value is None:
        return None
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


def _refusal(ui: Ui, why: drafting.Refused) -> str:
    match why:
        case drafting.Refused.CAPTION_TOO_LONG:
            return ui._(
                "La légende est trop longue : {limit} caractères au plus (la ligne « /stop » prend le reste)."
            ).format(limit=ui.t.number(drafting.CAPTION_ROOM))
        case drafting.Refused.TEXT_TOO_LONG:
            return ui._(
                "Le message est trop long : {limit} caractères au plus (la ligne « /stop » prend le reste)."
            ).format(limit=ui.t.number(drafting.TEXT_ROOM))
        case drafting.Refused.NO_CONTENT:
            return ui._("Envoyez un texte, une photo ou un document.")
        case drafting.Refused.TITLE_NOT_TEXT:
            return ui._("Écrivez le titre en texte.")
        case drafting.Refused.DATE_UNREADABLE:
            return ui._("Je n'ai pas compris cette date. Exemple : 24/12 18:00.")
        case drafting.Refused.DATE_PAST:
            return ui._("Cette date est passée : choisissez un moment à venir.")
        case drafting.Refused.TIME_UNREADABLE:
            return ui._("Je n'ai pas compris cette heure. Exemple : 18:00.")
    return ui._("Aucun brouillon n'attend de texte : /campaign pour en commencer un.")


_ACTIONS = {
    "m": _ask_message,
    "n": _ask_title,
    "i": _items,
    "I": _set_item,
    "a": _audience,
    "w": _schedule,
    "D": _weekday,
    "W": _suggested_date,
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
