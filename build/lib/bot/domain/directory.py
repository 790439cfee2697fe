"""The help directory: who is open now, and which services are nearest to a shared location.

A shared location is used for one answer and never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours

from bot.content.pack import Service

EARTH_RADIUS_KM = 6371.0088
# National helplines keep metropolitan French hours.
HELPLINE_ZONE = "Europe/Paris"


@dataclass(frozen=True)
class Status:
    open: bool
    changes_at: datetime | None  # local time of the next opening or closing, when there is one


def status(hours: str, now: datetime, zone: str) -> Status:
    """Open or closed at `now` (aware), by hours written in local time in `zone`."""
    local = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    schedule = OpeningHours(hours)
    change = schedule.next_change(local)
    return Status(open=schedule.is_open(local), changes_at=change)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): plenty for "which centre is closer" within a commune."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearest(services: list[Service], latitude: float, longitude: float) -> list[tuple[Service, float]]:
    """Services with their distance in km, nearest first."""
    measured = [(s, distance_km(latitude, longitude, s.latitude, s.longitude)) for s in services]
    return sorted(measured, key=lambda pair: pair[1])


def for_need(services: list[Service], need: str) -> list[Service]:
    return [service for service in services if need in service.needs]
