"""The sandbox's shared objects, stored in the aiohttp application under one typed key."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from sandbox.limits import FaultInjector, RateLimiter, Stats
from sandbox.state import World


@dataclass
class Sandbox:
    world: World
    limiter: RateLimiter
    faults: FaultInjector = field(default_factory=FaultInjector)
    stats: Stats = field(default_factory=Stats)
    # Opened in the application's cleanup context: webhook delivery needs an HTTP client.
    http: aiohttp.ClientSession | None = None
    # Telegram's round trip from the bot's host (tens of ms from France), added to every Bot API call;
    # 0 by default, set by `--latency-ms` or POST /sandbox/api/latency.
    latency_ms: float = 0.0
    # How the round trip is waited for; a test can record the waits instead of timing them.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


SANDBOX = web.AppKey("sandbox", Sandbox)
