"""The dashboard's pages as tables, cut from the settled months (see the package docstring for each key)."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.indicators.cubes import Month, average, share, table
from bot.domain.indicators.sources import EVENTS, Figures, by_month
from bot.domain.tables import TOTAL, Table, Value

SECONDS_PER_HOUR = 3600


def overview(figures: Figures) -> list[Table]:
    months = by_month(figures)
    rows = tuple(months)
    roles = figures.members("people", 0)
    languages = figures.members("people_language", 0)
    territories = figures.territories()
    return [
        table("people_by_role", "month", "role", rows, (*roles, TOTAL),
              lambda m, role: months[m].count("people", TOTAL, role)),
        table("people_by_language", "month", "language", rows, (*languages, TOTAL),
              lambda m, language: months[m].count("people_language", TOTAL, language)),
        table("people_by_territory", "month", "territory", rows, (*territories, TOTAL),
              lambda m, territory: months[m].count("people", territory, TOTAL)),
    ]  # fmt: skip


def attribution(figures: Figures) -> list[Table]:
    months = by_month(figures)
    sources = figures.members("attribution", 0)
    return [
        _by_category("attribution_by_source", "source", "attribution", figures, sources),
        table("attribution_by_territory", "month", "territory", tuple(months),
              (*figures.territories(), TOTAL), lambda m, t: months[m].count("attribution", t, TOTAL)),
    ]  # fmt: skip


def families(figures: Figures) -> list[Table]:
    months = by_month(figures)
    territories = (*figures.territories(), TOTAL)
    myths = figures.members("myths", 0)

    def correct_share(month: Month, territory: str, myth: str) -> Value:
        right = month.count("myths", territory, myth, "correct")
        return share(right, month.count("myths", territory, myth, TOTAL))

    return [
        _by_category("resources_opened", "resource", "resources", figures, figures.members("resources", 0)),
        table("resources_opened_by_territory", "month", "territory", tuple(months), territories,
              lambda m, t: months[m].count("resources", t, TOTAL)),
        _by_category("myth_answers", "myth", "myths", figures, myths, last=(TOTAL,)),
        _by_category("myth_correct", "myth", "myths", figures, myths, last=("correct",)),
        _by_category("myth_mistaken", "myth", "myths", figures, myths, last=("mistaken",)),
        table("myth_correct_share", "myth", "month", (*myths, TOTAL), tuple(months),
              lambda myth, m: correct_share(months[m], TOTAL, myth)),
        table("myth_correct_share_by_territory", "month", "territory", tuple(months), territories,
              lambda m, t: correct_share(months[m], t, TOTAL)),
    ]  # fmt: skip


def trainings(figures: Figures) -> list[Table]:
    months = by_month(figures)
    modules = tuple(dict.fromkeys((*figures.members("trainings_started", 0),
                                   *figures.members("trainings_passed", 0))))  # fmt: skip
    professions = tuple(dict.fromkeys((*figures.members("trainings_started", 1),
                                       *figures.members("trainings_passed", 1))))  # fmt: skip

    def score(module: str, m: str) -> Value:
        passed = months[m].count("trainings_passed", TOTAL, module, TOTAL)
        return average(figures.total_sum(m, "passed_scores", (TOTAL, module, TOTAL)), passed)

    def of(cube: str, rows: tuple[str, ...], by_profession: bool) -> Callable[[str, str], Value]:
        def value(row: str, m: str) -> Value:
            key = (TOTAL, row) if by_profession else (row, TOTAL)
            return months[m].count(cube, TOTAL, *key)

        return value

    return [
        table("trainings_started", "module", "month", (*modules, TOTAL), tuple(months),
              of("trainings_started", modules, False)),
        table("trainings_passed", "module", "month", (*modules, TOTAL), tuple(months),
              of("trainings_passed", modules, False)),
        table("trainings_average_score", "module", "month", (*modules, TOTAL), tuple(months), score),
        table("trainings_started_by_profession", "profession", "month", (*professions, TOTAL),
              tuple(months), of("trainings_started", professions, True)),
        table("trainings_passed_by_profession", "profession", "month", (*professions, TOTAL),
              tuple(months), of("trainings_passed", professions, True)),
    ]  # fmt: skip


def requests(figures: Figures) -> list[Table]:
    months = by_month(figures)
    topics = tuple(dict.fromkeys(t for event in EVENTS for t in figures.members(f"requests_{event}", 0)))

    def steps(m: str, column: str) -> Value:
        if column == "first_answer_hours":
            answered = months[m].count("requests_answered", TOTAL, TOTAL)
            waited = figures.total_sum(m, "answer_seconds", (TOTAL, TOTAL)) / SECONDS_PER_HOUR
            return average(waited, answered)
        return months[m].count(f"requests_{column}", TOTAL, TOTAL)

    return [
        table("requests", "month", "step", tuple(months), (*EVENTS, "first_answer_hours"), steps),
        _by_category("requests_opened_by_topic", "topic", "requests_opened", figures, topics),
        table("requests_opened_by_territory", "month", "territory", tuple(months),
              (*figures.territories(), TOTAL), lambda m, t: months[m].count("requests_opened", t, TOTAL)),
    ]  # fmt: skip


def _by_category(
    key: str,
    dimension: str,
    cube: str,
    figures: Figures,
    members: tuple[str, ...],
    last: tuple[str, ...] = (),
) -> Table:
    """Rows: a category's members and their total; columns: the months. Never a total over months."""
    months = by_month(figures)
    return table(
        key,
        dimension,
        "month",
        (*members, TOTAL),
        tuple(months),
        lambda member, m: months[m].count(cube, TOTAL, member, *last),
    )
