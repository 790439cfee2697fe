"""The sender's state for /healthz and /metrics: a stopped or failing sender must not look healthy.

Monitoring cannot see a campaign that silently stopped: people are still answered, and nothing is logged.
So the state is reported where monitoring looks: whether the sender runs (where the lease is held), when a
message last left, how long it has been failing, and the runs that have been sending for too long.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import col, select

from bot.delivery.sender import Sender
from bot.models import CampaignRun, RunStatus, as_utc
from bot.services import Services

RUNNING = Gauge("reperes_sender_running", "1 when the sender's loop is alive (where the lease is held)")
SHOULD_RUN = Gauge("reperes_sender_should_run", "1 when this instance holds the lease, so should be sending")
LAST_SEND = Gauge("reperes_sender_last_send_timestamp_seconds", "When a campaign or series message last left")
FAILURES = Gauge("reperes_sender_consecutive_failures", "The sender's failed batches in a row")
FAILING = Gauge("reperes_sender_failing_seconds", "How long the sender has been failing (0: working)")
STUCK = Gauge("reperes_campaign_runs_stuck", "Runs still sending after SENDER_STUCK_MINUTES")


async def sender_state(sender: Sender | None, found: Services) -> dict[str, Any]:
    """The state, also set on the gauges; `healthy` is False when the sender should run and does not, or
    has been failing for longer than SENDER_FAILING_SECONDS. `stuck_runs` is None when the runs cannot be
    read (the database's own check says why)."""
    if sender is None:  # between start-up and the lease, or at shutdown: nothing to say yet
        return {"healthy": True, "running": False, "should_run": False}
    should_run = sender.lease.held
    failing_for = sender.health.failing_for()
    try:
        stuck: int | None = await _stuck_runs(found)
    except Exception:  # the runs' table may be what is locked: the rest of the state still says much
        stuck = None
    healthy = not should_run or (sender.running and failing_for <= found.settings.sender_failing_seconds)
    RUNNING.set(1 if sender.running else 0)
    SHOULD_RUN.set(1 if should_run else 0)
    LAST_SEND.set(sender.last_send.timestamp() if sender.last_send else 0)
    FAILURES.set(sender.health.failures)
    FAILING.set(failing_for)
    if stuck is not None:
        STUCK.set(stuck)
    return {
        "healthy": healthy,
        "running": sender.running,
        "should_run": should_run,
        "last_send": as_utc(sender.last_send).isoformat() if sender.last_send else None,
        "consecutive_failures": sender.health.failures,
        "failing_seconds": round(failing_for, 1),
        "stuck_runs": stuck,
        "clock_failures": sender.clock.failures,
    }


async def _stuck_runs(found: Services) -> int:
    since = found.clock() - timedelta(minutes=found.settings.sender_stuck_minutes)
    query = select(func.count()).where(
        col(CampaignRun.status) == RunStatus.SENDING, col(CampaignRun.started_at) < since
    )
    async with found.database.session() as session:
        return int((await session.exec(query)).one())
