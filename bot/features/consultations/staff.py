"""Coordinators' side of the consultations: /consultation writes one (a preview, then publish), lists those of
their scope; each one's card closes it, shows its results once closed (small counts hidden), and lets them
read and tag the idea box's texts, which are deleted as they are tagged.

Every button checks the coordinator's scope again: a consultation outside it is a stale button.
"""

from __future__ import annotations

import html
import logging
import re
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.core.access import coordinator_scope, require_coordinator
from bot.core.callbacks import Action, pack
from bot.core.context import BotApplication, Context, CustomContext
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button
from bot.core.views import N_
from bot.delivery.jobs import zones_of
from bot.domain import consultation_ideas as ideas
from bot.domain import consultations
from bot.domain.consultation_ideas import TAGS
from bot.domain.consultations import ConsultationError, Status
from bot.domain.indicators.consultations import OPTIONS, safe
from bot.domain.indicators.labels import label
from bot.domain.scope import Scope
from bot.domain.tables import NO_DATA, Value
from bot.features.coordination.coordinators import tell_coordinators
from bot.fields import INT32_MAX, index, number
from bot.i18n import Translator
from bot.models import Consultation, ConsultationIdea, as_utc
from bot.services import Services

log = logging.getLogger(__name__)
HIDDEN = "—"
_COMMAND = re.compile(r"^/\S*[ \t]*")


def usage(ui: Ui, territories: list[str]) -> str:
    return ui._(
        "Pour publier une consultation, écrivez après /consultation, une information par ligne : la "
        "question ; de 2 à 6 options, chacune précédée d'un tiret (aucune : une boîte à idées) ; le "
        "territoire ({territories}) ; les dates d'ouverture et de clôture (AAAA-MM-JJ AAAA-MM-JJ)."
    ).format(territories=", ".join(territories))


REASONS = {
    "question": N_("La question manque, ou dépasse 300 caractères."),
    "options": N_("Il faut de 2 à 6 options différentes, de 40 caractères au plus."),
    "territory": N_("Le territoire manque, ou n'est pas l'un des vôtres."),
    "dates": N_("Dates refusées : aujourd'hui au plus tôt, la clôture après l'ouverture, 92 jours au plus."),
    "unreadable": N_("Une ligne n'a pas été comprise."),
}


async def consultation_command(update: Update, context: Context) -> None:
    """/consultation [text]: without text, the consultations of the coordinator's scope; with it, a draft."""
    ui = await require_coordinator(update, context)
    user, message = update.effective_user, update.effective_message
    if ui is None or user is None or message is None:
        return
    found = context.services
    scope = await coordinator_scope(found, user.id)
    if scope is None:
        return
    mine = scope.within(found.territory_ids)
    text = _COMMAND.sub("", message.text or "", count=1)  # the question may follow on the command's line
    if not text.strip():
        await _list(update, context, ui, scope, mine)
        return
    today = found.clock().astimezone(ZoneInfo(found.settings.timezone)).date()
    draft = consultations.parse(text, territories=found.territory_ids, allowed=mine, today=today)
    if isinstance(draft, str):
        reason = ui._(REASONS[draft]) if draft in REASONS else ""
        await answer(update, ui, f"{reason}\n\n{usage(ui, mine)}".strip(), edit=False)
        return
    zone = zones_of(found).of(draft.territory)
    async with found.database.session() as session:
        consultation = await consultations.create_draft(
            session, draft, by=user.id, now=found.clock(), zone=zone
        )
    rows: Keyboard = [
        [button(ui._("📣 Publier"), pack(Action.CONSULT, "p", str(consultation.id)))],
        [button(ui._("🗑 Abandonner"), pack(Action.CONSULT, "x", str(consultation.id)))],
    ]
    preview = ui._("Aperçu de la consultation, pas encore publiée :")
    await answer(update, ui, f"{preview}\n\n{_describe(found, ui, consultation)}", rows, edit=False)


async def _list(update: Update, context: Context, ui: Ui, scope: Scope, mine: list[str]) -> None:
    found = context.services
    async with found.database.session() as session:
        listed = await consultations.in_scope(session, scope)
    rows = [[button(f"n° {c.id} · {c.question}", pack(Action.CONSULT, "v", str(c.id)))] for c in listed]
    await answer(update, ui, usage(ui, mine), rows, edit=False)


