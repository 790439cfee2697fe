"""The indicators of the coordinators' dashboard and of the evaluation export, as tables.

`page_tables(session, page, scope, first, last)` gives a dashboard page's tables; `export_tables(session,
scope, first, last)` the export's, one per indicator, by month and territory. Months are UTC months
"YYYY-MM", `first` to `last` inclusive. Cells are already suppressed (bot/domain/suppression.py): None is
hidden. A territory coordinator's tables count their territories only. `labels.label` names every key,
dimension and fixed value below, and each page's name; docs/INDICATORS.md defines each indicator and the
call's objective it serves. `export.build_export` writes the export as CSV or ODS (`export.FORMATS`,
`export.MEDIA_TYPES`, `export.filename`).

Dimensions (row_dimension / column_dimension): "month" ("2026-11"), "role" (bot.roles), "language"
("fr"...), "territory" (a content territory id, or "none"), "source" (a deep-link code), "resource",
"myth", "module" (content ids), "profession" (an invite's kind, or "unspecified"), "topic" (a contact
request's concern), "answer", "step", "run" (a campaign run, its row key is its own label), "outcome".
Every dimension but "month", "step" and "outcome" has a "total" member (`TOTAL`), last.

Pages and their tables (key: rows x columns, what a cell counts):

overview
    people_by_role: month x role (+ total); people who joined (accepted the notice) that month, by their role
    people_by_language: month x language (+ total); the same people by language
    people_by_territory: month x territory (+ total); the same people by territory
families
    resources_opened: resource (+ total) x month; times a resource's first page was opened
    resources_opened_by_territory: month x territory (+ total); the same, by territory
    myth_answers: myth (+ total) x month; answers given to a myth card's quiz
    myth_correct: myth (+ total) x month; right answers
    myth_mistaken: myth (+ total) x month; wrong answers
    myth_correct_share: myth (+ total) x month; right answers in percent of answers (a float)
    myth_correct_share_by_territory: month x territory (+ total); the same for all cards, by territory
trainings
    trainings_started: module (+ total) x month; modules started that month
    trainings_passed: module (+ total) x month; modules passed that month
    trainings_average_score: module (+ total) x month; mean best score (percent, float) of those passed
    trainings_started_by_profession: profession (+ total) x month; modules started, by profession
    trainings_passed_by_profession: profession (+ total) x month; modules passed, by profession
requests
    requests: month x step (opened, taken, answered, closed, first_answer_hours); contact requests opened,
        taken by a referent, answered (the referent's first relayed message), closed that month, and the
        mean hours from a request to its first answer, over the requests answered that month (a float)
    requests_opened_by_topic: topic (+ total) x month; requests opened, by concern
    requests_opened_by_territory: month x territory (+ total); requests opened, by territory
campaigns
    campaign_runs: run x outcome (targeted, sent, pending, held, failed, unreachable, opted_out, capped,
        paused, cancelled, possible_duplicates); a run planned in the period, of a campaign within scope
consultations (objective 5, public space; bot/domain/indicators/consultations.py)
    consultation_answers: consultation x option (option_1..option_6, + total); answers, counted at closing
    consultation_ideas: consultation x tag (+ total); idea-box ideas a coordinator tagged
attribution
    attribution_by_source: source (+ total) x month; people who joined through a deep-link code
    attribution_by_territory: month x territory (+ total); the same, by territory

Export tables (each: month x territory (+ total), for the period): people_joined, people_by_role:<role>,
people_by_language:<language>, attribution_joined, resources_opened, myth_answers, myth_correct,
myth_mistaken, myth_correct_share, trainings_started, trainings_passed, trainings_average_score,
requests_opened, requests_taken, requests_answered, requests_closed, requests_first_answer_hours. A key
"base:member" is the base indicator restricted to one member (people_by_role:parent). The consultations'
tables follow, below the grid, one row per consultation (export.build_export).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.indicators import pages
from bot.domain.indicators.consultations import consultation_tables
from bot.domain.indicators.cubes import Month, average, share
from bot.domain.indicators.pages import SECONDS_PER_HOUR
from bot.domain.indicators.runs import campaign_tables
from bot.domain.indicators.sources import EVENTS, Figures, PeriodError, by_month, gather, months_between
from bot.domain.scope import Scope
from bot.domain.tables import TOTAL, Table, Value

__all__ = ["PAGES", "PeriodError", "export_tables", "months_between", "page_tables"]

PAGES = ("overview", "families", "trainings", "requests", "campaigns", "attribution", "consultations")

_BUILDERS: dict[str, Callable[[Figures], list[Table]]] = {
    "overview": pages.overview,
    "families": pages.families,
    "trainings": pages.trainings,
    "requests": pages.requests,
    "attribution": pages.attribution,
}


async def page_tables(session: AsyncSession, page: str, scope: Scope, first: str, last: str) -> list[Table]:
    """A page's tables (PAGES); KeyError for another page, PeriodError for a wrong period."""
    if page == "campaigns":
        return await campaign_tables(session, scope, first, last)
    if page == "consultations":
        return await consultation_tables(session, scope, first, last)
    builder = _BUILDERS[page]
    return builder(await gather(session, scope, first, last, _READS[page]))


