"""What a person is told before and after asking to be contacted: what the professional sees, where the
messages stay, when a professional must act, and roughly when someone will write. Said plainly, because a
request is a promise the commune makes."""

from __future__ import annotations

import html

from bot.core.ui import Ui
from bot.features.contact.ticket_store import MAX_REMINDERS
from bot.services import Services


def what_happens(ui: Ui, found: Services) -> str:
    """The explanation shown before the person sends a request (Telegram HTML)."""
    days = found.settings.ticket_retention_days
    return "\n\n".join(
        [
            ui._(
                "Votre demande part vers les professionnels référents de votre territoire, avec seulement : "
                "le territoire, le sujet, votre langue et un numéro."
            ),
            ui._(
                "Le professionnel qui la prend vous écrit ici, par l'intermédiaire du bot. Il lit ce que "
                "vous écrivez, mais il ne voit ni votre nom, ni votre photo, ni votre compte ou votre "
                "numéro Telegram."
            ),
            ui._(
                "Le bot transmet les messages sans en garder le texte. Mais ils restent dans les deux "
                "conversations Telegram, la vôtre et celle du professionnel, comme tout message."
            )
            + " "
            # A count in a sentence takes its plural form (Arabic has six): "7 أيام", not "7 يومًا".
            + ui.t.ngettext(
                "La demande est effacée {count} jour après la fin de la conversation.",
                "La demande est effacée {count} jours après la fin de la conversation.",
                days,
            ).format(count=ui.t.number(days)),
            "<b>"
            + ui._(
                "Si ce que vous écrivez montre qu'un enfant est en danger, le professionnel ne peut pas le "
                "garder pour lui : il doit agir pour le protéger."
            )
            + "</b>",
            when_to_expect(ui, found),
        ]
    )


def when_to_expect(ui: Ui, found: Services) -> str:
    """Roughly when a professional will write: the referents' usual hours when the territory gives them,
    and when the person will hear back if nobody could take the request."""
    territory = found.content.territories.get(ui.person.territory) if ui.person else None
    hours = territory.hours(ui.language) if territory else None
    # A request nobody takes is reminded MAX_REMINDERS times, then closed at the next check.
    minutes = (MAX_REMINDERS + 1) * found.settings.ticket_remind_minutes
    unanswered = ui._(
        "Si personne n'a pu la prendre d'ici environ {delay}, vous serez prévenu ; les numéros d'aide, eux, "
        "répondent tout de suite."
    ).format(delay=ui.t.duration(minutes * 60))
    if hours is None:
        return unanswered
    usual = ui._("Les professionnels répondent en général {hours}.").format(hours=html.escape(hours))
    return usual + " " + unanswered