def _describe(found: Services, ui: Ui, consultation: Consultation) -> str:
    zone = zones_of(found).of(consultation.territory)
    territory = label(ui.t, found.content, consultation.territory)
    lines = [f"<b>{html.escape(consultation.question)}</b>"]
    if consultation.options:
        lines += [f"{n}. {html.escape(option)}" for n, option in enumerate(consultation.options, 1)]
    else:
        lines.append(ui._("Boîte à idées"))
    opens = as_utc(consultation.opens_at).astimezone(ZoneInfo(zone)).date()
    lines.append(
        ui._("Territoire : {territory}. Du {first} au {last} inclus.").format(
            territory=html.escape(territory),
            first=ui.t.date(opens),
            last=ui.t.date(consultations.last_day(consultation, zone)),
        )
    )
    return "\n".join(lines)


async def pressed(update: Update, context: Context, ui: Ui, kind: str, fields: list[str]) -> None:
    """The staff's buttons (the residents' handler passes them on): p publish, x discard, v card, c close,
    t next idea to tag, g tag an idea."""
    found, user = context.services, update.effective_user
    scope = await coordinator_scope(found, user.id) if user is not None else None
    high = ideas.IDEA_ID_MAX if kind == "g" else INT32_MAX  # "g" names an idea, with a random id
    target = number(fields[0], low=1, high=high) if fields else None
    if scope is None or user is None or target is None or kind not in {"p", "x", "v", "c", "t", "g"}:
        await stale_button(update, context, ui)
        return
    try:
        if kind == "g":
            await _tag(update, context, ui, scope, target, fields)
            return
        async with found.database.session() as session:
            consultation = await session.get(Consultation, target)
            if consultation is None or not scope.covers(consultation.territory):
                raise ConsultationError("unknown")
            note = await _act(found, ui, session, consultation, kind, user.id, scope)
    except ConsultationError as error:
        await _refused(update, context, ui, error)
        return
    await acknowledge(update, note or None)
    if kind == "t":
        await _next_idea(update, context, ui, target)
    elif kind != "x":
        await _card(update, context, ui, target)
    else:
        await answer(update, ui, ui._("Brouillon abandonné."))


async def _act(
    found: Services,
    ui: Ui,
    session: AsyncSession,
    consultation: Consultation,
    kind: str,
    by: int,
    scope: Scope,
) -> str:
    now, cid = found.clock(), consultation.id or 0
    if kind == "p":
        await consultations.publish(
            session,
            cid,
            by=by,
            scope=scope,
            now=now,
            zones=zones_of(found),
            messages=consultations.opening_messages(
                found.catalogs, consultation, zones_of(found).of(consultation.territory)
            ),
        )
        return ui._("Consultation publiée.")
    if kind == "x":
        await consultations.discard(session, cid)
        return ""
    if kind == "c":
        closed = await consultations.close(session, cid, by=by, scope=scope, now=now)
        return ui._("Consultation close.") if closed else ui._("Cette consultation était déjà close.")
    return ""


async def _card(update: Update, context: Context, ui: Ui, consultation_id: int) -> None:
    found = context.services
    async with found.database.session() as session:
        consultation = await session.get(Consultation, consultation_id)
        tagged, untagged = await ideas.idea_counts(session, consultation_id)
    if consultation is None:
        return
    lines = [_describe(found, ui, consultation)]
    rows: Keyboard = []
    if consultation.status == Status.PUBLISHED:
        lines.append(ui._("En cours. Les résultats s'affichent à la clôture."))
        rows.append([button(ui._("🔒 Clore maintenant"), pack(Action.CONSULT, "c", str(consultation_id)))])
    elif consultation.status == Status.CLOSED:
        lines.append(ui._("Close. Résultats (— : moins de 5, ou masqué pour ne pas le laisser déduire) :"))
        if consultation.options:
            counts = list(consultation.counts or [0] * len(consultation.options))
            shown = safe(counts, OPTIONS[: len(counts)])
            names = [html.escape(option) for option in consultation.options]
            lines += [f"{name} : {_value(shown[key])}" for name, key in zip(names, OPTIONS, strict=False)]
        else:
            shown = safe([tagged.get(tag, 0) for tag in TAGS], TAGS)
            lines += [f"{label(ui.t, found.content, tag)} : {_value(shown[tag])}" for tag in TAGS]
        lines.append(f"{label(ui.t, found.content, 'total')} : {_value(shown['total'])}")
    if untagged:
        lines.append(ui._("Idées à lire : {count}.").format(count=untagged))
        rows.append(
            [button(ui._("🏷 Lire et classer les idées"), pack(Action.CONSULT, "t", str(consultation_id)))]
        )
    await answer(update, ui, "\n\n".join(lines), rows)


