"""/campaign: a coordinator composes a campaign in the chat, step by step, on a draft card.

Buttons: "1:c:<id>[:<action>[:<arg>...]]". The draft lives in the database, so it survives a restart; when
the card asks for typed input (a message, a date, a time, a title), the coordinator's next message is taken
as that input rather than as a search.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.ext.filters import UpdateFilter

from bot.callbacks import pack
from bot.config import SUPPORTED_LANGUAGES
from bot.delivery.render import CAPTION_LIMIT, TEXT_LIMIT
from bot.domain import campaigns
from bot.domain.audience import count_audience
from bot.domain.campaigns import DRAFT
from bot.domain.schedule import NOW, ONCE, WEEKLY, parse_clock
from bot.handlers.campaign_views import (
    AUDIENCE_KEYS,
    audience_options,
    audience_summary,
    message_lines,
    option_label,
    schedule_summary,
    weekday_name,
)
from bot.handlers.common import (
    BotApplication,
    Context,
    Keyboard,
    Ui,
    acknowledge,
    answer,
    button,
    button_fields,
    services,
)
from bot.handlers.coordinators import require_coordinator
from bot.handlers.fallback import stale_button
from bot.models import Campaign
from bot.services import Services

FOOTER_ROOM = 120  # the "/stop" line added to every message
_DATE = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})(?:/(\d{4}))?)\s+(.+)$")


def _done_button(ui: Ui, campaign_id: int) -> list[list[Any]]:
    return [[button(ui._("↩️ Retour à la campagne"), pack("c", str(campaign_id)))]]


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
    if recipients > found.settings.approval_threshold:
        lines.append(
            ui._(
                "Plus de {count} destinataires : une autre personne de la coordination devra approuver."
            ).format(count=ui.t.number(found.settings.approval_threshold))
        )
    rows: Keyboard = [
        [button("✏️ " + ui.t.language_name(lang), pack("c", cid, "m", lang)) for lang in SUPPORTED_LANGUAGES],
        [
            button(ui._("🃏 Un contenu du bot"), pack("c", cid, "i")),
            button(ui._("🏷 Titre"), pack("c", cid, "n")),
        ],
        [
            button(ui._("👥 Destinataires"), pack("c", cid, "a")),
            button(ui._("🕒 Date d'envoi"), pack("c", cid, "w")),
        ],
        [
            button(
                ui._("⚡ Urgent : oui") if campaign.urgent else ui._("⚡ Urgent : non"), pack("c", cid, "u")
            )
        ],
        [button(ui._("👁 Aperçu"), pack("c", cid, "v")), button(ui._("📤 Soumettre"), pack("c", cid, "s"))],
        [button(ui._("🗑 Abandonner ce brouillon"), pack("c", cid, "x"))],
    ]
    return "\n".join(lines), rows


async def show_card(
    update: Update, context: Context, ui: Ui, campaign: Campaign, *, edit: bool = True
) -> None:
    found = services(context)
    async with found.database.session() as session:
        recipients = await count_audience(session, campaigns.audience_of(campaign))
    text, rows = card(ui, found, campaign, recipients)
    await answer(update, ui, text, rows, edit=edit)


async def new_campaign(update: Update, context: Context) -> None:
    """/campaign [title]: a new draft."""
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    found = services(context)
    title = " ".join(context.args or []).strip() or ui._("Campagne du {date}").format(
        date=ui.t.date(found.clock().astimezone(ZoneInfo(found.settings.timezone)).date())
    )
    async with found.database.session() as session:
        await campaigns.stop_awaiting(session, by=update.effective_user.id)
        campaign = await campaigns.create_draft(
            session, by=update.effective_user.id, title=title, now=found.clock()
        )
    found.composing.pop(update.effective_user.id, None)
    await show_card(update, context, ui, campaign, edit=False)


async def _draft(update: Update, context: Context, ui: Ui, campaign_id: str) -> Campaign | None:
    """The coordinator's own draft, or None after saying why it cannot be edited."""
    user = update.effective_user
    found = services(context)
    campaign = None
    if campaign_id.isdigit():
        async with found.database.session() as session:
            campaign = await campaigns.get_campaign(session, int(campaign_id))
    if campaign is None or user is None:
        await stale_button(update, context, ui)
        return None
    if campaign.status != DRAFT or campaign.created_by != user.id:
        await acknowledge(
            update, ui._("Ce brouillon n'est plus modifiable ici : voir /campaigns."), alert=True
        )
        return None
    return campaign


