"""Screens more than one feature shows: the main menu, the language, role and territory choices.

Labels are marked with N_ so pybabel extracts them, and translated when shown.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton

from bot.core.callbacks import Action, pack
from bot.core.residents import resident_rows
from bot.core.ui import Keyboard, Ui, button
from bot.roles import OTHER, PARENT, PROFESSIONAL, RESIDENT, ROLES
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
        [
            button(ui._("📚 Ressources"), pack(Action.TOPIC)),
            button(ui._("❓ Vrai ou faux ?"), pack(Action.MYTH)),
        ],
        [
            button(ui._("🤝 Trouver de l'aide"), pack(Action.DIRECTORY)),
            button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")),
        ],
    ]
    if role == RESIDENT:  # residents have a menu of their own (bot.core.residents)
        # A child keeping lookout near a dealing spot may be a child in danger: the way in stays one tap away.
        rows = [*resident_rows(ui, found), [safeguarding_button(ui)]]
    elif role != PROFESSIONAL:
        rows.insert(0, [button(ui._("😟 Je m'inquiète pour mon enfant"), pack(Action.WORRIED))])
        rows.insert(1, [safeguarding_button(ui)])
    else:
        rows.insert(0, [button(ui._("🎓 Formations courtes"), pack(Action.TRAINING))])
    rows += [
        [button(page.title, pack(Action.PAGE, page.id))]
        for page in found.content.menu_pages(ui.language, role, ui.territory)
    ]
    if ui.person is None:
        text = ui._(
            "Vous n'avez encore rien enregistré. Vous pouvez lire ces pages, ou commencer quand vous voulez."
        )
        rows.append([button(ui._("Commencer"), pack(Action.ONBOARDING))])
        return text, rows
    text = ui._("<b>Menu</b>\nQue souhaitez-vous faire ?")
    rows.append(
        [
            button(ui._("⚙️ Réglages"), pack(Action.SETTINGS)),
            button(ui._("🔒 Mes données"), pack(Action.PRIVACY)),
        ]
    )
    rows.append([button(ui._("❓ Aide"), pack(Action.HELP))])
    return text, rows


def safeguarding_button(ui: Ui) -> InlineKeyboardButton:
    """The way into "threatened, missing, exploited", from the menu, /help and the worried path."""
    return button(ui._("🆘 Enfant menacé, disparu, exploité"), pack(Action.SAFEGUARD))


def back_to_menu(ui: Ui) -> list[InlineKeyboardButton]:
    return [button(ui._("↩️ Menu"), pack(Action.MENU))]


def verdict(ui: Ui, right: bool) -> str:
    """The line that says whether an answer (myth card, quiz, review) was right."""
    return ui._("✔️ Bonne réponse !") if right else ui._("✖️ Pas tout à fait.")


def contact_lines(
    ui: Ui,
    heading: str,
    *,
    phone: str | None,
    email: str | None,
    website: str | None,
    address: str | None,
    when: str | None = None,
    example: bool = False,
) -> str:
    """An office's ways in, one a line under `heading` (HTML, escaped by the caller): the CRIP in the
    safeguarding path, the residents' local contacts. Plain text values, escaped here."""
    lines = [heading]
    if phone:
        lines.append("📞 " + html.escape(phone))
    if email:
        lines.append(f'✉️ <a href="mailto:{html.escape(email)}">{html.escape(email)}</a>')
    if website:
        lines.append(f'🌐 <a href="{html.escape(website)}">{html.escape(website)}</a>')
    if address:
        lines.append("📍 " + html.escape(address))
    if when:
        lines.append("🕒 " + html.escape(when))
    if example:
        lines.append("<i>" + ui._("Exemple de démonstration : ces coordonnées n'existent pas.") + "</i>")
    return "\n".join(lines)
