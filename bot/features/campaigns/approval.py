"""The request a second coordinator approves: sent at submission, and again when a campaign that went out
on its own has grown past the approval threshold."""

from __future__ import annotations

import html

from bot.core.callbacks import Action, pack
from bot.core.context import AnyBotApplication
from bot.core.ui import Keyboard, Ui, button
from bot.domain import campaigns
from bot.features.campaigns.views import audience_summary, schedule_summary
from bot.features.coordination.coordinators import tell_coordinators
from bot.i18n import Translator
from bot.models import Campaign
from bot.services import Services


async def ask_approval(app: AnyBotApplication, found: Services, campaign: Campaign, recipients: int) -> None:
    """Ask every other coordinator; the buttons name this version of the campaign."""
    cid = str(campaign.id)

    def text(t: Translator) -> str:
        ui = Ui(person=None, t=t)
        return "\n".join(
            [
                t.gettext(
                    "🗳 <b>Approbation demandée</b> : campagne n° {id}, « {title} », par {author}."
                ).format(id=campaign.id, title=html.escape(campaign.title), author=campaign.created_by),
                t.gettext("Destinataires : {count} ({who}).").format(
                    count=t.number(recipients),
                    who=audience_summary(ui, found, campaigns.audience_of(campaign)),
                ),
                t.gettext("Envoi : {when}.").format(when=schedule_summary(ui, found, campaign)),
            ]
        )

    def rows(t: Translator) -> Keyboard:
        return [
            [button(t.gettext("👁 Aperçu"), pack(Action.CAMPAIGN, cid, "v"))],
            [
                button(t.gettext("✅ Approuver"), pack(Action.CAMPAIGN, cid, "ok", str(campaign.revision))),
                button(t.gettext("❌ Refuser"), pack(Action.CAMPAIGN, cid, "no")),
            ],
        ]

    await tell_coordinators(app, found, text, rows, exclude=campaign.created_by)