async def _save(found: Services, campaign_id: int, **changes: Any) -> Campaign | None:
    async with found.database.session() as session:
        campaign = await campaigns.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != DRAFT:
            return None
        for key, value in changes.items():
            setattr(campaign, key, value)
        session.add(campaign)
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
    found = services(context)
    action, args = (fields[1], fields[2:]) if len(fields) > 1 else ("", [])
    user_id = update.effective_user.id
    if action not in ("m", "n", "D"):
        found.composing.pop(user_id, None)
        if campaign.awaiting:
            campaign = await _save(found, campaign.id, awaiting=None) or campaign
    handler = _ACTIONS.get(action)
    if handler is None:
        await acknowledge(update)
        await show_card(update, context, ui, campaign)
        return
    await handler(update, context, ui, campaign, args)


async def _ask(
    update: Update, context: Context, ui: Ui, campaign: Campaign, awaiting: str, prompt: str
) -> None:
    found = services(context)
    assert campaign.id is not None and update.effective_user is not None
    async with found.database.session() as session:
        await campaigns.stop_awaiting(session, by=update.effective_user.id)
    await _save(found, campaign.id, awaiting=awaiting)
    found.composing[update.effective_user.id] = campaign.id
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
    found = services(context)
    cid = str(campaign.id)
    rows: Keyboard
    if args == ["y"]:
        myths = [found.content.myth(ui.language, i) for i in found.content.myth_ids()]
        rows = [[button("🃏 " + m.claim[:50], pack("c", cid, "I", "myth", m.id))] for m in myths if m]
    elif args == ["r"]:
        resources = [
            r
            for topic in found.content.topics.get(ui.language, {})
            for r in found.content.resources_in(ui.language, topic)
        ]
        rows = [[button("📚 " + r.title[:50], pack("c", cid, "I", "resource", r.id))] for r in resources]
    else:
        rows = [
            [button(ui._("🃏 Une carte vrai ou faux"), pack("c", cid, "i", "y"))],
            [button(ui._("📚 Une ressource pour les parents"), pack("c", cid, "i", "r"))],
        ]
        if campaign.messages.get("item"):
            rows.append([button(ui._("✖️ Plus de contenu : écrire un message"), pack("c", cid, "I", "-"))])
    rows += _done_button(ui, campaign.id or 0)
    await answer(update, ui, ui._("Quel contenu envoyer ? Chacun le recevra dans sa langue."), rows)


