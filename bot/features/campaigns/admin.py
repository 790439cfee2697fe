"""Campaigns after the draft: preview, submit, approval by a second coordinator, /campaigns and reports,
pause, resume and cancel.

Buttons: "1:a:<id>" (the campaign's card and report), "1:a:<id>:<action>" with action ok (approve),
no (reject), p (pause), r (resume), x (cancel, asks first), X (cancel, confirmed), v (preview).
"""

from __future__ import annotations

import contextlib
import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.config import SUPPORTED_LANGUAGES
from bot.core.access import coordinator_scope, require_coordinator, require_scope
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, keyboard
from bot.core.views import N_
from bot.delivery.jobs import sender_of, tick_now, zones_of
from bot.delivery.render import render
from bot.delivery.report import figures_lines, held_lines, status_label
from bot.domain import campaigns, coordinators, run_outcomes
from bot.domain.audience import Audience, count_audience
from bot.domain.campaigns import CampaignError
from bot.domain.people import get_person
from bot.features.campaigns.approval import ask_approval
from bot.features.campaigns.views import audience_summary, local_moment, schedule_summary, urgent_line
from bot.fields import number, row_id
from bot.models import Campaign, CampaignStatus
from bot.schedule import NOW
from bot.shorten import shorten

UNKNOWN_REASON = N_("Action impossible.")
REASONS = {
    "not_draft": N_("Cette campagne n'est plus un brouillon."),
    "no_message": N_("Écrivez d'abord le message en français, ou choisissez un contenu du bot."),
    "no_schedule": N_("Choisissez une date d'envoi à venir."),
    "not_pending": N_("Cette campagne n'attend pas d'approbation."),
    "own_campaign": N_("Une autre personne de la coordination doit approuver : pas vous, qui l'avez écrite."),
    "not_running": N_("Seule une campagne programmée peut être mise en pause."),
    "not_paused": N_("Cette campagne n'est pas en pause."),
    "closed": N_("Cette campagne est déjà terminée ou annulée."),
    "already_approved": N_("Cette campagne est déjà approuvée."),
    "cancelled": N_("Cette campagne est déjà annulée."),
    "stale_request": N_(
        "La campagne a changé depuis cette demande : ouvrez-la dans /campaigns pour la relire."
    ),
    "not_yours": N_("Seule la personne qui écrit ce brouillon peut l'abandonner."),
    "empty_audience": N_("Personne ne correspond à ces destinataires aujourd'hui : changez-les d'abord."),
    "out_of_scope": N_("Cette campagne vise des territoires que vous ne coordonnez pas."),
}


def reason(ui: Ui, error: CampaignError) -> str:
    return ui._(REASONS.get(error.reason, UNKNOWN_REASON))


async def send_previews(update: Update, context: Context, ui: Ui, campaign: Campaign) -> None:
    """Send the message to the coordinator in each language, exactly as recipients will get it."""
    found = context.services
    chat = update.effective_chat
    assert chat is not None
    await acknowledge(update)
    audience = campaigns.audience_of(campaign)
    languages = audience.languages or SUPPORTED_LANGUAGES
    async with found.database.session() as session:
        counts = {
            language: await count_audience(
                session,
                Audience.from_json({**audience.to_json(), "languages": [language]}),
                configured=found.settings.coordinators,
            )
            for language in languages
        }
    items = sender_of(context.application).hooks.render_item  # content items look as the sender sends them
    for language in languages:
        outgoing = render(found, campaign.messages, language, items=items)
        header = ui.t.ngettext(
            "👁 Aperçu en {language} ({count} destinataire) :",
            "👁 Aperçu en {language} ({count} destinataires) :",
            counts[language],
        ).format(language=ui.t.language_name(language), count=ui.t.number(counts[language]))
        await chat.send_message(ui.t.directed(header))
        if outgoing is None:
            await chat.send_message(ui.t.directed(ui._("(rien à envoyer dans cette langue pour l'instant)")))
        else:
            await outgoing.send(context.bot, chat.id)


