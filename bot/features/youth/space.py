"""The youth space: a young person reads, plays and finds help without a profile, and nothing is stored.

Everything the space needs travels in the buttons: "1:j:<lang>" (home), then after the language
"s:<id>" (a section), "l" (the cards), "c:<id>" (a card), "a:<id>:<t|f>" (its answer),
"q:<seed>:<index>:<score>[:<t|f>]" (the quiz), "o[:<territory>]" (local opportunities). The language is
the only choice kept, and only there. No handler here reads or writes the database, notes activity or
logs: the space works the same for a chat the bot has never seen, and leaves no trace of it.
Reached from onboarding's "Je suis un·e jeune" and from the deep links /start jeunes, jeunes_en, jeunes_ar.
"""

from __future__ import annotations

import html
import random
from collections.abc import Collection

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler

from bot.content.pack import Service
from bot.content.youth import MYTH, OPPORTUNITY_KINDS, SECTION, YouthItem
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context, CustomContext
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields
from bot.core.views import verdict
from bot.fields import numbers as read_numbers
from bot.i18n import resolve_language

DEEP_LINK = "jeunes"  # /start jeunes (Telegram's language), /start jeunes_en, /start jeunes_ar...
TRUE, FALSE = "t", "f"
QUIZ_LENGTH = 5


def _ui(context: Context, language: str) -> Ui:
    """The space's Ui: no person, ever, even for someone registered (nothing here is about them)."""
    return Ui(person=None, t=context.services.catalogs.get(language))


def _data(ui: Ui, *fields: str) -> str:
    return pack(Action.YOUTH, ui.language, *fields)


def _home_button(ui: Ui) -> list[InlineKeyboardButton]:
    return [button(ui._("↩️ Espace jeunes"), _data(ui))]


async def show_home(update: Update, context: Context, ui: Ui, *, edit: bool = True, note: str = "") -> None:
    youth = context.services.content.youth
    notice_id = youth.notice()
    notice = youth.get(ui.language, notice_id, "notice") if notice_id else None
    rows: Keyboard = [
        [button(item.title, _data(ui, "s", item.id))]
        for item in (youth.get(ui.language, item_id, SECTION) for item_id in youth.sections())
        if item is not None
    ]
    rows.append(
        [
            button(ui._("🎯 Le quiz"), _data(ui, "q", str(random.randrange(1_000_000)), "0", "0")),
            button(ui._("🃏 Vrai ou faux"), _data(ui, "l")),
        ]
    )
    catalogs = context.services.catalogs
    others = [code for code in catalogs.languages if code != ui.language]
    rows.append([button(catalogs.native_name(code), pack(Action.YOUTH, code)) for code in others])
    heading = "<b>" + ui._("Espace jeunes") + "</b>"
    text = "\n\n".join(part for part in (note, heading, notice.html if notice else "") if part)
    await answer(update, ui, text, rows, edit=edit)


async def _show_section(update: Update, context: Context, ui: Ui, item: YouthItem) -> None:
    rows: Keyboard = []
    if item.opportunities:
        rows.append([button(ui._("📍 Près de chez toi"), _data(ui, "o"))])
    rows.append(_home_button(ui))
    await answer(update, ui, f"<b>{html.escape(item.title)}</b>\n\n{item.html}", rows)


async def _show_cards(update: Update, context: Context, ui: Ui) -> None:
    youth = context.services.content.youth
    cards = [youth.get(ui.language, myth_id, MYTH) for myth_id in youth.myths()]
    rows: Keyboard = [[button(card.claim or card.title, _data(ui, "c", card.id))] for card in cards if card]
    rows.append(_home_button(ui))
    await answer(update, ui, "<b>" + ui._("Vrai ou faux ? Choisis une phrase :") + "</b>", rows)


def _question(ui: Ui, card: YouthItem, heading: str = "") -> str:
    claim = ui.t.foreign(
        "<b>" + ui._("« {claim} »").format(claim=html.escape(card.claim or "")) + "</b>", card.language
    )
    return f"{heading}{claim}\n\n" + ui._("Vrai ou faux ?")