async def _set_item(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    found = services(context)
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
    found = services(context)
    audience = campaigns.audience_of(campaign)
    if len(args) == 2 and args[0] in AUDIENCE_KEYS and args[1].isdigit():
        key = AUDIENCE_KEYS[args[0]]
        options = audience_options(found, key)
        if int(args[1]) >= len(options):
            await stale_button(update, context, ui)
            return
        audience = audience.toggled(key, options[int(args[1])])
        campaign = await _save(found, campaign.id or 0, audience=audience.to_json()) or campaign
    await acknowledge(update)
    async with found.database.session() as session:
        recipients = await count_audience(session, audience)
    cid = str(campaign.id)
    rows: Keyboard = []
    for letter, key in AUDIENCE_KEYS.items():
        chosen: tuple[str, ...] = getattr(audience, key)
        line = []
        for index, value in enumerate(audience_options(found, key)):
            mark = "✅ " if value in chosen else ""
            line.append(
                button(mark + option_label(ui, found, key, value), pack("c", cid, "a", letter, str(index)))
            )
        rows += [line[i : i + 3] for i in range(0, len(line), 3)]
    rows += _done_button(ui, campaign.id or 0)
    text = "\n".join(
        [
            "<b>" + ui._("Qui reçoit cette campagne ?") + "</b>",
            ui._("Rien de coché dans une ligne veut dire : tout le monde pour ce critère."),
            ui._("Profils, territoires, langues, abonnements, puis lien d'arrivée."),
            "",
            audience_summary(ui, found, audience),
            ui.t.ngettext("{count} destinataire.", "{count} destinataires.", recipients).format(
                count=ui.t.number(recipients)
            ),
        ]
    )
    await answer(update, ui, text, rows)


async def _schedule(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    found = services(context)
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
        rows: Keyboard = [[button(weekday_name(ui.t, d), pack("c", cid, "D", str(d)))] for d in range(7)]
        await answer(update, ui, ui._("Quel jour de la semaine ?"), rows + _done_button(ui, campaign.id or 0))
        return
    await acknowledge(update)
    local = (
        ui._("✅ Heure locale de chaque destinataire")
        if campaign.local_time
        else ui._("☐ Heure locale de chaque destinataire")
    )
    rows = [
        [button(ui._("Dès l'approbation"), pack("c", cid, "w", "n"))],
        [button(ui._("À une date et une heure"), pack("c", cid, "w", "d"))],
        [button(ui._("Chaque semaine"), pack("c", cid, "w", "w"))],
        [button(local, pack("c", cid, "w", "l"))],
        *_done_button(ui, campaign.id or 0),
    ]
    text = ui._("Quand envoyer ? Actuellement : {when}.").format(when=schedule_summary(ui, found, campaign))
    text += "\n" + ui._(
        "« Heure locale » : 18:00 veut dire 18:00 à Paris pour les uns, 18:00 à Cayenne pour les autres."
    )
    await answer(update, ui, text, rows)


async def _weekday(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    if not args or not args[0].isdigit() or int(args[0]) > 6:
        await stale_button(update, context, ui)
        return
    found = services(context)
    campaign = (
        await _save(found, campaign.id or 0, schedule=WEEKLY, weekday=int(args[0]), on_date=None) or campaign
    )
    prompt = ui._("Chaque {day} : à quelle heure ? Écrivez-la, par exemple 18:00.").format(
        day=weekday_name(ui.t, int(args[0]))
    )
    await _ask(update, context, ui, campaign, "time", prompt)


async def _urgent(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    await acknowledge(update)
    found = services(context)
    await show_card(
        update, context, ui, await _save(found, campaign.id or 0, urgent=not campaign.urgent) or campaign
    )


async def _abandon(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    found = services(context)
    assert update.effective_user is not None
    async with found.database.session() as session:
        stored = await campaigns.get_campaign(session, campaign.id or 0)
        if stored is not None:
            await campaigns.cancel(session, stored, by=update.effective_user.id, now=found.clock())
    await acknowledge(update)
    await answer(update, ui, ui._("Brouillon abandonné. /campaign pour en commencer un autre."))


def parse_when(text: str, *, today: date) -> tuple[date, time] | None:
    """ "24/12 18:00", "24/12/2026 18h", "2026-12-24 18:00" -> (day, time).

    A day without a year is its next occurrence."""
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day = (
        (match.group(1), match.group(2), match.group(3))
        if match.group(1)
        else (match.group(6), match.group(5), match.group(4))
    )
    moment = parse_clock(match.group(7))
    try:
        chosen = date(int(year) if year else today.year, int(month), int(day))
    except ValueError:
        return None
    if not year and chosen < today:
        chosen = chosen.replace(year=today.year + 1)
    return (chosen, moment) if moment is not None else None


async def _moved_on(update: Update, context: Context) -> None:
    """Stop waiting for typed input; the command itself is then handled as usual."""
    found = services(context)
    user = update.effective_user
    if user is not None and found.composing.pop(user.id, None) is not None:
        async with found.database.session() as session:
            await campaigns.stop_awaiting(session, by=user.id)


class _Composing(UpdateFilter):
    """A message from a coordinator whose draft waits for typed input: no database query to decide."""

    def __init__(self, found_of: BotApplication) -> None:
        super().__init__(name="composing")
        self.app = found_of

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in services(self.app).composing


async def on_input(update: Update, context: Context) -> None:
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    async with found.database.session() as session:
        campaign = await campaigns.awaiting_draft(session, by=user.id)
    ui = await require_coordinator(update, context)
    if ui is None or campaign is None or campaign.id is None or not campaign.awaiting:
        found.composing.pop(user.id, None)
        if ui is not None:
            await answer(
                update,
                ui,
                ui._("Aucun brouillon n'attend de texte : /campaign pour en commencer un."),
                edit=False,
            )
        return
    error = await _take_input(found, ui, campaign, message)
    if error:
        await answer(update, ui, error, _done_button(ui, campaign.id), edit=False)
        return
    found.composing.pop(user.id, None)
    async with found.database.session() as session:
        stored = await campaigns.get_campaign(session, campaign.id)
    await show_card(update, context, ui, stored or campaign, edit=False)


async def _take_input(found: Services, ui: Ui, campaign: Campaign, message: Message) -> str | None:
    """Store the typed input the draft waited for; the reason it was refused, or None."""
    awaiting = campaign.awaiting or ""
    text = (message.text or "").strip()
    if awaiting.startswith("text:"):
        language = awaiting.removeprefix("text:")
        entry: dict[str, Any]
        if message.photo or message.document:
            caption = message.caption_html or ""
            if len(caption) > CAPTION_LIMIT - FOOTER_ROOM:
                return ui._("La légende est trop longue : {limit} caractères au plus.").format(
                    limit=CAPTION_LIMIT - FOOTER_ROOM
                )
            entry = {"text": caption}
            if message.photo:
                entry["photo"] = message.photo[-1].file_id
            elif message.document:
                entry["document"] = message.document.file_id
        elif text:
            if len(message.text_html) > TEXT_LIMIT - FOOTER_ROOM:
                return ui._("Le message est trop long : {limit} caractères au plus.").format(
                    limit=TEXT_LIMIT - FOOTER_ROOM
                )
            entry = {"text": message.text_html}
        else:
            return ui._("Envoyez un texte, une photo ou un document.")
        messages = {k: v for k, v in campaign.messages.items() if k not in ("item", "items")}
        messages[language] = entry
        await _save(found, campaign.id or 0, messages=messages, awaiting=None)
        return None
    if awaiting == "title":
        if not text:
            return ui._("Écrivez le titre en texte.")
        await _save(found, campaign.id or 0, title=text[:64], awaiting=None)
        return None
    if awaiting == "date":
        zone = ZoneInfo(found.settings.timezone)
        today = found.clock().astimezone(zone).date()
        parsed = parse_when(text, today=today)
        if parsed is None:
            return ui._("Je n'ai pas compris cette date. Exemple : 24/12 18:00.")
        if datetime.combine(parsed[0], parsed[1], tzinfo=zone) <= found.clock():
            return ui._("Cette date est passée : choisissez un moment à venir.")
        await _save(
            found,
            campaign.id or 0,
            schedule=ONCE,
            on_date=parsed[0],
            time_of_day=parsed[1].strftime("%H:%M"),
            awaiting=None,
        )
        return None
    if awaiting == "time":
        moment = parse_clock(text)
        if moment is None:
            return ui._("Je n'ai pas compris cette heure. Exemple : 18:00.")
        await _save(found, campaign.id or 0, time_of_day=moment.strftime("%H:%M"), awaiting=None)
        return None
    return ui._("Aucun brouillon n'attend de texte : /campaign pour en commencer un.")


_ACTIONS = {
    "m": _ask_message,
    "n": _ask_title,
    "i": _items,
    "I": _set_item,
    "a": _audience,
    "w": _schedule,
    "D": _weekday,
    "u": _urgent,
    "x": _abandon,
}


async def _preview(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    from bot.handlers.campaign_admin import send_previews  # it builds on this module's card

    await send_previews(update, context, ui, campaign)
    await show_card(update, context, ui, campaign, edit=False)


def register(app: BotApplication) -> None:
    from bot.handlers.campaign_admin import submit

    _ACTIONS["v"] = _preview
    _ACTIONS["s"] = submit
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("campaign", new_campaign, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^1:c(:|$)"))
    typed = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
    app.add_handler(MessageHandler(private & typed & _Composing(app), on_input))
    # Its own group, before the others: a command means the coordinator moved on from the draft's question.
    app.add_handler(MessageHandler(private & filters.COMMAND & _Composing(app), _moved_on), group=-3)