async def submit(update: Update, context: Context, ui: Ui, campaign: Campaign, _args: list[str]) -> None:
    found = context.services
    user = update.effective_user
    assert user is not None and campaign.id is not None
    scope = await coordinator_scope(found, user.id)
    try:
        if scope is None or not campaigns.covered(scope, campaign):  # their scope changed since
            raise CampaignError("out_of_scope")
        async with found.database.session() as session:
            # Locked: a double tap on Submit, or a cancel at the same moment, cannot interleave with it.
            stored = await campaigns.get_campaign(session, campaign.id, for_update=True)
            assert stored is not None
            status = await campaigns.submit(
                session,
                stored,
                by=user.id,
                now=found.clock(),
                zones=zones_of(found),
                threshold=found.settings.approval_threshold,
                configured=found.settings.coordinators,
            )
            recipients = await count_audience(
                session, campaigns.audience_of(stored), configured=found.settings.coordinators
            )
    except CampaignError as error:
        await acknowledge(update, reason(ui, error), alert=True)
        return
    await acknowledge(update)
    if status == CampaignStatus.PENDING:
        text = ui.t.ngettext(
            "Envoyée pour approbation : {count} destinataire, c'est plus de {threshold}. "
            "Une autre personne de la coordination doit l'approuver ; vous serez prévenu.",
            "Envoyée pour approbation : {count} destinataires, c'est plus de {threshold}. "
            "Une autre personne de la coordination doit l'approuver ; vous serez prévenu.",
            recipients,
        ).format(count=ui.t.number(recipients), threshold=ui.t.number(found.settings.approval_threshold))
        await answer(
            update, ui, text, [[button(ui._("📋 Voir la campagne"), pack(Action.CAMPAIGN, str(campaign.id)))]]
        )
        await ask_approval(context.application, found, stored, recipients)
        return
    if stored.schedule == NOW:
        text = ui._(
            "C'est parti : l'envoi commence maintenant. Vous recevrez ici un rapport qui se met à jour."
        )
    else:
        text = ui._(
            "C'est programmé : {when}. Vous recevrez ici un rapport qui se met à jour pendant l'envoi."
        )
    text = text.format(when=schedule_summary(ui, found, stored))
    await answer(
        update, ui, text, [[button(ui._("📋 Voir la campagne"), pack(Action.CAMPAIGN, str(campaign.id)))]]
    )
    context.application.create_task(tick_now(context.application))


async def list_campaigns(update: Update, context: Context) -> None:
    me = await require_scope(update, context)
    if me is None:
        return
    ui, found = me.ui, context.services
    async with found.database.session() as session:
        listed = await campaigns.list_campaigns(session, scope=me.scope)
    lines = ["<b>" + ui._("Campagnes") + "</b>"]
    rows: Keyboard = []
    for campaign in listed:
        state = status_label(ui.t, campaign.status)
        urgent = " ⚡" if campaign.urgent else ""
        lines.append(f"n° {campaign.id} — {html.escape(campaign.title)} — {state}{urgent}")
        rows.append(
            [
                button(
                    f"n° {campaign.id} — {shorten(campaign.title, 40)}",
                    pack(Action.CAMPAIGN, str(campaign.id)),
                )
            ]
        )
    if not listed:
        lines.append(ui._("Aucune campagne. /campaign pour en composer une."))
    await answer(update, ui, "\n".join(lines), rows, edit=False)