# What each page reads (bot/domain/indicators/sources.py).
_READS = {
    "overview": ("people",),
    "families": ("counters",),
    "trainings": ("trainings",),
    "requests": ("counters",),
    "attribution": ("counters",),
}

Exported = Callable[[Figures, Month, str], Value]


def _count(cube: str, *key: str) -> Exported:
    """The cube's count at (territory, *key)."""

    def value(figures: Figures, month: Month, territory: str) -> Value:
        return month.count(cube, territory, *key)

    return value


def _correct_share(figures: Figures, month: Month, territory: str) -> Value:
    right = month.count("myths", territory, TOTAL, "correct")
    return share(right, month.count("myths", territory, TOTAL, TOTAL))


def _average_score(figures: Figures, month: Month, territory: str) -> Value:
    passed = month.count("trainings_passed", territory, TOTAL, TOTAL)
    return average(figures.total_sum(month.month, "passed_scores", (territory, TOTAL, TOTAL)), passed)


def _first_answer_hours(figures: Figures, month: Month, territory: str) -> Value:
    waited = figures.total_sum(month.month, "answer_seconds", (territory, TOTAL)) / SECONDS_PER_HOUR
    return average(waited, month.count("requests_answered", territory, TOTAL))


# Export indicators: each a value at (month, territory), territory possibly TOTAL.
_EXPORTED: dict[str, Exported] = {
    "people_joined": _count("people", TOTAL),
    "attribution_joined": _count("attribution", TOTAL),
    "resources_opened": _count("resources", TOTAL),
    "myth_answers": _count("myths", TOTAL, TOTAL),
    "myth_correct": _count("myths", TOTAL, "correct"),
    "myth_mistaken": _count("myths", TOTAL, "mistaken"),
    "myth_correct_share": _correct_share,
    "trainings_started": _count("trainings_started", TOTAL, TOTAL),
    "trainings_passed": _count("trainings_passed", TOTAL, TOTAL),
    "trainings_average_score": _average_score,
    **{f"requests_{event}": _count(f"requests_{event}", TOTAL) for event in EVENTS},
    "requests_first_answer_hours": _first_answer_hours,
}


async def export_tables(session: AsyncSession, scope: Scope, first: str, last: str) -> list[Table]:
    """The evaluation export: one table per indicator, months by territory (and their total)."""
    figures = await gather(session, scope, first, last)
    months = by_month(figures)
    territories = (*figures.territories(), TOTAL)

    def one(key: str, value: Exported) -> Table:
        cells = {(m, t): value(figures, months[m], t) for m in months for t in territories}
        return Table(key, "month", "territory", tuple(months), territories, cells)

    tables = []
    for key, value in _EXPORTED.items():
        tables.append(one(key, value))
        if key == "people_joined":
            roles = figures.members("people", 0)
            tables += [one(f"people_by_role:{role}", _count("people", role)) for role in roles]
            languages = figures.members("people_language", 0)
            tables += [
                one(f"people_by_language:{lang}", _count("people_language", lang)) for lang in languages
            ]
    return tables
