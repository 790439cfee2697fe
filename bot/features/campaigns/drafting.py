"""What a coordinator types into a draft, read and stored: its message, its title, a date or a time.

No telegram import: the composer hands the message over as `Typed` and gets back the changes to store, or
why they were refused. Only a draft is ever changed: a submitted campaign is edited no more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.markup import visible_length
from bot.delivery.render import CAPTION_LIMIT, TEXT_LIMIT
from bot.domain import campaigns
from bot.models import Campaign, CampaignStatus
from bot.schedule import ONCE, parse_clock

FOOTER_ROOM = 120  # the "/stop" line added to every message, with its direction marks
CAPTION_ROOM, TEXT_ROOM = CAPTION_LIMIT - FOOTER_ROOM, TEXT_LIMIT - FOOTER_ROOM
TITLE_LENGTH = 64  # Campaign.title's column
_DATE = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})(?:/(\d{4}))?)\s+(.+)$")


class Refused(StrEnum):
    CAPTION_TOO_LONG = "caption_too_long"
    TEXT_TOO_LONG = "text_too_long"
    NO_CONTENT = "no_content"  # a sticker, a location...: neither text, photo nor document
    TITLE_NOT_TEXT = "title_not_text"
    DATE_UNREADABLE = "date_unreadable"
    DATE_PAST = "date_past"
    TIME_UNREADABLE = "time_unreadable"
    NOT_WAITING = "not_waiting"  # the draft waits for nothing (any more)


@dataclass(frozen=True)
class PastDate:
    """A day written without its year that has passed this year: the coordinator is asked whether they
    meant `suggested` (next year's), never moved there in silence."""

    suggested: date
    moment: time


def fits(telegram_html: str, *, caption: bool) -> bool:
    """Whether a message's text leaves room for the footer within Telegram's limit. The one place that
    decides it: counted as Telegram counts (visible characters, in UTF-16 units), not as escaped HTML."""
    return visible_length(telegram_html) <= (CAPTION_ROOM if caption else TEXT_ROOM)


@dataclass(frozen=True)
class Typed:
    """A coordinator's message, reduced to what a draft may take from it."""

    text: str  # plain text, stripped ("" for a photo or document)
    text_html: str  # the text with its formatting, as Telegram HTML
    caption_html: str  # a photo's or document's caption, as Telegram HTML
    photo: str | None = None  # Telegram file ids
    document: str | None = None


def read_input(
    campaign: Campaign, awaiting: str, typed: Typed, *, now: datetime, zone: ZoneInfo
) -> dict[str, Any] | Refused | PastDate:
    """The draft's changes for what it waits for (`awaiting`, from the chat's conversation: "text:<lang>",
    "title", "date" or "time"), or why the input does not fit."""
    if awaiting.startswith("text:"):
        entry: dict[str, Any]
        if typed.photo or typed.document:
            if not fits(typed.caption_html, caption=True):
                return Refused.CAPTION_TOO_LONG
            entry = {"text": typed.caption_html}
            if typed.photo:
                entry["photo"] = typed.photo
            elif typed.document:
                entry["document"] = typed.document
        elif typed.text:
            if not fits(typed.text_html, caption=False):
                return Refused.TEXT_TOO_LONG
            entry = {"text": typed.text_html}
        else:
            return Refused.NO_CONTENT
        # A message of its own replaces a content item chosen before.
        messages = {k: v for k, v in campaign.messages.items() if k not in ("item", "items")}
        messages[awaiting.removeprefix("text:")] = entry
        return {"messages": messages}
    if awaiting == "title":
        if not typed.text:
            return Refused.TITLE_NOT_TEXT
        return {"title": typed.text[:TITLE_LENGTH]}
    if awaiting == "date":
        today = now.astimezone(zone).date()
        written = parse_when(typed.text, today=today)
        if written is None:
            return Refused.DATE_UNREADABLE
        day, clock, guessed = written
        if guessed and (day.year != today.year or datetime.combine(day, clock, tzinfo=zone) <= now):
            # No year given, and this year's day is gone (or there is none, a 29 February): ask.
            later = _next_occurrence(day.month, day.day, after=today if day.year != today.year else day)
            return PastDate(later, clock) if later is not None else Refused.DATE_UNREADABLE
        return on_date(day, clock, now=now, zone=zone)
    if awaiting == "time":
        moment = parse_clock(typed.text)
        if moment is None:
            return Refused.TIME_UNREADABLE
        return {"time_of_day": moment.strftime("%H:%M")}
    return Refused.NOT_WAITING


def on_date(day: date, moment: time, *, now: datetime, zone: ZoneInfo) -> dict[str, Any] | Refused:
    """The changes for a once campaign at `day` `moment` (the coordination's zone), if still to come."""
    if datetime.combine(day, moment, tzinfo=zone) <= now:
        return Refused.DATE_PAST
    return {"schedule": ONCE, "on_date": day, "time_of_day": moment.strftime("%H:%M")}


async def save_draft(session: AsyncSession, campaign_id: int, changes: dict[str, Any]) -> Campaign | None:
    """Apply `changes` to the campaign if it is still a draft; None when it is gone or submitted."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.DRAFT:
        return None
    for key, value in changes.items():
        setattr(campaign, key, value)
    session.add(campaign)
    return campaign


def parse_when(text: str, *, today: date) -> tuple[date, time, bool] | None:
    """ "24/12 18:00", "24/12/2026 18h", "2026-12-24 18:00" -> (day, time, whether the year was guessed).

    A day without a year is this year's (or, for a 29 February, the next leap year's): whether that is
    already past is the caller's question to ask, never a reason to move it silently."""
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day = (
        (match.group(1), match.group(2), match.group(3))
        if match.group(1)
        else (match.group(6), match.group(5), match.group(4))
    )
    moment = parse_clock(match.group(7))
    if year:
        try:
            chosen: date | None = date(int(year), int(month), int(day))
        except ValueError:
            return None
    else:
        chosen = _next_occurrence(int(month), int(day), after=date(today.year - 1, 12, 31))
    return (chosen, moment, not year) if chosen is not None and moment is not None else None


def _next_occurrence(month: int, day: int, *, after: date) -> date | None:
    """The first such day after `after`; a 29 February can be up to four years away (eight at a century)."""
    for year in range(after.year, after.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate > after:
            return candidate
    return None
