"""The request a second coordinator approves: sent at submission, and again when a campaign that went out
on its own has grown past the approval threshold.

It shows what the approver approves: the message itself in each language written (as plain text, so that
nothing in it can break the request), whether it is urgent, and who wrote it by their display name. It goes
only to the coordinators whose territories cover the campaign's audience, never to its author.
"""

from __future__ import annotations

import html

from bot.core.callbacks import Action, pack
from bot.core.context import AnyBotApplication
from bot.core.ui import Keyboard, Ui, button
from bot.delivery.render import TEXT_LIMIT
from bot.domain import campaigns, coordinators
from bot.features.campaigns.views import audience_summary, message_texts, schedule_summary, urgent_line
from bot.features.coordination.coordinators import tell_coordinators
from bot.i18n import Translator
from bot.models import Campaign
from bot.services import Services

# Each language's text in the request: the whole request stays within Telegram's limit with three of
# them; the "👁 Aperçu" button shows a longer message whole.
EXCERPT = 900


async def ask_approval(app: AnyBotApplication, found: Services, campaign: Campaign, recipients: int) -> None:
    """Ask every other coordinator who covers the campaign; the buttons name this version of it."""
    cid = str(campaign.id)
    audience = campaigns.audience_of(campaign)
    async with found.database.session() as session:
        author = (await coordinators.names(session, [campaign.created_by]))[campaign.created_by]

    def text(t: Translator) -> str:
        ui = Ui(person=None, t=t)
        lines = [
            t.gettext("🗳 <b>Approbation demandée</b> : campagne n° {id}, « {title} », par {author}.").format(
                id=campaign.id, title=html.escape(campaign.title), author=html.escape(author)
            ),
            t.gettext("Destinataires : {count} ({who}).").format(
                count=t.number(recipients), who=audience_summary(ui, found, audience)
            ),
            t.gettext("Envoi : {when}.").format(when=schedule_summary(ui, found, campaign)),
        ]
        if campaign.urgent:
            lines.append(urgent_line(ui))
        lines += ["", *message_texts(ui, found, campaign, room=EXCERPT)]
        shown = "\n".join(lines)
        return shown if len(shown) < TEXT_LIMIT else "\n".join(lines[:4])

    def rows(t: Translator) -> Keyboard:
        return [
            [button(t.gettext("👁 Aperçu"), pack(Action.CAMPAIGN, cid, "v"))],
            [
                button(t.gettext("✅ Approuver"), pack(Action.CAMPAIGN, cid, "ok", str(campaign.revision))),
                button(t.gettext("❌ Refuser"), pack(Action.CAMPAIGN, cid, "no")),
            ],
        ]

    await tell_coordinators(
        app, found, text, rows, exclude=campaign.created_by, territories=list(audience.territories)
    )
