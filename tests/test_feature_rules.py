"""The rules moved out of the handlers, checked without Telegram: the quiz's state and scoring, and what a
draft takes from a coordinator's typed input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.features.campaigns.drafting import TEXT_ROOM, PastDate, Refused, Typed, parse_when, read_input
from bot.features.families.quiz import QUIZ_LENGTH, Quiz, is_right
from bot.models import Campaign

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MYTHS = [f"m{i}" for i in range(8)]


def draft(messages: dict[str, object] | None = None) -> Campaign:
    return Campaign(title="t", created_by=1, created_at=NOW, messages=messages or {})


def typed(text: str = "", **fields: str) -> Typed:
    return Typed(text=text.strip(), text_html=fields.pop("html", text), caption_html="", **fields)


def test_quiz_states_that_no_real_quiz_reaches_are_refused() -> None:
    assert Quiz(seed=1).possible(MYTHS, answering=True)
    assert Quiz(seed=1, index=QUIZ_LENGTH).possible(MYTHS, answering=False)  # the score screen
    assert not Quiz(seed=1, index=QUIZ_LENGTH).possible(MYTHS, answering=True)  # no card left to answer
    assert not Quiz(seed=1, index=QUIZ_LENGTH + 1).possible(MYTHS, answering=False)
    assert not Quiz(seed=1, index=2, score=3).possible(MYTHS, answering=False)  # more right than seen


def test_quiz_counts_right_answers_whichever_way_the_statement_goes() -> None:
    assert is_right(said_true=True, statement_true=True) and is_right(said_true=False, statement_true=False)
    assert not is_right(said_true=True, statement_true=False)
    quiz = Quiz(seed=1).answered(right=True).answered(right=False)
    assert (quiz.index, quiz.score) == (2, 1)


def test_a_typed_message_replaces_a_chosen_item() -> None:
    changes = read_input(draft({"item": "myth:x"}), "text:fr", typed("Bonjour"), now=NOW, zone=PARIS)
    assert changes == {"messages": {"fr": {"text": "Bonjour"}}}


def test_typed_input_that_does_not_fit_is_refused_with_its_reason() -> None:
    too_long = typed("x" * (TEXT_ROOM + 1))
    assert read_input(draft(), "text:fr", too_long, now=NOW, zone=PARIS) == Refused.TEXT_TOO_LONG
    assert read_input(draft(), "text:fr", typed(""), now=NOW, zone=PARIS) == Refused.NO_CONTENT
    assert read_input(draft(), "date", typed("demain"), now=NOW, zone=PARIS) == Refused.DATE_UNREADABLE
    assert read_input(draft(), "date", typed("1/12/2026 08:00"), now=NOW, zone=PARIS) == Refused.DATE_PAST
    assert read_input(draft(), "time", typed("25:00"), now=NOW, zone=PARIS) == Refused.TIME_UNREADABLE
    assert read_input(draft(), "", typed("hello"), now=NOW, zone=PARIS) == Refused.NOT_WAITING


def test_a_date_without_a_year_is_this_years_and_a_past_one_is_a_question() -> None:
    assert parse_when("24/12 18h", today=date(2026, 12, 1)) == (date(2026, 12, 24), time(18, 0), True)
    assert parse_when("3/1 9:30", today=date(2026, 12, 1)) == (date(2026, 1, 3), time(9, 30), True)
    asked = read_input(draft(), "date", typed("3/1 9:30"), now=NOW, zone=PARIS)
    assert asked == PastDate(date(2027, 1, 3), time(9, 30))
    changes = read_input(draft(), "date", typed("24/12 18:00"), now=NOW, zone=PARIS)
    assert changes == {
        "schedule": "once",
        "on_date": date(2026, 12, 24),
        "time_of_day": "18:00",
    }
