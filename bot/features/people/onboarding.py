"""/start and the onboarding buttons: language, who you are, territory, privacy notice, Accept.

Button data "1:o:<language>:<role>:<territory>:<decision>[:<link>]" carries the choices made so far and
the deep link of `/start CODE` (see `link_field`), so nothing is stored before Accept and a restart halfway
loses nothing. The decision is Accept, Not now, or Details (the full notice, with Accept still under it).
The flow is drawn in onboarding.mmd.
"""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.callbacks import Action, pack, pattern
from bot.core.commands import set_chat_commands
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import language_rows, menu_view, role_rows, territory_rows
from bot.domain import invites, training
from bot.domain.people import accept_notice_once
from bot.features.people.draft import (
    INVITE_CODE,
    Arrival,
    Draft,
    Step,
    attribution_code,
    link_field,
    read_link_field,
)
from bot.features.people.notice import DETAILS, SHORT, notice_html
from bot.roles import PARENT, ROLES

INVITE_PREFIX = "inv_"
ACCEPT, NOT_NOW, SHOW_DETAILS = "y", "n", "d"


async def start(update: Update, context: Context) -> None:
    payload = context.args[0] if context.args else ""
    # A shared link opens its resource or card straight away, registered or not.
    for prefix, open_link in context.bot_data.deep_links.items():
        if payload.startswith(prefix) and await open_link(update, context, payload.removeprefix(prefix)):
            return
    ui = await ui_for(update, context)
    if payload.startswith(INVITE_PREFIX):
        if ui.person is not None:
            await redeem_or_ask(update, context, ui, payload.removeprefix(INVITE_PREFIX))
            return
        # Carried in the buttons until the person accepts the notice.
        arrival = Arrival(invite=payload.removeprefix(INVITE_PREFIX))
        await show_step(update, context, ui, Draft(), link_field(arrival), edit=False)
        return
    if ui.person is not None:
        await _already_registered(update, context, ui, edit=False)
        return
    code = attribution_code(payload, context.services.content.link_codes)
    await show_step(update, context, ui, Draft(), link_field(Arrival(source=code)), edit=False)


async def _already_registered(update: Update, context: Context, ui: Ui, *, edit: bool) -> None:
    text, rows = menu_view(ui, context.services)
    await answer(update, ui, ui._("Bon retour sur Repères !") + "\n\n" + text, rows, edit=edit)


async def show_step(
    update: Update, context: Context, ui: Ui, draft: Draft, link: str = "", *, edit: bool = True
) -> None:
    """Show the next question of onboarding for the choices made so far; `link` rides along."""
    found = context.services

    def data(*fields: str) -> str:
        # language, role, territory, decision, then the link: blanks only when a link follows
        return (
            pack(Action.ONBOARDING, *fields, *[""] * (4 - len(fields)), link)
            if link
            else pack(Action.ONBOARDING, *fields)
        )

    territories = found.territory_ids
    step = draft.next_step(territories=territories)
    if step is Step.LANGUAGE:
        # One line per language, each in its own language and its own direction.
        lines = dict.fromkeys(
            found.catalogs.get(code).directed(found.catalogs.get(code).gettext("Choisissez votre langue :"))
            for code in found.catalogs.languages
        )
        rows = language_rows(found, {code: data(code) for code in found.catalogs.languages})
        await answer(update, ui, "\n".join(lines), rows, edit=edit, direct=False)
    elif step is Step.ROLE:
        welcome = found.content.page(ui.language, "welcome").html
        rows = role_rows(ui, {role: data(draft.language, role) for role in ROLES})
        # Not a profile: the youth space keeps nothing, so it opens before (and without) the notice.
        rows.append([button(ui._("🧑 Je suis un·e jeune"), pack(Action.YOUTH, draft.language))])
        await answer(update, ui, welcome + "\n\n<b>" + ui._("Vous êtes :") + "</b>", rows, edit=edit)
    elif step is Step.TERRITORY:
        choices = {tid: data(draft.language, draft.role, tid) for tid in territories}
        question = "<b>" + ui._("Où habitez-vous ou travaillez-vous ?") + "</b>"
        await answer(update, ui, question, territory_rows(ui, found, choices), edit=edit)
    else:
        await show_notice(update, context, ui, draft, link, details=False, edit=edit)


