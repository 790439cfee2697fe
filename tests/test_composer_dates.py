"""What a coordinator types for a campaign's date and time: "24/12 18:00", "2026-12-24 18h", a weekday's time.

`parse_when` lives in bot/features/campaigns/drafting.py (pure: it takes today's date); the weekday is a
button and only its time is typed, read by `parse_clock`. Whether the moment is already past is decided in
the handler with the bot's clock and zone, so it is tested through the chat (test_campaigns_e2e.py).
"""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.features.campaigns.drafting import parse_when
from bot.schedule import parse_clock

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/12 18:00", (date(2026, 12, 24), time(18, 0), True)),
        ("24/12 18h", (date(2026, 12, 24), time(18, 0), True)),
        ("24/12 18h30", (date(2026, 12, 24), time(18, 30), True)),
        ("4/1 9:05", (date(2026, 1, 4), time(9, 5), True)),  # past: the composer asks, never moves it
        ("27/11 18:00", (date(2026, 11, 27), time(18, 0), True)),
        ("26/11 18:00", (date(2026, 11, 26), time(18, 0), True)),  # yesterday stays yesterday
        ("24/12/2027 18:00", (date(2027, 12, 24), time(18, 0), False)),
        ("01/02/2026 08:00", (date(2026, 2, 1), time(8, 0), False)),  # a year given is kept, even past
        ("2026-12-24 18:00", (date(2026, 12, 24), time(18, 0), False)),
        ("2027-3-28 02:30", (date(2027, 3, 28), time(2, 30), False)),
        ("  24/12   18:00  ", (date(2026, 12, 24), time(18, 0), True)),
    ],
)
def test_dates_and_times_a_coordinator_writes(text: str, expected: tuple[date, time, bool]) -> None:
    assert parse_when(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "demain",
        "24/12",  # no time
        "18:00",  # no day
        "24/12 soir",
        "24/12 25:00",
        "24/12 18:60",
        "31/11 18:00",  # November has 30 days
        "29/02/2027 10:00",  # not a leap year
        "24/13 18:00",
        "0/12 18:00",
        "24-12 18:00",
        "2026/12/24 18:00",
        "24/12/26 18:00",  # a two-digit year is ambiguous
        "24/12 18:00 et 19:00",
    ],
)
def test_what_is_not_a_date_and_time(text: str) -> None:
    assert parse_when(text, today=TODAY) is None


def test_the_year_turns_at_new_year() -> None:
    new_years_eve = date(2026, 12, 31)
    assert parse_when("31/12 23:00", today=new_years_eve) == (new_years_eve, time(23, 0), True)
    # This year's 1 January, already past: the composer asks about next year's (test_composer_traps_e2e).
    assert parse_when("01/01 00:00", today=new_years_eve) == (date(2026, 1, 1), time(0, 0), True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", time(18, 0)),
        ("7h", time(7, 0)),
        ("20h15", time(20, 15)),
        ("18", time(18, 0)),
        (" 9:30 ", time(9, 30)),
    ],
)
def test_a_weekly_campaigns_time(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["mercredi 18:00", "soir", "18:00 et 19:00", "midi"])
def test_a_weekly_campaigns_time_is_only_a_time(text: str) -> None:
    assert parse_clock(text) is None


def test_the_next_29_february_is_in_the_next_leap_year() -> None:
    assert parse_when("29/02 10:00", today=date(2027, 3, 1)) == (date(2028, 2, 29), time(10, 0), True)
