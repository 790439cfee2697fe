"""A worry or a danger told in typed text: the worried path and the helplines come before the search results.

"Mon fils de 14 ans traîne avec des dealers" is not a search: the parent is worried. The text is matched
against the content's word lists (bot/domain/worries.py) and forgotten: it is neither stored nor logged,
and nothing records that a worry was recognised. A danger gets the emergency numbers and the way to the
safeguarding path; a worry opens the worried path, at the matching concern when the lists name one.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, Update

from bot.content.pack import Helpline
from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.ui import Keyboard, Ui, answer, button
from bot.core.views import safeguarding_button
from bot.domain.worries import Level, Recognised
from bot.features.families import worried


def safeguarding_row(ui: Ui) -> list[InlineKeyboardButton]:
    """The button from a typed danger to "threatened, missing, exploited", as in the menu and /help."""
    return [safeguarding_button(ui)]


async def tell_worry_first(update: Update, context: Context, ui: Ui, text: str) -> bool:
    """Answer a worry or a danger told in `text` before anything else; False when the text tells none."""
    found = context.services
    recognised = found.worries.recognise(text, ui.language)
    if recognised is None:
        return False
    helpline = _helpline(found.content.helplines_for(ui.territory), recognised)
    if recognised.level is Level.DANGER:
        await _danger(update, ui, helpline)
        return True
    lead = [
        *([_helpline_text(ui, helpline)] if helpline else []),
        ui._("En cas de danger, appelez le 17 ou le 112 ; pour un enfant en danger, le 119."),
        "<i>" + ui._("Votre message n'est pas gardé.") + "</i>",
        "",
        "",
    ]
    if recognised.concern is not None:  # the content check holds it to the worried path's concerns
        title = "<b>" + ui._("Vous vous inquiétez pour un jeune") + "</b>\n\n"
        await worried.show_advice(update, context, ui, recognised.concern, lead=title + "\n".join(lead))
    else:
        await worried.ask_danger(update, context, ui, lead="\n".join(lead))
    return True


async def _danger(update: Update, ui: Ui, helpline: Helpline | None) -> None:
    lines = [
        "<b>" + ui._("Si quelqu'un est en danger maintenant, appelez le 17 (police) ou le 112.") + "</b>",
        ui._("Un enfant en danger : le 119, jour et nuit, gratuit."),
        *(["", _helpline_text(ui, helpline)] if helpline else []),
        "",
        ui._("Vous n'êtes pas seul."),
        "<i>" + ui._("Votre message n'est pas gardé.") + "</i>",
    ]
    rows: Keyboard = [
        [safeguarding_button(ui)],
        [button(ui._("😟 Je m'inquiète pour mon enfant"), pack(Action.WORRIED))],
        [button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h"))],
    ]
    await answer(update, ui, "\n".join(lines), rows, edit=False)


def _helpline(helplines: tuple[Helpline, ...], recognised: Recognised) -> Helpline | None:
    return next((line for line in helplines if line.id == recognised.helpline), None)


def _helpline_text(ui: Ui, line: Helpline) -> str:
    number = line.phone or (ui._("SMS au {number}").format(number=line.sms) if line.sms else "")
    return f"☎️ <b>{html.escape(line.name)}</b> — {html.escape(number)}\n" + html.escape(
        line.description(ui.language)
    )
