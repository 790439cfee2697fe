"""When a campaign's runs start and when each zone gets them: the pure part of bot/domain/campaigns.py.

Campaign rows are built in memory (no database): `plan`, `zone_moment`, `is_due` and `Zones` only read them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.audience import Audience
from bot.domain.campaigns import Zones, is_due, plan, used_zones, zone_moment
from bot.models import Campaign, CampaignStatus

PARIS, REUNION, CAYENNE = "Europe/Paris", "Indian/Reunion", "America/Cayenne"
ZONES = Zones(by_territory={"demo": PARIS, "ile": REUNION}, default=PARIS)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
WEDNESDAY = 2


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def campaign(**fields: Any) -> Campaign:
    return Campaign(title="Essai", created_by=1, created_at=NOW, **fields)


def test_zones_of_territories_and_of_everyone_else() -> None:
    assert ZONES.of("ile") == REUNION
    assert ZONES.of("nowhere") == PARIS
    assert ZONES.for_audience(Audience(territories=("ile",))) == {REUNION}
    assert ZONES.for_audience(Audience()) == {PARIS, REUNION}
    with_default = Zones(by_territory={"ile": REUNION}, default=CAYENNE)
    assert with_default.for_audience(Audience()) == {REUNION, CAYENNE}  # people outside any territory too


def test_now_starts_at_once_and_only_once() -> None:
    now_campaign = campaign(schedule="now")
    assert plan(now_campaign, now=NOW, zones=ZONES) == NOW
    assert plan(now_campaign, now=NOW, zones=ZONES, after=NOW) is None


def test_once_in_local_time_starts_with_the_earliest_zone() -> None:
    once = campaign(schedule="once", on_date=date(2026, 11, 28), time_of_day="18:00")
    assert plan(once, now=NOW, zones=ZONES) == utc(2026, 11, 28, 14, 0)  # 18:00 in Réunion comes first
    assert plan(once, now=NOW, zones=ZONES, after=utc(2026, 11, 28, 17, 0)) is None  # no second run
    # Each zone gets it at its own 18:00.
    planned = utc(2026, 11, 28, 14, 0)
    assert zone_moment(once, planned, REUNION, ZONES) == planned
    assert zone_moment(once, planned, PARIS, ZONES) == utc(2026, 11, 28, 17, 0)


def test_once_in_the_coordinations_time_is_one_moment_for_all() -> None:
    once = campaign(schedule="once", on_date=date(2026, 11, 28), time_of_day="18:00", local_time=False)
    planned = plan(once, now=NOW, zones=ZONES)
    assert planned == utc(2026, 11, 28, 17, 0)  # 18:00 in Paris
    assert used_zones(once, ZONES) == {PARIS}
    assert zone_moment(once, planned, REUNION, ZONES) == planned


def test_an_audience_in_one_territory_uses_only_its_zone() -> None:
    once = campaign(
        schedule="once", on_date=date(2026, 11, 28), time_of_day="18:00", audience={"territories": ["demo"]}
    )
    assert plan(once, now=NOW, zones=ZONES) == utc(2026, 11, 28, 17, 0)
    assert used_zones(once, ZONES) == {PARIS}


def test_weekly_in_local_time_across_zones() -> None:
    weekly = campaign(schedule="weekly", weekday=WEDNESDAY, time_of_day="18:00")
    first = plan(weekly, now=NOW, zones=ZONES)
    assert first == utc(2026, 12, 2, 14, 0)  # Wednesday 18:00 in Réunion
    assert zone_moment(weekly, first, PARIS, ZONES) == utc(2026, 12, 2, 17, 0)  # same Wednesday in Paris
    assert zone_moment(weekly, first, REUNION, ZONES) == first
    # After the run's last zone (Paris), the next run is the next Wednesday, not Paris's 18:00 that day.
    assert plan(weekly, now=NOW, zones=ZONES, after=utc(2026, 12, 2, 17, 0)) == utc(2026, 12, 9, 14, 0)


def test_weekly_keeps_local_time_when_paris_changes_hour() -> None:
    weekly = campaign(
        schedule="weekly", weekday=WEDNESDAY, time_of_day="18:00", audience={"territories": ["demo"]}
    )
    winter = plan(weekly, now=utc(2027, 3, 22), zones=ZONES)
    summer = plan(weekly, now=utc(2027, 3, 22), zones=ZONES, after=winter)
    assert (winter, summer) == (utc(2027, 3, 24, 17, 0), utc(2027, 3, 31, 16, 0))


def test_an_unreadable_schedule_plans_nothing() -> None:
    assert (
        plan(campaign(schedule="weekly", weekday=WEDNESDAY, time_of_day="soon"), now=NOW, zones=ZONES) is None
    )
    assert plan(campaign(schedule="weekly", time_of_day="18:00"), now=NOW, zones=ZONES) is None  # no weekday
    assert plan(campaign(schedule="once", time_of_day="18:00"), now=NOW, zones=ZONES) is None  # no date


def test_due_means_approved_and_its_time_has_come() -> None:
    due = campaign(status=CampaignStatus.APPROVED, next_run_at=NOW)
    assert is_due(due, now=NOW)
    assert not is_due(due, now=NOW - timedelta(seconds=1))
    assert not is_due(campaign(status=CampaignStatus.PAUSED, next_run_at=NOW), now=NOW)
    assert not is_due(campaign(status=CampaignStatus.APPROVED), now=NOW)
    # The database hands back naive UTC datetimes: they count as UTC.
    assert is_due(campaign(status=CampaignStatus.APPROVED, next_run_at=NOW.replace(tzinfo=None)), now=NOW)
