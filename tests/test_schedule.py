"""Quiet hours, wall-clock times in a zone and weekly schedules: pure functions, checked against real dates.

The daylight-saving cases use Europe/Paris's changes: 2027-03-28 02:00 jumps to 03:00 (02:30 never exists
that night) and 2026-10-25 03:00 goes back to 02:00 (02:30 happens twice). Indian/Reunion (UTC+4 all year)
is the zone without such changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import QuietHours, next_weekly, parse_clock, wall_clock

PARIS, REUNION = "Europe/Paris", "Indian/Reunion"
SPRING_FORWARD = date(2027, 3, 28)  # a Sunday
AUTUMN_BACK = date(2026, 10, 25)  # a Sunday
WEDNESDAY, SUNDAY = 2, 6
NIGHT = QuietHours(time(21, 0), time(8, 0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", time(18, 0)),
        ("18h", time(18, 0)),
        ("18h30", time(18, 30)),
        (" 18H30 ", time(18, 30)),
        ("7:05", time(7, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_clock_times_people_write(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["", "h", "24:00", "18:60", "-1:00", "18:00:00", "six", "18.30", "18 h"])
def test_what_is_not_a_clock_time(text: str) -> None:
    assert parse_clock(text) is None


# -- quiet hours ---------------------------------------------------------------------------------------


def test_quiet_hours_read_from_the_settings() -> None:
    assert QuietHours.parse("21:00-08:00") == NIGHT
    assert QuietHours.parse("22h-7h") == QuietHours(time(22, 0), time(7, 0))


@pytest.mark.parametrize("text", ["21:00", "21:00-21:00", "night", "25:00-08:00", "21:00-", "-08:00"])
def test_quiet_hours_refuse_what_is_not_a_window(text: str) -> None:
    with pytest.raises(ValueError, match="not a window"):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),  # the start belongs to the night
        (time(23, 59), True),
        (time(0, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),  # the end does not
        (time(12, 0), False),
    ],
)
def test_a_window_across_midnight(moment: time, quiet: bool) -> None:
    assert NIGHT.contains(moment) is quiet


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(12, 59), False), (time(13, 0), True), (time(13, 59), True), (time(14, 0), False)],
)
def test_a_window_within_one_day(moment: time, quiet: bool) -> None:
    assert QuietHours(time(13, 0), time(14, 0)).contains(moment) is quiet


def test_outside_quiet_hours_nothing_is_held() -> None:
    assert NIGHT.release(utc(2026, 11, 27, 19, 59), PARIS) is None  # 20:59 in Paris
    assert NIGHT.release(utc(2026, 11, 27, 7, 0), PARIS) is None  # 08:00 in Paris, to the minute


def test_held_in_the_evening_until_the_next_morning() -> None:
    # 22:30 in Paris (winter, UTC+1): released at 08:00 the next day, 07:00 UTC.
    assert NIGHT.release(utc(2026, 11, 27, 21, 30), PARIS) == utc(2026, 11, 28, 7, 0)


def test_held_after_midnight_until_the_same_morning() -> None:
    # 06:00 in Paris: released two hours later, the same day.
    assert NIGHT.release(utc(2026, 11, 28, 5, 0), PARIS) == utc(2026, 11, 28, 7, 0)


def test_the_same_instant_is_night_in_one_zone_and_day_in_another() -> None:
    # 21:30 UTC: 01:30 in Réunion (held until 08:00 there, 04:00 UTC), and 22:30 in Paris.
    assert NIGHT.release(utc(2026, 11, 27, 21, 30), REUNION) == utc(2026, 11, 28, 4, 0)
    # 16:30 UTC: 20:30 in Réunion, already late enough there? No: 21:00 starts the night.
    assert NIGHT.release(utc(2026, 11, 27, 16, 30), REUNION) is None
    assert NIGHT.release(utc(2026, 11, 27, 17, 0), REUNION) == utc(2026, 11, 28, 4, 0)


def test_reunion_has_the_same_night_all_year() -> None:
    for day in (date(2026, 1, 15), SPRING_FORWARD, date(2026, 7, 15), AUTUMN_BACK):
        evening = datetime.combine(day, time(18, 0), tzinfo=UTC)  # 22:00 in Réunion
        assert NIGHT.release(evening, REUNION) == datetime.combine(day + timedelta(days=1), time(4, 0), UTC)


def test_the_night_the_clocks_go_forward_is_an_hour_shorter() -> None:
    # 23:00 on Saturday is still winter time (UTC+1); 08:00 on Sunday is summer time (UTC+2).
    released = NIGHT.release(utc(2027, 3, 27, 22, 0), PARIS)
    assert released == utc(2027, 3, 28, 6, 0)
    assert local(released, PARIS).time() == time(8, 0)
    assert released - utc(2027, 3, 27, 22, 0) == timedelta(hours=8)  # 23:00 to 08:00 is 9 hours, less one


def test_the_night_the_clocks_go_back_is_an_hour_longer() -> None:
    released = NIGHT.release(utc(2026, 10, 24, 21, 0), PARIS)  # 23:00 summer time
    assert released == utc(2026, 10, 25, 7, 0)  # 08:00 winter time
    assert released - utc(2026, 10, 24, 21, 0) == timedelta(hours=10)


def test_both_passes_through_the_repeated_hour_are_night() -> None:
    first, second = utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 1, 45)  # 02:45 summer, then 02:45 winter
    assert local(first, PARIS).time() == local(second, PARIS).time() == time(2, 45)
    assert NIGHT.release(first, PARIS) == NIGHT.release(second, PARIS) == utc(2026, 10, 25, 7, 0)


def test_a_night_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    short = QuietHours(time(21, 0), time(2, 30))
    released = short.release(utc(2027, 3, 27, 23, 0), PARIS)  # 00:00 local
    assert released == utc(2027, 3, 28, 1, 30)  # 03:30 summer time: 02:30 never happened
    assert local(released, PARIS).time() == time(3, 30)


# -- wall-clock times in a zone ------------------------------------------------------------------------


def test_a_wall_clock_time_in_each_zone() -> None:
    assert wall_clock(date(2026, 11, 28), time(18, 0), PARIS) == utc(2026, 11, 28, 17, 0)
    assert wall_clock(date(2026, 6, 28), time(18, 0), PARIS) == utc(2026, 6, 28, 16, 0)
    assert wall_clock(date(2026, 11, 28), time(18, 0), REUNION) == utc(2026, 11, 28, 14, 0)
    assert wall_clock(date(2026, 6, 28), time(18, 0), REUNION) == utc(2026, 6, 28, 14, 0)
    assert wall_clock(date(2026, 11, 28), time(18, 0), "UTC") == utc(2026, 11, 28, 18, 0)


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    moment = wall_clock(SPRING_FORWARD, time(2, 30), PARIS)
    assert moment == utc(2027, 3, 28, 1, 30)
    assert local(moment, PARIS).time() == time(3, 30)
    # Either side of the gap is exact.
    assert wall_clock(SPRING_FORWARD, time(1, 59), PARIS) == utc(2027, 3, 28, 0, 59)
    assert wall_clock(SPRING_FORWARD, time(3, 0), PARIS) == utc(2027, 3, 28, 1, 0)


def test_a_time_in_the_autumn_fold_is_its_first_occurrence() -> None:
    assert wall_clock(AUTUMN_BACK, time(2, 30), PARIS) == utc(2026, 10, 25, 0, 30)  # summer time, not 01:30
    assert wall_clock(AUTUMN_BACK, time(3, 0), PARIS) == utc(2026, 10, 25, 2, 0)


# -- weekly schedules ------------------------------------------------------------------------------------


def test_the_next_wednesday_at_six() -> None:
    friday = utc(2026, 11, 27, 10, 0)
    assert next_weekly(friday, WEDNESDAY, time(18, 0), PARIS) == utc(2026, 12, 2, 17, 0)
    assert next_weekly(friday, WEDNESDAY, time(18, 0), REUNION) == utc(2026, 12, 2, 14, 0)


def test_today_counts_until_the_time_has_come() -> None:
    wednesday_morning = utc(2026, 12, 2, 9, 0)
    assert next_weekly(wednesday_morning, WEDNESDAY, time(18, 0), PARIS) == utc(2026, 12, 2, 17, 0)
    at_six = utc(2026, 12, 2, 17, 0)  # strictly later: the run at 18:00 does not plan itself again
    assert next_weekly(at_six, WEDNESDAY, time(18, 0), PARIS) == utc(2026, 12, 9, 17, 0)


def test_after_names_the_last_run_rather_than_now() -> None:
    now = utc(2026, 11, 27, 10, 0)
    later = next_weekly(now, WEDNESDAY, time(18, 0), PARIS, after=utc(2026, 12, 2, 17, 0))
    assert later == utc(2026, 12, 9, 17, 0)


def test_the_weekday_is_the_zones_own() -> None:
    # Tuesday 21:00 UTC is already Wednesday 01:00 in Réunion: Wednesday 00:30 there is next week's.
    tuesday_night = utc(2026, 12, 1, 21, 0)
    assert next_weekly(tuesday_night, WEDNESDAY, time(0, 30), REUNION) == utc(2026, 12, 8, 20, 30)
    assert next_weekly(tuesday_night, WEDNESDAY, time(0, 30), PARIS) == utc(2026, 12, 1, 23, 30)


def test_a_weekly_time_keeps_its_wall_clock_across_the_change_of_hour() -> None:
    before = next_weekly(utc(2027, 3, 22, 12, 0), WEDNESDAY, time(18, 0), PARIS)
    after = next_weekly(before, WEDNESDAY, time(18, 0), PARIS)
    assert (before, after) == (utc(2027, 3, 24, 17, 0), utc(2027, 3, 31, 16, 0))
    assert local(before, PARIS).time() == local(after, PARIS).time() == time(18, 0)
    assert after - before == timedelta(days=7, hours=-1)
    # Réunion does not change: exactly a week apart.
    there = next_weekly(before, WEDNESDAY, time(18, 0), REUNION)
    assert next_weekly(there, WEDNESDAY, time(18, 0), REUNION) - there == timedelta(days=7)


def test_a_weekly_time_in_the_fold_runs_once_that_night() -> None:
    saturday = utc(2026, 10, 24, 12, 0)
    first = next_weekly(saturday, SUNDAY, time(2, 30), PARIS)
    assert first == utc(2026, 10, 25, 0, 30)
    # The second 02:30 (01:30 UTC) is not another run: the next one is a week later, in winter time.
    assert next_weekly(saturday, SUNDAY, time(2, 30), PARIS, after=first) == utc(2026, 11, 1, 1, 30)


def test_a_weekly_time_in_the_gap_still_runs_that_day() -> None:
    saturday = utc(2027, 3, 27, 12, 0)
    assert next_weekly(saturday, SUNDAY, time(2, 30), PARIS) == utc(2027, 3, 28, 1, 30)  # at 03:30
