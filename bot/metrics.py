"""Prometheus counters for /metrics: volumes and failures, never anything about a person."""

from __future__ import annotations

from prometheus_client import Counter

UPDATES = Counter("reperes_updates_total", "Updates received from Telegram", ["kind"])
ERRORS = Counter("reperes_handler_errors_total", "Updates whose handler raised")
WEBHOOK_REJECTED = Counter("reperes_webhook_rejected_total", "Webhook calls refused", ["reason"])


def update_kind(payload: dict[str, object]) -> str:
    """The update's type ("message", "callback_query", ...): the one key besides update_id."""
    return next(
        (key for key, value in payload.items() if key != "update_id" and value is not None), "unknown"
    )
