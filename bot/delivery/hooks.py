"""What delivery asks of the features above it, handed in at start-up: delivery imports no feature.

bot.app builds these from the campaigns, coordination and families features, so that data flows one way:
features call delivery, and delivery calls back only through these functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery.render import ItemRenderer
from bot.i18n import Translator
from bot.models import Campaign

Notice = Callable[[Translator], str]  # a message for coordinators, written in each one's language


@dataclass(frozen=True)
class Hooks:
    # A content item ("myth:…", "resource:…", "page:…") as a message, for campaigns and drips.
    render_item: ItemRenderer
    # A run grew past its approval on its own (campaign, recipients): a second coordinator must look.
    ask_approval: Callable[[Campaign, int], Awaitable[None]]
    # A notice to every coordinator, such as a run missed while the bot was stopped.
    tell_coordinators: Callable[[Notice], Awaitable[None]]
