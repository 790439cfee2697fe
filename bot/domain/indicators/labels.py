"""The words for every key a table carries: its key, its dimensions and their members, and each page.

Fixed words are French source strings marked with N_ (pybabel extracts them) and translated by the reader's
catalog; names of territories, modules, myth cards and resources come from the content; languages and
months from babel. A key nobody knows is shown as it is (a campaign run's row is its own label).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from bot.content.pack import ContentPack
from bot.domain.indicators.record import NO_TERRITORY
from bot.domain.indicators.sources import MONTH, UNSPECIFIED
from bot.domain.tables import NO_DATA, TOTAL, Value
from bot.i18n import Translator


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return message


FIXED: dict[str, str] = {
    # Pages ("requests" is both a page and its main table)
    "overview": N_("Vue d'ensemble"),
    "families": N_("Familles"),
    "trainings": N_("Formations"),
    "campaigns": N_("Campagnes"),
    "attribution": N_("Provenance des arrivées"),
    "consultations": N_("Consultations"),
    # Tables
    "people_by_role": N_("Personnes arrivées, par profil"),
    "people_by_language": N_("Personnes arrivées, par langue"),
    "people_by_territory": N_("Personnes arrivées, par territoire"),
    "resources_opened": N_("Ressources ouvertes"),
    "resources_opened_by_territory": N_("Ressources ouvertes, par territoire"),
    "myth_answers": N_("Réponses aux idées reçues"),
    "myth_correct": N_("Bonnes réponses aux idées reçues"),
    "myth_mistaken": N_("Réponses erronées aux idées reçues"),
    "myth_correct_share": N_("Part de bonnes réponses (%)"),
    "myth_correct_share_by_territory": N_("Part de bonnes réponses (%), par territoire"),
    "trainings_started": N_("Formations commencées"),
    "trainings_passed": N_("Formations réussies"),
    "trainings_average_score": N_("Score moyen des formations réussies (%)"),
    "trainings_started_by_profession": N_("Formations commencées, par métier"),
    "trainings_passed_by_profession": N_("Formations réussies, par métier"),
    "requests": N_("Demandes de contact"),
    "requests_opened_by_topic": N_("Demandes de contact ouvertes, par sujet"),
    "requests_opened_by_territory": N_("Demandes de contact ouvertes, par territoire"),
    "campaign_runs": N_("Envois de campagnes"),
    "attribution_by_source": N_("Arrivées par code de lien"),
    "attribution_by_territory": N_("Arrivées par code de lien, par territoire"),
    "consultation_answers": N_("Consultations : réponses par option"),
    "consultation_ideas": N_("Consultations : idées par thème"),
    # Export indicators
    "people_joined": N_("Personnes arrivées"),
    "attribution_joined": N_("Arrivées par un code de lien"),
    "requests_opened": N_("Demandes ouvertes"),
    "requests_taken": N_("Demandes prises en charge"),
    "requests_answered": N_("Demandes ayant reçu une réponse"),
    "requests_closed": N_("Demandes closes"),
    "requests_first_answer_hours": N_("Délai moyen de première réponse (heures)"),
    # Dimensions
    "month": N_("Mois"),
    "role": N_("Profil"),
    "language": N_("Langue"),
    "territory": N_("Territoire"),
    "source": N_("Code de lien"),
    "resource": N_("Ressource"),
    "myth": N_("Idée reçue"),
    "module": N_("Module"),
    "profession": N_("Métier"),
    "topic": N_("Sujet"),
    "answer": N_("Réponse"),
    "step": N_("Étape"),
    "run": N_("Envoi"),
    "outcome": N_("Résultat"),
    "consultation": N_("Consultation"),
    "option": N_("Option"),
    "tag": N_("Thème"),
    # Members
    TOTAL: N_("Total"),
    NO_TERRITORY: N_("Sans territoire"),
    UNSPECIFIED: N_("Non précisé"),
    "parent": N_("Parents et proches"),
    "professional": N_("Professionnels"),
    "resident": N_("Habitants"),
    "other": N_("Autres"),
    "direct": N_("Sans code (arrivée directe)"),
    "correct": N_("Bonnes réponses"),
    "mistaken": N_("Réponses erronées"),
    "opened": N_("Ouvertes"),
    "taken": N_("Prises en charge"),
    "answered": N_("Avec réponse"),
    "closed": N_("Closes"),
    "first_answer_hours": N_("Délai moyen de première réponse (heures)"),
    "targeted": N_("Destinataires"),
    "sent": N_("Envoyés"),
    "pending": N_("En attente"),
    "held": N_("Retenus (heures calmes)"),
    "failed": N_("Échecs"),
    "unreachable": N_("Injoignables"),
    "opted_out": N_("Désabonnés"),
    "capped": N_("Plafond hebdomadaire atteint"),
    "paused": N_("En pause"),
    "cancelled": N_("Annulés"),
    "possible_duplicates": N_("Doublons possibles"),
    "teacher": N_("Enseignants"),
    "youth_worker": N_("Animateurs et éducateurs jeunesse"),
    "social_worker": N_("Travailleurs sociaux"),
    "coach": N_("Éducateurs sportifs"),
    "mediator": N_("Médiateurs"),
    "landlord": N_("Bailleurs"),
    # Consultations: options by number, idea tags (bot/domain/consultations.py TAGS)
    "option_1": N_("Option 1"),
    "option_2": N_("Option 2"),
    "option_3": N_("Option 3"),
    "option_4": N_("Option 4"),
    "option_5": N_("Option 5"),
    "option_6": N_("Option 6"),
    "safety": N_("Sécurité"),
    "lighting": N_("Éclairage"),
    "cleanliness": N_("Propreté"),
    "layout": N_("Aménagement"),
    "activities": N_("Animations"),
    # Request topics: the same words as the contact request's concerns (bot/features/contact/concerns.py)
    "changes": N_("Il ou elle a changé : humeur, école, sorties"),
    "money": N_("De l'argent ou des affaires neuves inexpliqués"),
    "networks": N_("Des messages ou des annonces sur les réseaux"),
    "involved": N_("Je pense qu'il ou elle est impliqué ou menacé"),
    "exhausted": N_("Je suis épuisé, je ne sais plus quoi faire"),
}

LANGUAGES = ("fr", "en", "ar")
MYTH_LABEL = 80  # a myth card's claim, cut to fit a row heading


def label(t: Translator, content: ContentPack, key: str) -> str:
    """The words for `key` in the reader's language."""
    base, colon, member = key.partition(":")
    if colon:  # an export indicator restricted to one member: "people_by_role:parent"
        return f"{label(t, content, base)} – {label(t, content, member)}"
    if key in FIXED:
        return t.gettext(FIXED[key])
    if MONTH.match(key):
        year, month = (int(part) for part in key.split("-"))
        return format_skeleton("yMMMM", date(year, month, 1), locale=t.locale)
    if key in LANGUAGES:
        return t.language_name(key)
    return _content_name(t, content, key) or key


def _content_name(t: Translator, content: ContentPack, key: str) -> str | None:
    place = content.territories.get(key)
    if place is not None:
        return place.name(t.language)
    # The national item, else a territory's own (indicators count items by id, whichever territory).
    for territory in (None, *content.local):
        module = content.module(t.language, key, territory)
        if module is not None:
            return module.title
        resource = content.resource(t.language, key, territory)
        if resource is not None:
            return resource.title
        myth = content.myth(t.language, key, territory)
        if myth is not None:
            claim = myth.claim
            return claim if len(claim) <= MYTH_LABEL else claim[: MYTH_LABEL - 1].rstrip() + "…"
    return None


HIDDEN = N_("masqué")
# An average or share over nothing: written as words, so that nobody reads it as 0 (or as a hidden count).
NO_DATA_WORD = N_("sans objet")


def value_text(t: Translator, value: Value) -> str:
    """A figure as words and digits: « masqué » when hidden, « sans objet » for an average over nothing."""
    if value is None:
        return t.gettext(HIDDEN)
    return t.gettext(NO_DATA_WORD) if value is NO_DATA else t.number(value)