def _value(value: Value) -> str:
    """A count of answers as shown (never NO_DATA: that is for averages and shares)."""
    return HIDDEN if value is None or value is NO_DATA else str(value)


async def _next_idea(update: Update, context: Context, ui: Ui, consultation_id: int) -> None:
    found = context.services
    async with found.database.session() as session:
        idea = await ideas.idea_to_tag(session, consultation_id)
    if idea is None:
        await _card(update, context, ui, consultation_id)
        return
    rows: Keyboard = [
        [button(label(ui.t, found.content, tag), pack(Action.CONSULT, "g", str(idea.id), str(n)))]
        for n, tag in enumerate(TAGS)
    ]
    rows.append([button(ui._("⬅️ Retour"), pack(Action.CONSULT, "v", str(consultation_id)))])
    intro = ui._("Une idée, sans son auteur. Choisissez un thème : le texte sera alors effacé.")
    await answer(update, ui, f"{intro}\n\n<i>{html.escape(idea.text or '')}</i>", rows, direct=False)


async def _tag(
    update: Update, context: Context, ui: Ui, scope: Scope, idea_id: int, fields: list[str]
) -> None:
    found = context.services
    chosen = index(fields[1], len(TAGS)) if len(fields) == 2 else None
    async with found.database.session() as session:
        idea = await session.get(ConsultationIdea, idea_id)
        consultation = await session.get(Consultation, idea.consultation_id) if idea else None
        if idea is None or consultation is None or chosen is None or not scope.covers(consultation.territory):
            raise ConsultationError("unknown")
        done = await ideas.tag_idea(session, idea_id, tag=TAGS[chosen])
    await acknowledge(update, ui._("Idée classée.") if done else ui._("Cette idée était déjà classée."))
    await _next_idea(update, context, ui, consultation.id or 0)


async def _refused(update: Update, context: Context, ui: Ui, error: ConsultationError) -> None:
    if error.reason == "not_draft":
        await acknowledge(update, ui._("Cette consultation est déjà publiée."), alert=True)
    elif error.reason == "dates":
        await acknowledge(update, ui._("Sa date de clôture est passée : écrivez-la à nouveau."), alert=True)
    else:
        await stale_button(update, context, ui)


async def close_job(context: CustomContext) -> None:
    """Close the consultations whose closing moment has passed, each in its own transaction."""
    found = context.services
    now = found.clock()
    try:
        async with found.database.session() as session:
            due = await consultations.due(session, now=now)
        for consultation_id in due:
            async with found.database.session() as session:
                closed = await consultations.close_due(session, consultation_id, now=now)
                consultation = await session.get(Consultation, consultation_id)
            if closed and consultation is not None:
                await _tell_closed(context, consultation)
    except SQLAlchemyError as error:  # tried again at the next tick; no traceback for a passing fault
        log.warning("consultations: closing failed (%s); tried again later", type(error).__name__)


async def _tell_closed(context: CustomContext, consultation: Consultation) -> None:
    """The coordinators of its territory learn that the clock closed it, with a button to its results."""
    number, question = consultation.id or 0, html.escape(consultation.question)

    def text(t: Translator) -> str:
        return t.gettext("Consultation n° {number} close : {question}").format(
            number=number, question=question
        )

    def rows(t: Translator) -> Keyboard:
        return [[button(t.gettext("📊 Résultats"), pack(Action.CONSULT, "v", str(number)))]]

    await tell_coordinators(
        context.application, context.services, text, rows, territories=[consultation.territory]
    )


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("consultation", consultation_command, filters=private))
