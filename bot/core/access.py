"""Who may use the coordinators' commands (coordination and campaigns): the one check they all make.

Coordinators are the COORDINATORS setting plus the people they granted the role to. Anyone else is told
the command is not for them, and how to become a coordinator (a link from /grant, never a Telegram id).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.core.context import Context
from bot.core.ui import Ui, answer, ui_for
from bot.core.views import back_to_menu
from bot.domain import coordinators
from bot.domain.scope import Scope
from bot.services import Services


@dataclass(frozen=True)
class Coordinator:
    ui: Ui
    user_id: int
    scope: Scope  # what they coordinate, read when the command came


async def require_coordinator(update: Update, context: Context) -> Ui | None:
    """The coordinator's Ui, or None after telling anyone else this command is not for them."""
    ui = await ui_for(update, context)
    user = update.effective_user
    if user is not None and await is_coordinator(context.services, user.id):
        return ui
    await _refuse(update, ui)
    return None


async def require_scope(update: Update, context: Context) -> Coordinator | None:
    """The coordinator and what they coordinate, or None after telling anyone else the command is not for
    them. The role and the scope are one read: a /revoke landing between two reads can neither leave a
    command with the role checked and no scope, nor let it fall back to the whole deployment."""
    ui = await ui_for(update, context)
    user = update.effective_user
    scope = await coordinator_scope(context.services, user.id) if user is not None else None
    if user is not None and scope is not None:
        return Coordinator(ui, user.id, scope)
    await _refuse(update, ui)
    return None


async def _refuse(update: Update, ui: Ui) -> None:
    text = ui._("Cette commande est réservée à la coordination du dispositif.")
    text += "\n" + ui._(
        "Pour en faire partie, demandez à une coordinatrice ou un coordinateur un lien « devenir "
        "coordinateur » (/grant)."
    )
    await answer(update, ui, text, [back_to_menu(ui)], edit=False)


async def is_coordinator(found: Services, user_id: int) -> bool:
    """Decided by the database, never by a copy in memory: a /revoke on another instance, or one finishing
    while this command runs, counts at once."""
    if user_id in found.settings.coordinators:
        return True
    async with found.database.session() as session:
        return await coordinators.is_granted(session, user_id=user_id)


async def coordinator_scope(found: Services, user_id: int) -> Scope | None:
    """What this person coordinates (the whole deployment or chosen territories); None for anyone else."""
    async with found.database.session() as session:
        return await coordinators.scope_of(session, user_id=user_id, configured=found.settings.coordinators)
