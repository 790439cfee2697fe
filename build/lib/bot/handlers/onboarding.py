"""/start and the onboarding buttons: language, who you are, territory, privacy notice, Accept.

Button data "1:o:<language>:<role>:<territory>:<decision>" carries the choices made so far, so nothing
is stored before Accept. The deep-link code of `/start CODE` waits in memory (user_data) until then.
"""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import pack
from bot.domain import training
from bot.domain.onboarding import Draft, Step, attribution_code
from bot.domain.people import accept_notice
from bot.domain.roles import ROLES
from bot.handlers import myths, resources
from bot.handlers.commands import set_chat_commands
from bot.handlers.common import (
    BotApplication,
    Context,
    Ui,
    acknowledge,
    answer,
    button,
    button_fields,
    services,
    ui_for,
)
from bot.handlers.fallback import stale_button
from bot.handlers.views import language_rows, menu_view, role_rows, territory_rows

SOURCE_KEY = "source"
INVITE_KEY = "invite"
INVITE_PREFIX = "inv_"
ACCEPT, NOT_NOW = "y", "n"


async def start(update: Update, context: Context) -> None:
    payload = context.args[0] if context.args else ""
    # A shared link opens its resource or card straight away, registered or not.
    if payload.startswith(resources.SHARE_PREFIX) and await resources.open_shared(
        update, context, payload.removeprefix(resources.SHARE_PREFIX)
    ):
        return
    if payload.startswith(myths.SHARE_PREFIX) and await myths.open_shared(
        update, context, payload.removeprefix(myths.SHARE_PREFIX)
    ):
        return
    ui = await ui_for(update, context)
    if payload.startswith(INVITE_PREFIX):
        if ui.person is not None:
            await redeem(update, context, ui, payload.removeprefix(INVITE_PREFIX))
            return
        if context.user_data is not None:  # kept in memory until the person accepts the notice
            context.user_data[INVITE_KEY] = payload.removeprefix(INVITE_PREFIX)
        await show_step(update, context, ui, Draft(), edit=False)
        return
    if ui.person is not None:
        await _already_registered(update, context, ui, edit=False)
        return
    code = attribution_code(payload, services(context).content.link_codes)
    if code and context.user_data is not None:
        context.user_data[SOURCE_KEY] = code
    await show_step(update, context, ui, Draft(), edit=False)


async def _already_registered(update: Update, context: Context, ui: Ui, *, edit: bool) -> None:
    text, rows = menu_view(ui, services(context))
    await answer(update, ui, ui._("Bon retour sur Repères !") + "\n\n" + text, rows, edit=edit)


async def show_step(update: Update, context: Context, ui: Ui, draft: Draft, *, edit: bool = True) -> None:
    """Show the next question of onboarding for the choices made so far."""
    found = services(context)
    territories = found.territory_ids
    step = draft.next_step(territories=territories)
    if step is Step.LANGUAGE:
        # One line per language, each in its own language and its own direction.
        lines = dict.fromkeys(
            found.catalogs.get(code).directed(found.catalogs.get(code).gettext("Choisissez votre langue :"))
            for code in found.catalogs.languages
        )
        rows = language_rows(found, {code: pack("o", code) for code in found.catalogs.languages})
        await answer(update, ui, "\n".join(lines), rows, edit=edit, direct=False)
    elif step is Step.ROLE:
        welcome = found.content.page(ui.language, "welcome").html
        rows = role_rows(ui, {role: pack("o", draft.language, role) for role in ROLES})
        await answer(update, ui, welcome + "\n\n<b>" + ui._("Vous êtes :") + "</b>", rows, edit=edit)
    elif step is Step.TERRITORY:
        data = {tid: pack("o", draft.language, draft.role, tid) for tid in territories}
        question = "<b>" + ui._("Où habitez-vous ou travaillez-vous ?") + "</b>"
        await answer(update, ui, question, territory_rows(ui, found, data), edit=edit)
    else:
        fields = (draft.language, draft.role, draft.completed(territories=territories).territory)
        notice = found.content.page(ui.language, "privacy_notice").html
        rows = [
            [
                button(ui._("✅ J'accepte"), pack("o", *fields, ACCEPT)),
                button(ui._("Pas maintenant"), pack("o", *fields, NOT_NOW)),
            ]
        ]
        await answer(update, ui, notice, rows, edit=edit)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    found = services(context)
    territories = found.territory_ids
    decision = fields[3] if len(fields) == 4 else None
    draft = Draft(*fields[:3])
    if (
        len(fields) > 4
        or (len(fields) == 4 and decision not in (ACCEPT, NOT_NOW))
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
        await _accept(update, context, ui, draft.completed(territories=territories))
    elif decision == NOT_NOW:
        if context.user_data is not None:
            context.user_data.pop(SOURCE_KEY, None)
            context.user_data.pop(INVITE_KEY, None)
        text, rows = menu_view(ui, found)
        await answer(update, ui, ui._("D'accord, rien n'a été enregistré.") + "\n\n" + text, rows)
    else:
        await show_step(update, context, ui, draft)


async def _accept(update: Update, context: Context, ui: Ui, draft: Draft) -> None:
    found = services(context)
    source = context.user_data.pop(SOURCE_KEY, None) if context.user_data is not None else None
    chat = update.effective_chat
    if chat is None:
        return
    async with found.database.session() as session:
        person = await accept_notice(
            session,
            chat_id=chat.id,
            language=draft.language,
            role=draft.role,
            territory=draft.territory,
            source=source,
            now=found.clock(),
        )
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
    invite_code = context.user_data.pop(INVITE_KEY, None) if context.user_data is not None else None
    if invite_code:
        await redeem(update, context, ui, invite_code)
        return
    await answer(update, ui, thanks + "\n\n" + text, rows, edit=False)


async def redeem(update: Update, context: Context, ui: Ui, code: str) -> None:
    """Use an invite code: the person becomes a verified professional, or learns why not."""
    found = services(context)
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
        training.Redeemed.EXPIRED: ui._(
            "Ce code d'invitation a expiré. Demandez-en un nouveau à la coordination."
        ),
        training.Redeemed.USED_UP: ui._("Ce code d'invitation a déjà servi autant de fois que prévu."),
    }
    refreshed = await ui_for(update, context)
    text, rows = menu_view(refreshed, found)
    await answer(update, refreshed, messages[outcome] + "\n\n" + text, rows, edit=False)


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("start", start, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^1:o(:|$)"))
