"""Screens more than one feature shows: the main menu, the language, role and territory choices.

Labels are marked with N_ so pybabel extracts them, and translated when shown.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.callbacks import pack
from bot.domain.roles import OTHER, PARENT, PROFESSIONAL, RESIDENT, ROLES
from bot.handlers.common import Keyboard, Ui, button
from bot.services import Services


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return message


ROLE_LABELS = {
    PARENT: N_("Parent ou proche d'un jeune"),
    PROFESSIONAL: N_("Professionnel (école, social, sport…)"),
    RESIDENT: N_("Habitant"),
    OTHER: N_("Autre"),
}


def role_label(ui: Ui, role: str) -> str:
    return ui._(ROLE_LABELS.get(role, ROLE_LABELS[OTHER]))


def language_rows(found: Services, data_for: dict[str, str]) -> Keyboard:
    """One button per language, each written in its own language, two per row."""
    buttons = [button(found.catalogs.native_name(code), data_for[code]) for code in found.catalogs.languages]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def role_rows(ui: Ui, data_for: dict[str, str]) -> Keyboard:
    return [[button(role_label(ui, role), data_for[role])] for role in ROLES]


def territory_rows(ui: Ui, found: Services, data_for: dict[str, str]) -> Keyboard:
    return [
        [button(territory.name(ui.language), data_for[territory.id])]
        for territory in found.content.territories.values()
    ]


def menu_view(ui: Ui, found: Services) -> tuple[str, Keyboard]:
    """The main menu for the person's role; before consent, only what needs nothing stored."""
    role = ui.person.role if ui.person else OTHER
    rows: Keyboard = [
        [button(ui._("📚 Ressources"), pack("t")), button(ui._("❓ Vrai ou faux ?"), pack("y"))],
        [button(ui._("🤝 Trouver de l'aide"), pack("d")), button(ui._("☎️ Numéros d'aide"), pack("d", "h"))],
    ]
    if role != PROFESSIONAL:
        rows.insert(0, [button(ui._("😟 Je m'inquiète pour mon enfant"), pack("w"))])
    else:
        rows.insert(0, [button(ui._("🎓 Formations courtes"), pack("f"))])
    rows += [[button(page.title, pack("p", page.id))] for page in found.content.menu_pages(ui.language, role)]
    if ui.person is None:
        text = ui._(
            "Vous n'avez encore rien enregistré. Vous pouvez lire ces pages, ou commencer quand vous voulez."
        )
        rows.append([button(ui._("Commencer"), pack("o"))])
        return text, rows
    text = ui._("<b>Menu</b>\nQue souhaitez-vous faire ?")
    rows.append([button(ui._("⚙️ Réglages"), pack("s")), button(ui._("🔒 Mes données"), pack("x"))])
    rows.append([button(ui._("❓ Aide"), pack("h"))])
    return text, rows


def back_to_menu(ui: Ui) -> list[InlineKeyboardButton]:
    return [button(ui._("↩️ Menu"), pack("m"))]


def verdict(ui: Ui, right: bool) -> str:
    """The line that says whether an answer (myth card, quiz, review) was right."""
    return ui._("✔️ Bonne réponse !") if right else ui._("✖️ Pas tout à fait.")