async def show_campaign(
    update: Update, context: Context, ui: Ui, campaign: Campaign, *, note: str = ""
) -> None:
    found = context.services
    user = update.effective_user
    async with found.database.session() as session:
        runs = await run_outcomes.runs_of(session, campaign.id or 0)
        latest = runs[-1] if runs else None
        figures = await run_outcomes.run_figures(session, latest, now=found.clock()) if latest else None
        # A paused campaign's held messages go out at no set time: only after the resume.
        waiting = latest is not None and campaign.status != CampaignStatus.PAUSED
        later = (
            await run_outcomes.held_until(session, latest, now=found.clock()) if waiting and latest else None
        )
        recipients = await count_audience(
            session, campaigns.audience_of(campaign), configured=found.settings.coordinators
        )
    lines = [
        f"📋 <b>n° {campaign.id} — {html.escape(campaign.title)}</b>",
        ui._("État : {status}").format(status=status_label(ui.t, campaign.status)),
        ui._("Destinataires : {who} ({count} aujourd'hui)").format(
            who=audience_summary(ui, found, campaigns.audience_of(campaign)), count=ui.t.number(recipients)
        ),
        ui._("Envoi : {when}").format(when=schedule_summary(ui, found, campaign)),
        ui._("Prochain envoi : {when}").format(when=local_moment(found, campaign.next_run_at, ui)),
    ]
    if campaign.urgent:
        lines.append(urgent_line(ui))
    if latest is not None and figures is not None:
        lines += [
            "",
            ui._("<b>Envoi n° {number}</b> ({status}), prévu le {when}").format(
                number=latest.number,
                status=status_label(ui.t, latest.status),
                when=local_moment(found, latest.planned_at, ui),
            ),
            *figures_lines(ui.t, figures),
            *held_lines(ui.t, latest, figures, held_until=later, zone=found.settings.timezone),
        ]
    if note:
        lines += ["", note]
    cid = str(campaign.id)
    rows: Keyboard = [
        [
            button(ui._("🔄 Actualiser"), pack(Action.CAMPAIGN, cid)),
            button(ui._("👁 Aperçu"), pack(Action.CAMPAIGN, cid, "v")),
        ]
    ]
    if campaign.status == CampaignStatus.DRAFT and user is not None and user.id == campaign.created_by:
        # A draft set aside, or rejected: its author takes it up again in the composer.
        rows.append([button(ui._("✏️ Modifier le brouillon"), pack(Action.COMPOSER, cid))])
    if campaign.status == CampaignStatus.PENDING and user is not None and user.id != campaign.created_by:
        rows.append(
            [
                button(ui._("✅ Approuver"), pack(Action.CAMPAIGN, cid, "ok", str(campaign.revision))),
                button(ui._("❌ Refuser"), pack(Action.CAMPAIGN, cid, "no")),
            ]
        )
    if campaign.status == CampaignStatus.APPROVED:
        rows.append([button(ui._("⏸ Mettre en pause"), pack(Action.CAMPAIGN, cid, "p"))])
    if campaign.status == CampaignStatus.PAUSED:
        rows.append([button(ui._("▶️ Reprendre"), pack(Action.CAMPAIGN, cid, "r"))])
    if campaign.status in campaigns.OPEN and campaign.status != CampaignStatus.DRAFT:
        rows.append([button(ui._("✖️ Annuler la campagne"), pack(Action.CAMPAIGN, cid, "x"))])
    await answer(update, ui, "\n".join(lines), rows)


async def on_button(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        await acknowledge(update)
        return
    fields = button_fields(update) or []
    found = context.services
    campaign, campaign_id = None, row_id(fields[0]) if fields else None
    if campaign_id is not None:
        async with found.database.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id)
    if campaign is None:
        await stale_button(update, context, ui)
        return
    scope = await coordinator_scope(found, update.effective_user.id)
    if scope is None or not campaigns.covered(scope, campaign):  # not theirs to see, approve or stop
        await acknowledge(update, reason(ui, CampaignError("out_of_scope")), alert=True)
        return
    action = fields[1] if len(fields) > 1 else ""
    if action == "v":
        await send_previews(update, context, ui, campaign)
        return
    if action == "x":
        await acknowledge(update)
        rows = [
            [button(ui._("✖️ Oui, annuler"), pack(Action.CAMPAIGN, str(campaign.id), "X"))],
            [button(ui._("↩️ Non, garder"), pack(Action.CAMPAIGN, str(campaign.id)))],
        ]
        await answer(
            update,
            ui,
            ui._("Annuler « {title} » ? Les messages pas encore partis ne partiront pas.").format(
                title=html.escape(campaign.title)
            ),
            rows,
        )
        return
    note = ""
    if action in ("ok", "no", "p", "r", "X"):
        try:
            note = await _act(update, context, ui, campaign.id or 0, action, fields[2:])
        except CampaignError as error:
            await acknowledge(update, reason(ui, error), alert=True)
            return
        async with found.database.session() as session:
            campaign = await campaigns.get_campaign(session, campaign.id or 0) or campaign
    await acknowledge(update)
    await show_campaign(update, context, ui, campaign, note=note)


