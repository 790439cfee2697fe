"""The composer's draft card, and what its steps share: saving the draft, asking for typed input, and the
words for typed input refused (bot/features/campaigns/drafting.py says why)."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update

from bot.config import SUPPORTED_LANGUAGES
from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button
from bot.domain import campaigns, conversations
from bot.domain.audience import count_audience
from bot.domain.conversations import INPUT_WAITS, Kind
from bot.features.campaigns import drafting
from bot.features.campaigns.views import (
    audience_summary,
    message_lines,
    schedule_summary,
)
from bot.models import Campaign
from bot.services import Services


def done_button(ui: Ui, campaign_id: int) -> list[list[Any]]:
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


async def save(found: Services, campaign_id: int, **changes: Any) -> Campaign | None:
    async with found.database.session() as session:
        return await drafting.save_draft(session, campaign_id, changes)


async def ask(update: Update, context: Context, ui: Ui, campaign: Campaign, field: str, prompt: str) -> None:
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
    await answer(update, ui, prompt, done_button(ui, campaign.id))


def refusal(ui: Ui, why: drafting.Refused) -> str:
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
