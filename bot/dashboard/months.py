"""The months a page or an export covers: `?from=2026-01&to=2026-12`; the last twelve by default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DEFAULT_MONTHS = 12
MOST_MONTHS = 120  # ten years: enough for any evaluation, and a bound on the work one request asks for


def month(text: object) -> date | None:
    """ "2026-11" as the first day of that month; None for anything else."""
    if not isinstance(text, str):
        return None
    found = MONTH.match(text.strip())
    if found is None or not 2000 <= int(found[1]) <= 2999:
        return None
    return date(int(found[1]), int(found[2]), 1)


def shift(first_day: date, months: int) -> date:
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def month_range(query: Mapping[str, str], now: datetime, timezone: str) -> tuple[date, date]:
    """The range asked for, put in order and bounded; what is missing or unreadable takes its default."""
    this_month = now.astimezone(ZoneInfo(timezone)).date().replace(day=1)
    last = month(query.get("to")) or this_month
    first = month(query.get("from")) or shift(last, 1 - DEFAULT_MONTHS)
    if first > last:
        first, last = last, first
    if months_between(first, last) > MOST_MONTHS:
        first = shift(last, 1 - MOST_MONTHS)
    return first, last


def text(first_day: date) -> str:
    return f"{first_day.year:04d}-{first_day.month:02d}"
