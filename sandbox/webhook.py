"""Webhook delivery: while a webhook is set, POST each pending update to it, in order, as Telegram does."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from sandbox.context import Sandbox

# Telegram retries for hours with growing pauses; a few quick tries keep tests fast while still letting a
# bot that answers 500 once see the same update again.
RETRY_DELAYS = (0.1, 0.5, 1.0)
REQUEST_TIMEOUT = 10.0


async def _post(sandbox: Sandbox, url: str, secret: str | None, update: dict[str, object]) -> str | None:
    """POST one update; return None on success or Telegram's last_error_message."""
    assert sandbox.http is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    try:
        async with sandbox.http.post(
            url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        ) as response:
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except (aiohttp.ClientError, TimeoutError) as error:
        return f"Connection failed: {error.__class__.__name__}"


async def deliver_updates(sandbox: Sandbox) -> None:
    world = sandbox.world
    while not world.closing:
        await world.wait_for(lambda: bool(world.webhook.url and world.updates), 3600)
        if world.closing:
            return
        if not (world.webhook.url and world.updates):
            continue
        update = world.updates[0]
        wanted = world.webhook.allowed_updates
        if not wanted or set(wanted).intersection(update):
            for delay in (*RETRY_DELAYS, None):
                url, secret = world.webhook.url, world.webhook.secret_token
                if not url:
                    break
                error = await _post(sandbox, url, secret, update)
                if error is None:
                    break
                world.webhook.last_error_date = int(time.time())
                world.webhook.last_error_message = error
                if delay is None:
                    break
                await asyncio.sleep(delay)
            if not world.webhook.url:
                # Deleted while delivering: the update stays for getUpdates, as on Telegram.
                continue
        if world.updates and world.updates[0] is update:
            world.updates.popleft()
