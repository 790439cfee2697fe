"""The dashboard's tables and the export's, from a real migrated database: what they count, within a
coordinator's scope, with small counts hidden (and their complements)."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.domain.indicators import PAGES, PeriodError, export_tables, page_tables
from bot.domain.scope import Scope
from bot.domain.tables import NO_DATA, TOTAL, Table
from tests import indicator_support as given


def one(tables: list[Table], key: str) -> Table:
    return next(table for table in tables if table.key == key)


async def test_people_by_role_counts_joins_per_month_and_hides_small_counts(database: Database) -> None:
    async with database.session() as session:
        await given.people(session, 7, month="2026-03", territory="nord", role="parent")
        await given.people(session, 3, month="2026-03", territory="nord", role="professional")
        await given.people(session, 6, month="2026-03", territory="nord", role="resident")
        await given.people(session, 9, month="2026-04", territory="nord", role="parent")
    async with database.session() as session:
        tables = await page_tables(session, "overview", Scope.whole(), "2026-03", "2026-04")
    roles = one(tables, "people_by_role")
    assert roles.rows == ("2026-03", "2026-04")
    assert roles.value("2026-03", "professional") is None  # 3: too few
    # 7 + 6 + 3 = 16 shown would give the 3 back: the smallest visible part goes too.
    assert roles.value("2026-03", "resident") is None
    assert roles.value("2026-03", "parent") == 7
    assert roles.value("2026-03", TOTAL) == 16
    assert roles.value("2026-04", "parent") == 9
    assert roles.value("2026-04", TOTAL) == 9


async def test_a_territory_coordinator_counts_only_their_territories(database: Database) -> None:
    async with database.session() as session:
        await given.people(session, 8, month="2026-03", territory="nord")
        await given.people(session, 12, month="2026-03", territory="sud")
    async with database.session() as session:
        tables = await page_tables(session, "overview", Scope.of(["nord"]), "2026-03", "2026-03")
        exported = await export_tables(session, Scope.of(["nord"]), "2026-03", "2026-03")
    by_territory = one(tables, "people_by_territory")
    assert by_territory.columns == ("nord", TOTAL)
    assert by_territory.value("2026-03", TOTAL) == 8
    joined = one(exported, "people_joined")
    assert joined.columns == ("nord", TOTAL)
    assert joined.value("2026-03", "nord") == 8


async def test_every_page_answers_even_on_an_empty_database(database: Database) -> None:
    async with database.session() as session:
        for page in PAGES:
            for table in await page_tables(session, page, Scope.whole(), "2026-01", "2026-12"):
                assert all(value in (0, None, NO_DATA) for value in table.cells.values())


async def test_an_average_or_a_share_over_nothing_is_no_data_not_zero(database: Database) -> None:
    """A month without answers has no share of right answers: 0 % would read as "everyone was wrong"."""
    async with database.session() as session:
        families = await page_tables(session, "families", Scope.whole(), "2026-03", "2026-03")
        trainings = await page_tables(session, "trainings", Scope.whole(), "2026-03", "2026-03")
        requests = await page_tables(session, "requests", Scope.whole(), "2026-03", "2026-03")
        exported = await export_tables(session, Scope.whole(), "2026-03", "2026-03")
    assert one(families, "myth_correct_share_by_territory").value("2026-03", TOTAL) is NO_DATA
    assert one(requests, "requests").value("2026-03", "first_answer_hours") is NO_DATA
    assert one(requests, "requests").value("2026-03", "opened") == 0
    averages = one(trainings, "trainings_average_score")
    assert all(averages.value(row, column) is NO_DATA for row in averages.rows for column in averages.columns)
    for key in ("myth_correct_share", "trainings_average_score", "requests_first_answer_hours"):
        assert one(exported, key).value("2026-03", TOTAL) is NO_DATA, key


async def test_a_wrong_period_is_refused(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(PeriodError):
            await page_tables(session, "overview", Scope.whole(), "2026-13", "2026-12")
        with pytest.raises(PeriodError):
            await page_tables(session, "overview", Scope.whole(), "2026-05", "2026-04")


async def test_attribution_by_source(database: Database) -> None:
    from bot.models import Attribution

    async with database.session() as session:
        session.add(Attribution(source="poster", territory="nord", month="2026-05", joined=11))
        session.add(Attribution(source="partner", territory="nord", month="2026-05", joined=2))
        session.add(Attribution(source="mosque", territory="nord", month="2026-05", joined=6))
    async with database.session() as session:
        tables = await page_tables(session, "attribution", Scope.whole(), "2026-05", "2026-05")
    sources = one(tables, "attribution_by_source")
    assert sources.value("poster", "2026-05") == 11
    assert sources.value("partner", "2026-05") is None
    assert sources.value("mosque", "2026-05") is None  # its complement
    assert sources.value(TOTAL, "2026-05") == 19


async def test_a_month_is_hidden_alike_whatever_the_period_page_or_export(database: Database) -> None:
    async with database.session() as session:
        await given.people(session, 9, month="2026-03", territory="nord")
        await given.people(session, 3, month="2026-03", territory="sud")
        await given.people(session, 7, month="2026-03", territory="est")
        await given.people(session, 4, month="2026-05", territory="sud")
    async with database.session() as session:
        short = one(
            await page_tables(session, "overview", Scope.whole(), "2026-03", "2026-03"), "people_by_territory"
        )
        long = one(
            await page_tables(session, "overview", Scope.whole(), "2026-01", "2026-06"), "people_by_territory"
        )
        exported = one(await export_tables(session, Scope.whole(), "2026-01", "2026-06"), "people_joined")
    for territory in ("nord", "sud", "est", TOTAL):
        assert short.value("2026-03", territory) == long.value("2026-03", territory)
        assert exported.value("2026-03", territory) == long.value("2026-03", territory)
    assert long.value("2026-03", "sud") is None and long.value("2026-03", "est") is None
    assert long.value("2026-03", TOTAL) == 19
    assert TOTAL not in long.rows, "months are never added up: two periods must not give one back"


async def test_trainings_by_module_and_profession_with_averages_hidden_with_their_count(
    database: Database,
) -> None:
    async with database.session() as session:
        teachers = await given.people(session, 6, month="2026-02", territory="nord", role="professional")
        coaches = await given.people(session, 2, month="2026-02", territory="nord", role="professional")
        others = await given.people(session, 5, month="2026-02", territory="nord", role="professional")
        await given.trainings(
            session, teachers, module="signs", month="2026-02", passed=True, score=80, kind="teacher"
        )
        await given.trainings(
            session, coaches, module="signs", month="2026-02", passed=True, score=60, kind="coach"
        )
        await given.trainings(session, others, module="law", month="2026-02", passed=False, score=40)
    async with database.session() as session:
        tables = await page_tables(session, "trainings", Scope.whole(), "2026-02", "2026-02")
    started = one(tables, "trainings_started")
    assert started.value("signs", "2026-02") == 8 and started.value("law", "2026-02") == 5
    assert started.value(TOTAL, "2026-02") == 13
    passed = one(tables, "trainings_passed")
    assert passed.value("signs", "2026-02") == 8 and passed.value("law", "2026-02") == 0
    average = one(tables, "trainings_average_score")
    assert average.value("signs", "2026-02") == 75.0  # (6 x 80 + 2 x 60) / 8
    by_profession = one(tables, "trainings_passed_by_profession")
    assert by_profession.value("coach", "2026-02") is None
    assert by_profession.value("teacher", "2026-02") is None, "8 - 6 would give the 2 coaches back"
    assert one(tables, "trainings_started_by_profession").value("unspecified", "2026-02") == 5


async def campaign_run(
    database: Database, title: str, territories: list[str], figures: dict[str, int]
) -> None:
    from bot.models import Campaign, CampaignRun, CampaignStatus, RunStatus

    at = given.moment("2026-06")
    async with database.session() as session:
        campaign = Campaign(title=title, created_by=1, created_at=at, status=CampaignStatus.DONE,
                            audience={"territories": territories})  # fmt: skip
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        targeted = sum(figures.values())
        session.add(
            CampaignRun(
                campaign_id=campaign.id,
                planned_at=at,
                started_at=at,
                finished_at=at,
                status=RunStatus.DONE,
                targeted=targeted,
                figures={
                    "targeted": targeted,
                    "pending": 0,
                    "held": 0,
                    "failed": 0,
                    "unreachable": 0,
                    "opted_out": 0,
                    "capped": 0,
                    "paused": 0,
                    "cancelled": 0,
                    "possible_duplicates": 0,
                    **figures,
                },
            )
        )


async def test_campaign_runs_within_scope_with_small_outcomes_hidden(database: Database) -> None:
    await campaign_run(
        database, "Nord only", ["nord"], {"sent": 40, "failed": 2, "unreachable": 6, "opted_out": 9}
    )
    await campaign_run(database, "Everyone", [], {"sent": 120})
    async with database.session() as session:
        (mine,) = await page_tables(session, "campaigns", Scope.of(["nord"]), "2026-06", "2026-06")
        (elsewhere,) = await page_tables(session, "campaigns", Scope.of(["sud"]), "2026-06", "2026-06")
        (everything,) = await page_tables(session, "campaigns", Scope.whole(), "2026-06", "2026-06")
        (before,) = await page_tables(session, "campaigns", Scope.whole(), "2026-01", "2026-05")
    assert len(mine.rows) == 1 and "Nord only" in mine.rows[0], "an audience of all territories is not theirs"
    assert elsewhere.rows == () and before.rows == ()
    assert len(everything.rows) == 2
    run = mine.rows[0]
    assert mine.value(run, "targeted") == 57 and mine.value(run, "sent") == 40
    assert mine.value(run, "failed") is None
    assert mine.value(run, "unreachable") is None, "57 - 40 - 9 would give the 2 failures back"
    assert mine.value(run, "opted_out") == 9


async def test_no_page_and_no_export_counts_another_territory(database: Database) -> None:
    """Every source (people, resources, myth answers, trainings, requests, sign-ups) has figures in "sud"
    only: a coordinator of "nord" reads nothing but zeros, on every page and in the export. (The overview's
    test above would not notice a page whose figures are summed over territories without naming them.)"""
    from bot.domain.counters import increment
    from bot.models import Attribution, RequestCount

    async with database.session() as session:
        south = await given.people(session, 9, month="2026-03", territory="sud", role="professional")
        await given.trainings(session, south, module="signs", month="2026-03", passed=True, score=90)
        await given.opened(session, 11, resource="screens", territory="sud", month="2026-03")
        await given.answers(session, myth="m1", territory="sud", month="2026-03", correct=8, mistaken=6)
        requests = RequestCount.__table__  # type: ignore[attr-defined]
        keys = {"topic": "school", "territory": "sud", "month": "2026-03"}
        await increment(session, requests, keys=keys, add={"opened": 7, "taken": 6, "answered": 6})
        joined = Attribution.__table__  # type: ignore[attr-defined]
        keys = {"source": "poster", "territory": "sud", "month": "2026-03"}
        await increment(session, joined, keys=keys, add={"joined": 9})
    async with database.session() as session:
        for scope, expect_figures in ((Scope.of(["nord"]), False), (Scope.whole(), True)):
            tables = [
                t for page in PAGES for t in await page_tables(session, page, scope, "2026-03", "2026-03")
            ]
            tables += await export_tables(session, scope, "2026-03", "2026-03")
            shown = {
                table.key
                for table in tables
                for row in table.rows
                for column in table.columns
                if table.value(row, column) not in (0, None, NO_DATA)  # a count, or an average over some
            }
            if expect_figures:  # the same data is counted for the whole deployment: the test can see it
                assert {"trainings_started", "resources_opened", "myth_answers", "requests"} <= shown
                assert {"attribution_by_source", "people_by_role"} <= shown
            else:
                assert not shown, shown
