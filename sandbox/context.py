"""The sandbox's shared objects, stored in the aiohttp application under one typed key."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bot.sandbox.limits import FaultInjector, RateLimiter, Stats
from bot.sandbox.state import World


@dataclass
class Sandbox:
    world: World
    limiter: RateLimiter
    faults: FaultInjector = field(default_factory=FaultInjector)
    stats: Stats = field(default_factory=Stats)
    # Opened in the application's cleanup context: webhook delivery needs an HTTP client.
    http: aiohttp.ClientSession | None = None


SANDBOX = web.AppKey("sandbox", Sandbox)