async def show_notice(
    update: Update, context: Context, ui: Ui, draft: Draft, link: str, *, details: bool, edit: bool = True
) -> None:
    """The short notice with Accept on its first screen, or its details with Accept still under them."""
    found = context.services
    fields = (draft.language, draft.role, draft.completed(territories=found.territory_ids).territory)

    def data(*decision: str) -> str:
        return (
            pack(Action.ONBOARDING, *fields, *decision, link)
            if link
            else pack(Action.ONBOARDING, *fields, *decision)
        )

    notice = notice_html(ui, found, DETAILS if details else SHORT, fields[2])
    rows = [
        [
            button(ui._("✅ J'accepte"), data(ACCEPT)),
            button(ui._("Pas maintenant"), data(NOT_NOW)),
        ],
        # Details, or back to the short notice: the same place in the flow either way, nothing stored.
        [button(ui._("↩️ Retour"), data(*([""] if link else [])))]
        if details
        else [button(ui._("📋 Détails"), data(SHOW_DETAILS))],
    ]
    await answer(update, ui, notice, rows, edit=edit)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    found = context.services
    territories = found.territory_ids
    language, role, territory, decision, link = (*fields, "", "", "", "", "")[:5]
    draft = Draft(language, role, territory)
    arrival = read_link_field(link, found.content.link_codes)
    if (
        len(fields) > 5
        or decision not in ("", ACCEPT, NOT_NOW, SHOW_DETAILS)
        or arrival is None
        or not draft.valid(languages=found.catalogs.languages, territories=territories)
        # A decision is only possible on the notice, once every choice is made.
        or (decision and draft.next_step(territories=territories) is not Step.NOTICE)
    ):
        await stale_button(update, context)
        return
    ui = await ui_for(update, context, language=draft.language or None)
    await acknowledge(update)
    if ui.person is not None:
        # An older onboarding message, or Accept pressed twice: the person is already registered. The
        # pressed message stays as it is (it may be the notice they accepted) and the menu comes below.
        await _already_registered(update, context, ui, edit=False)
    elif decision == ACCEPT:
        await _accept(update, context, ui, draft.completed(territories=territories), arrival)
    elif decision == SHOW_DETAILS:
        await show_notice(update, context, ui, draft, link, details=True)
    elif decision == NOT_NOW:
        text, rows = menu_view(ui, found)
        await answer(update, ui, ui._("D'accord, rien n'a été enregistré.") + "\n\n" + text, rows)
    elif draft.role and not draft.territory:
        await _keep_welcome(update)
        await show_step(update, context, ui, draft, link, edit=False)
    else:
        await show_step(update, context, ui, draft, link)


async def _keep_welcome(update: Update) -> None:
    """The role was just chosen on the welcome message: keep it in the chat, without its buttons.

    The welcome gives the emergency numbers (17, 15, 112, 114); the next questions and the privacy notice
    come below it as a new message instead of replacing it, so the numbers stay on screen.
    """
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        # Already without buttons, or too old to edit: the next step below is what matters.
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


