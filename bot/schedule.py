"""When a campaign goes out, and when quiet hours let a message through, in each recipient's time zone.

Times are wall-clock times ("18:00 on Wednesdays") read in a zone: the territory's zone for a campaign in
local time (18:00 in Paris and 18:00 in Cayenne are nine hours apart), the coordination's zone otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NOW, ONCE, WEEKLY = "now", "once", "weekly"


def parse_clock(text: str) -> time | None:
    """ "18:00", "18h", "18h30", "7:05" -> a time; None when it is not one."""
    cleaned = text.strip().lower().replace("h", ":")
    hours, _, minutes = cleaned.partition(":")
    minutes = minutes or "0"
    # Decimal digits of any script ("١٨:٣٠" typed on an Arabic keyboard), which `int` reads; not `isdigit`,
    # which also takes "²" that `int` refuses. Two digits at most, so no length makes `int` slow.
    if not (hours.isdecimal() and minutes.isdecimal() and len(hours) <= 2 and len(minutes) <= 2):
        return None
    if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
        return None
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietHours:
    """A nightly window such as 21:00-08:00 (it may or may not cross midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        start, _, end = text.partition("-")
        first, second = parse_clock(start), parse_clock(end)
        if first is None or second is None or first == second:
            raise ValueError("not a window like 21:00-08:00")
        return cls(first, second)

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def release(self, now: datetime, zone: str) -> datetime | None:
        """None when `now` is outside the window in `zone`; otherwise when the window ends, in UTC."""
        local = now.astimezone(ZoneInfo(zone))
        if not self.contains(local.time()):
            return None
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return wall_clock(day, self.end, zone)


def wall_clock(day: date, moment: time, zone: str) -> datetime:
    """That local day and time in `zone`, in UTC (a time skipped by a clock change moves forward)."""
    local = datetime.combine(day, moment, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def next_weekly(
    now: datetime, weekday: int, moment: time, zone: str, *, after: datetime | None = None
) -> datetime:
    """The first `weekday` at `moment` in `zone` strictly later than `after` (default: now)."""
    after = after or now
    local = after.astimezone(ZoneInfo(zone))
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = wall_clock(day, moment, zone)
    if candidate <= after:
        candidate = wall_clock(day + timedelta(days=7), moment, zone)
    return candidate