def _true_false(ui: Ui, *fields: str) -> Keyboard:
    return [
        [
            button(ui._("✅ Vrai"), _data(ui, *fields, TRUE)),
            button(ui._("❌ Faux"), _data(ui, *fields, FALSE)),
        ]
    ]


def _explained(ui: Ui, card: YouthItem, said: str) -> str:
    right = (said == TRUE) == card.answer
    return f"<b>{verdict(ui, right)}</b>\n" + ui.t.foreign(card.html, card.language)


async def _show_card(update: Update, ui: Ui, card: YouthItem, said: str | None, following: str) -> None:
    if said is None:
        rows = _true_false(ui, "a", card.id)
        rows.append([button(ui._("↩️ Vrai ou faux"), _data(ui, "l"))])
        await answer(update, ui, _question(ui, card), rows)
        return
    rows = [
        [button(ui._("🃏 Carte suivante"), _data(ui, "c", following))],
        [button(ui._("↩️ Vrai ou faux"), _data(ui, "l")), *_home_button(ui)],
    ]
    await answer(update, ui, _explained(ui, card, said), rows)


def _quiz_cards(seed: int, ids: list[str]) -> list[str]:
    return random.Random(seed).sample(ids, k=min(QUIZ_LENGTH, len(ids)))


async def _quiz(update: Update, context: Context, ui: Ui, fields: list[str]) -> bool:
    """A quiz step; False when the buttons describe a quiz no one could be in (forged or outdated)."""
    numbers = read_numbers(fields[:3])
    said = fields[3] if len(fields) == 4 else None
    if numbers is None or len(numbers) != 3 or len(fields) > 4 or said not in (None, TRUE, FALSE):
        return False
    seed, index, score = numbers
    youth = context.services.content.youth
    cards = _quiz_cards(seed, youth.myths())
    if index > len(cards) or score > index or (said is not None and index >= len(cards)):
        return False
    if index == len(cards):
        text = ui.t.ngettext(
            "Ton score : {score} bonne réponse sur {total}.",
            "Ton score : {score} bonnes réponses sur {total}.",
            score,
        ).format(score=ui.t.number(score), total=ui.t.number(len(cards)))
        again = str(random.randrange(1_000_000))
        rows: Keyboard = [[button(ui._("🔁 Rejouer"), _data(ui, "q", again, "0", "0"))], _home_button(ui)]
        await answer(update, ui, f"<b>{text}</b>", rows)
        return True
    card = youth.get(ui.language, cards[index], MYTH)
    if card is None:
        return False
    if said is None:
        heading = (
            "<i>"
            + ui._("Question {number} sur {total}").format(
                number=ui.t.number(index + 1), total=ui.t.number(len(cards))
            )
            + "</i>\n\n"
        )
        await answer(update, ui, _question(ui, card, heading), _true_false(ui, "q", *fields[:3]))
        return True
    right = (said == TRUE) == card.answer
    following = (str(seed), str(index + 1), str(score + int(right)))
    label = ui._("Voir mon score") if index + 1 == len(cards) else ui._("Question suivante ▶️")
    await answer(update, ui, _explained(ui, card, said), [[button(label, _data(ui, "q", *following))]])
    return True


def _opportunities(context: Context, territory: str) -> list[Service]:
    services = context.services.content.directory.get(territory, ())
    return sorted(
        (s for s in services if s.kind in OPPORTUNITY_KINDS), key=lambda s: OPPORTUNITY_KINDS.index(s.kind)
    )


def _service_lines(ui: Ui, service: Service) -> list[str]:
    lines = [f"<b>{html.escape(service.name)}</b>", html.escape(service.description(ui.language))]
    lines.append("📍 " + html.escape(service.address))
    if service.phone:
        lines.append("📞 " + html.escape(service.phone))
    if service.website:
        lines.append(f'🌐 <a href="{html.escape(service.website)}">{html.escape(service.website)}</a>')
    if service.example:
        lines.append("<i>" + ui._("Exemple de démonstration : ce lieu n'existe pas.") + "</i>")
    return lines


