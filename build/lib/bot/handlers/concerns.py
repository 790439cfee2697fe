"""What worries a parent, in a few words, and the topic of resources each worry leads to.

Shared by the worried path and by requests to be contacted (a request carries only its concern).
"""

from __future__ import annotations

from bot.handlers.views import N_

CONCERNS: dict[str, tuple[str, str]] = {
    "changes": (N_("Il ou elle a changé : humeur, école, sorties"), "signs"),
    "money": (N_("De l'argent ou des affaires neuves inexpliqués"), "talk"),
    "networks": (N_("Des messages ou des annonces sur les réseaux"), "recruitment"),
    "involved": (N_("Je pense qu'il ou elle est impliqué ou menacé"), "involved"),
    "exhausted": (N_("Je suis épuisé, je ne sais plus quoi faire"), "yourself"),
}
