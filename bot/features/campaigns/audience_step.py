"""The composer's "who receives it" step: toggles per audience list, within the coordinator's territories.

A territory coordinator picks among their own territories only, and "no territory ticked" is written out as
all of theirs, never left empty (which would mean every territory of the deployment).
"""

from __future__ import annotations

from telegram import Update

from bot.core.access import coordinator_scope
from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button
from bot.domain import campaigns
from bot.domain.audience import Audience, count_audience
from bot.domain.scope import Scope
from bot.features.campaigns.card import done_button, save
from bot.features.campaigns.views import (
    AUDIENCE_KEYS,
    audience_options,
    audience_summary,
    option_label,
)
from bot.fields import index as position
from bot.models import Campaign
from bot.services import Services


def within_scope(found: Services, scope: Scope, audience: Audience) -> Audience:
    """The audience a coordinator of `scope` may send to: no territory chosen means all of theirs."""
    if scope.is_whole or audience.territories:
        return audience
    return Audience.from_json(
        {**audience.to_json(), "territories": audience_options(found, "territories", scope)}
    )


async def audience_step(
    update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]
) -> None:
    found = context.services
    assert update.effective_user is not None
    scope = await coordinator_scope(found, update.effective_user.id)
    if scope is None:  # the role was taken back since the button's check: never every territory
        await stale_button(update, context, ui)
        return
    audience = campaigns.audience_of(campaign)
    if args == ["c"]:  # staff: only ever when chosen here
        audience = audience.with_staff(not audience.staff)
        campaign = await save(found, campaign.id or 0, audience=audience.to_json()) or campaign
    elif len(args) == 2 and args[0] in AUDIENCE_KEYS:
        key = AUDIENCE_KEYS[args[0]]
        options = audience_options(found, key, scope)
        option = position(args[1], len(options))
        if option is None:
            await stale_button(update, context, ui)
            return
        audience = within_scope(found, scope, audience.toggled(key, options[option]))
        campaign = await save(found, campaign.id or 0, audience=audience.to_json()) or campaign
    await acknowledge(update)
    async with found.database.session() as session:
        recipients = await count_audience(session, audience, configured=found.settings.coordinators)
    cid = str(campaign.id)
    rows: Keyboard = []
    for letter, key in AUDIENCE_KEYS.items():
        chosen: tuple[str, ...] = getattr(audience, key)
        line = []
        for index, value in enumerate(audience_options(found, key, scope)):
            mark = "✅ " if value in chosen else ""
            line.append(
                button(
                    mark + option_label(ui, found, key, value),
                    pack(Action.COMPOSER, cid, "a", letter, str(index)),
                )
            )
        rows += [line[i : i + 3] for i in range(0, len(line), 3)]
    staff = ("✅ " if audience.staff else "") + ui._("Coordination")
    rows += [[button(staff, pack(Action.COMPOSER, cid, "a", "c"))], *done_button(ui, campaign.id or 0)]
    text = "\n".join(
        [
            "<b>" + ui._("Qui reçoit cette campagne ?") + "</b>",
            ui._("Rien de coché dans une ligne veut dire : tout le monde pour ce critère."),
            ui._("Profils, territoires, langues, abonnements, puis lien d'arrivée."),
            ui._("La coordination ne reçoit la campagne que si vous cochez « Coordination »."),
            "",
            audience_summary(ui, found, audience),
            ui.t.ngettext("{count} destinataire.", "{count} destinataires.", recipients).format(
                count=ui.t.number(recipients)
            ),
        ]
    )
    await answer(update, ui, text, rows)