async def _accept(update: Update, context: Context, ui: Ui, draft: Draft, arrival: Arrival) -> None:
    found = context.services
    chat = update.effective_chat
    if chat is None:
        return
    async with found.database.session() as session:
        person, created = await accept_notice_once(
            session,
            chat_id=chat.id,
            language=draft.language,
            role=draft.role,
            territory=draft.territory,
            source=arrival.source,
            now=found.clock(),
        )
    if not created:
        # Accept pressed twice at once (or on two instances): the first press registered and welcomed.
        await _already_registered(update, context, Ui(person=person, t=ui.t), edit=False)
        return
    # Keep the notice readable in the chat, without its buttons, and answer below it.
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        # Already without buttons, or too old to edit: the answer below is what matters.
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await set_chat_commands(context.bot, chat.id, ui.t)
    ui = Ui(person=person, t=ui.t)
    text, rows = menu_view(ui, found)
    thanks = ui._("Merci ! Vos choix sont enregistrés. Vous pouvez les changer avec /settings.")
    if arrival.invite is not None:
        await redeem_or_ask(update, context, ui, arrival.invite)
        return
    await answer(update, ui, thanks + "\n\n" + text, rows, edit=False)


async def redeem_or_ask(update: Update, context: Context, ui: Ui, code: str) -> None:
    """A professional invite opened by someone who said "parent" (just now or earlier) asks which one they
    are, rather than switching them silently: a parent may open a link meant for the school's staff."""
    assert ui.person is not None
    found = context.services
    if ui.person.role == PARENT and INVITE_CODE.match(code):
        async with found.database.session() as session:
            ask = await invites.usable(session, code=code, now=found.clock())
    else:
        ask = False
    if not ask:  # not a parent, or a code that would not work anyway: its answer says why
        await redeem(update, context, ui, code)
        return
    text = ui._(
        "Ce lien est une invitation pour les professionnels (enseignants, animateurs, éducateurs…). Vous "
        "êtes inscrit comme parent. Vous êtes :"
    )
    rows = [
        [button(ui._("🧑‍🏫 Professionnel : utiliser l'invitation"), pack(Action.INVITED, "p", code))],
        [button(ui._("👪 Parent : garder mon profil"), pack(Action.INVITED, "k"))],
    ]
    await answer(update, ui, text, rows, edit=False)


async def on_invited(update: Update, context: Context) -> None:
    """The answer to "professional or parent?" after a professional invite."""
    fields = button_fields(update) or []
    ui = await ui_for(update, context)
    keep = fields == ["k"]
    use = len(fields) == 2 and fields[0] == "p" and INVITE_CODE.match(fields[1]) is not None
    if ui.person is None or not (keep or use):
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    if fields[0] == "p":
        await redeem(update, context, ui, fields[1])
        return
    text, rows = menu_view(ui, context.services)
    kept = ui._("D'accord : vous restez inscrit comme parent, l'invitation n'a pas été utilisée.")
    await answer(update, ui, kept + "\n\n" + text, rows)


async def redeem(update: Update, context: Context, ui: Ui, code: str) -> None:
    """Use an invite code: the person becomes a verified professional, or learns why not."""
    found = context.services
    assert ui.person is not None
    async with found.database.session() as session:
        person = await session.merge(ui.person)
        outcome = await training.redeem_invite(session, code=code, person=person, now=found.clock())
    messages = {
        training.Redeemed.OK: ui._(
            "Vous êtes enregistré comme professionnel : les formations courtes sont ouvertes."
        ),
        training.Redeemed.ALREADY: ui._("Vous êtes déjà enregistré comme professionnel."),
        training.Redeemed.UNKNOWN: ui._("Ce code d'invitation n'existe pas. Vérifiez le lien reçu."),
        # Expired or revoked (a revoked invite ends now): the person cannot tell which, and need not.
        training.Redeemed.EXPIRED: ui._(
            "Ce code d'invitation n'est plus valable : il a expiré, ou la coordination l'a retiré. "
            "Demandez-en un nouveau à la coordination."
        ),
        training.Redeemed.USED_UP: ui._("Ce code d'invitation a déjà servi autant de fois que prévu."),
    }
    refreshed = await ui_for(update, context)
    text, rows = menu_view(refreshed, found)
    await answer(update, refreshed, messages[outcome] + "\n\n" + text, rows, edit=False)


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("start", start, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.ONBOARDING)))
    app.add_handler(CallbackQueryHandler(on_invited, pattern=pattern(Action.INVITED)))
