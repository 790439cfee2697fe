"""Opening hours in words, in the person's language: "lundi et jeudi, 14 h – 19 h", not `Mo,Th 14:00-19:00`.

The hours are read the way the bot reads them to say "open now" (the `opening_hours` package), over the
seven days from `today`: whatever the syntax (lists, ranges, several rules, times past midnight), the words
say what the next week holds. Days with the same hours are said together, in week order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from babel.dates import format_interval, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from opening_hours import OpeningHours, State

from bot.i18n import Translator

DAY = 24 * 60  # minutes
# A span in minutes from the day's midnight; the end may pass midnight (08:00-02:00 is (480, 1560)).
Span = tuple[int, int]
# French writes hours as "14 h" and "12 h 30" (the Imprimerie nationale's rule), which babel's "HH:mm"
# does not; other languages use babel's own patterns.
_FRENCH_HOUR = ("H 'h'", "H 'h' mm")


def week_spans(hours: str, today: date) -> dict[int, tuple[Span, ...]]:
    """The open spans of each weekday (0 = Monday) over the seven days from `today`."""
    start = datetime.combine(today, time())
    # A day earlier, so an opening that runs past midnight into `today` is seen whole on its own day.
    spans: dict[date, list[Span]] = {}
    for opens, closes, state, _comment in OpeningHours(hours).intervals(
        start - timedelta(days=1), start + timedelta(days=8)
    ):
        if state == State.OPEN:
            for day, span in _by_day(opens, closes):
                spans.setdefault(day, []).append(span)
    week = (today + timedelta(days=offset) for offset in range(7))
    return {day.weekday(): tuple(spans[day]) for day in week if day in spans}


def _by_day(opens: datetime, closes: datetime) -> list[tuple[date, Span]]:
    """One opening cut into days: kept whole when it closes in the small hours of the next day
    ("8 h – 2 h"), cut at each midnight when it lasts a day or more (24 h/24)."""
    first = opens.hour * 60 + opens.minute
    minutes = int((closes - opens).total_seconds() // 60)
    if first + minutes <= DAY or (first > 0 and minutes < DAY):
        return [(opens.date(), (first, first + minutes))]
    pieces: list[tuple[date, Span]] = []
    day, begin, left = opens.date(), first, minutes
    while left > 0:
        length = min(left, DAY - begin)
        pieces.append((day, (begin, begin + length)))
        day, begin, left = day + timedelta(days=1), 0, left - length
    return pieces


def always_open(hours: str) -> bool:
    """ "24/7", however written: "open 24 hours a day" already says it all."""
    return str(OpeningHours(hours).normalize()) == "24/7"


def hours_in_words(hours: str, t: Translator, today: date) -> list[str]:
    """One line per group of days with the same hours, e.g. ["lundi et jeudi, 14 h – 19 h", ...]."""
    _ = t.gettext
    spans = week_spans(hours, today)
    if not spans:
        return [_("fermé toute la semaine")]
    groups: dict[tuple[Span, ...], list[int]] = {}
    for weekday in sorted(spans):
        groups.setdefault(spans[weekday], []).append(weekday)
    lines = []
    for day_spans, weekdays in groups.items():
        said = (
            _("24 h/24")
            if day_spans == ((0, DAY),)
            else format_list([span_in_words(span, t) for span in day_spans], locale=t.locale)
        )
        lines.append(_("{days}, {hours}").format(days=days_in_words(weekdays, t), hours=said))
    return lines


def days_in_words(weekdays: list[int], t: Translator) -> str:
    """ "lundi et jeudi", "du lundi au vendredi", "tous les jours": runs of three days or more as a range."""
    _ = t.gettext
    if len(weekdays) == 7:
        return _("tous les jours")
    names = get_day_names("wide", locale=t.locale)
    runs: list[list[int]] = []
    for weekday in sorted(weekdays):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("du {first} au {last}").format(first=names[run[0]], last=names[run[-1]]))
        else:
            parts += [names[weekday] for weekday in run]
    return format_list(parts, locale=t.locale)


def span_in_words(span: Span, t: Translator) -> str:
    """ "14 h – 19 h", "2 – 7 PM", "2–7 م": from one time to another in the person's language."""
    begin, end = (_clock(minute) for minute in span)
    # Closing at midnight is "midnight", neither "0 h" nor "12 AM" (which reads as noon to many).
    closing = t.gettext("minuit") if span[1] == DAY else None
    if t.language == "fr":
        return f"{_french(begin)} – {closing or _french(end)}"
    if closing is None and span[1] < DAY:
        # Babel says "2 – 7 PM" within one morning or afternoon; only within one day is that unambiguous.
        skeleton = _skeleton(t, begin.minute == end.minute == 0)
        return str(format_interval(begin, end, skeleton, locale=t.locale))
    return f"{_alone(begin, t)} – {closing or _alone(end, t)}"


def _skeleton(t: Translator, whole_hours: bool) -> str:
    """ "h" or "hm" (12-hour clock with its AM/PM), "H" or "Hm" where the language counts to 24."""
    skeleton = "h" if whole_hours else "hm"
    return skeleton.upper() if "H" in t.locale.time_formats["short"].pattern else skeleton


def _alone(value: time, t: Translator) -> str:
    moment = datetime.combine(date(2000, 1, 1), value)
    return str(format_skeleton(_skeleton(t, value.minute == 0), moment, locale=t.locale))


def _french(value: time) -> str:
    return str(format_time(value, _FRENCH_HOUR[value.minute != 0], locale="fr"))


def _clock(minute: int) -> time:
    minute %= DAY
    return time(minute // 60, minute % 60)