async def _show_opportunities(update: Update, context: Context, ui: Ui, fields: list[str]) -> bool:
    territories = context.services.content.territories
    if not fields and len(territories) > 1:
        # Asked each time rather than kept: where a young person lives is theirs.
        rows: Keyboard = [[button(t.name(ui.language), _data(ui, "o", t.id))] for t in territories.values()]
        rows.append(_home_button(ui))
        await answer(update, ui, "<b>" + ui._("Tu es où ?") + "</b>", rows)
        return True
    territory = fields[0] if fields else next(iter(territories), "")
    if len(fields) > 1 or territory not in territories:
        return False
    blocks = ["\n".join(_service_lines(ui, service)) for service in _opportunities(context, territory)[:8]]
    if not blocks:
        blocks = [ui._("Pas encore de lieu listé ici : demande à la mission locale ou au service jeunesse.")]
    heading = (
        "<b>"
        + ui._("Près de chez toi : {place}").format(
            place=html.escape(territories[territory].name(ui.language))
        )
        + "</b>"
    )
    await answer(update, ui, "\n\n".join([heading, *blocks]), [_home_button(ui)])
    return True


async def _route(update: Update, context: Context, ui: Ui, fields: list[str]) -> bool:
    """Show what the button asks for; False when it names nothing the space has."""
    youth = context.services.content.youth
    what, rest = (fields[0], fields[1:]) if fields else ("", [])
    if not fields:
        await show_home(update, context, ui)
    elif what == "s" and len(rest) == 1 and (section := youth.get(ui.language, rest[0], SECTION)):
        await _show_section(update, context, ui, section)
    elif what == "l" and not rest:
        await _show_cards(update, context, ui)
    elif what in ("c", "a") and rest and (card := youth.get(ui.language, rest[0], MYTH)):
        said = rest[1] if what == "a" and len(rest) == 2 and rest[1] in (TRUE, FALSE) else None
        if len(rest) != (2 if what == "a" else 1) or (what == "a" and said is None):
            return False
        ids = youth.myths()
        await _show_card(update, ui, card, said, ids[(ids.index(card.id) + 1) % len(ids)])
    elif what == "q":
        return await _quiz(update, context, ui, rest)
    elif what == "o":
        return await _show_opportunities(update, context, ui, rest)
    else:
        return False
    return True


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    languages = context.services.catalogs.languages
    if not fields or fields[0] not in languages:
        # No language to answer in: the bot's general answer to a button it does not know.
        await stale_button(update, context)
        return
    ui = _ui(context, fields[0])
    await acknowledge(update)
    if not await _route(update, context, ui, fields[1:]):
        # An old or forged button of the space: say so, in its language, and stay in the space.
        await show_home(update, context, ui, edit=False, note=ui._("Ce bouton n'est plus valable."))


def _is_link(rest: str, languages: Collection[str]) -> bool:
    """What follows "jeunes" in a /start payload names the space: nothing, or "_<language>"."""
    return not rest or (rest.startswith("_") and rest.removeprefix("_") in languages)


def traceless(update: Update, context: CustomContext) -> bool:
    """The space's buttons and its /start link: the text router leaves them alone (bot/core/context.py)."""
    query, message = update.callback_query, update.message
    if query is not None:
        return pattern(Action.YOUTH).match(query.data or "") is not None
    words = (message.text or "").split() if message is not None else []
    return (
        len(words) == 2
        and words[0].split("@")[0] == "/start"
        and words[1].startswith(DEEP_LINK)
        and _is_link(words[1].removeprefix(DEEP_LINK), context.bot_data.services.catalogs.languages)
    )


async def open_link(update: Update, context: Context, rest: str) -> bool:
    """/start jeunes[_<lang>]: the space in that language, else in Telegram's; False for another code."""
    found = context.services
    chosen = rest.removeprefix("_") or None
    if not _is_link(rest, found.catalogs.languages):
        return False  # another code ("jeunesse-affiche"): onboarding counts it as usual
    telegram_code = update.effective_user.language_code if update.effective_user else None
    language = resolve_language(
        chosen, telegram_code, found.catalogs.languages, found.settings.default_language
    )
    await show_home(update, context, _ui(context, language), edit=False)
    return True


def register(app: BotApplication) -> None:
    app.bot_data.deep_links[DEEP_LINK] = open_link
    app.bot_data.traceless.append(traceless)
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.YOUTH)))