async def _act(
    update: Update, context: Context, ui: Ui, campaign_id: int, action: str, args: list[str]
) -> str:
    found = context.services
    user = update.effective_user
    assert user is not None
    now, zones = found.clock(), zones_of(found)
    async with found.database.session() as session:
        # Locked until the end of the transaction: the campaign clock cannot start it half-cancelled.
        campaign = await campaigns.get_campaign(session, campaign_id, for_update=True)
        assert campaign is not None
        if action == "ok":
            # The button names the version it was sent for; one without a version is refused.
            revision = number(args[0]) if len(args) == 1 else None
            revision = -1 if revision is None else revision
            await campaigns.approve(session, campaign, by=user.id, now=now, zones=zones, revision=revision)
        elif action == "no":
            await campaigns.reject(session, campaign, by=user.id, now=now)
        elif action == "p":
            await campaigns.pause(session, campaign, by=user.id, now=now)
        elif action == "r":
            await campaigns.resume(session, campaign, by=user.id, now=now, zones=zones)
        else:
            if campaign.status == CampaignStatus.DRAFT and campaign.created_by != user.id:
                raise CampaignError("not_yours")
            await campaigns.cancel(session, campaign, by=user.id, now=now)
        author, title = campaign.created_by, campaign.title
    if action in ("ok", "no") and author:
        await _tell_author(context, author, campaign_id, title, approved=action == "ok", by=user.id)
    if action in ("ok", "r"):
        context.application.create_task(tick_now(context.application))
    sender_of(context.application).wake()
    if action in ("p", "r", "X"):  # the author's progress message says so at once
        await sender_of(context.application).reports.refresh(campaign_id)
    notes = {
        "ok": ui._("Approuvée."),
        "no": ui._("Refusée : elle redevient un brouillon pour son autrice ou son auteur."),
        "p": ui._("En pause : plus rien ne part jusqu'à la reprise."),
        "r": ui._("Reprise."),
        "X": ui._("Annulée."),
    }
    return notes[action]


async def _tell_author(
    context: Context, author: int, campaign_id: int, title: str, *, approved: bool, by: int
) -> None:
    found = context.services
    async with found.database.session() as session:
        person = await get_person(session, chat_id=author)
        shown = (await coordinators.names(session, [by]))[by]
    t = found.catalogs.get(person.language if person else found.settings.default_language)
    text = (
        t.gettext("✅ Votre campagne « {title} » (n° {id}) a été approuvée par {by}.")
        if approved
        else t.gettext(
            "❌ Votre campagne « {title} » (n° {id}) a été refusée par {by} : elle redevient un brouillon."
        )
    ).format(title=html.escape(title), id=campaign_id, by=html.escape(shown))
    # A rejected draft is the author's again: one tap opens it in the composer.
    rows = (
        None
        if approved
        else [[button(t.gettext("✏️ Modifier le brouillon"), pack(Action.COMPOSER, str(campaign_id)))]]
    )
    with contextlib.suppress(TelegramError):  # an author who blocked the bot still sees it in /campaigns
        await context.bot.send_message(
            author,
            t.directed(text),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(rows, t) if rows else None,
        )


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("campaigns", list_campaigns, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.CAMPAIGN)))
