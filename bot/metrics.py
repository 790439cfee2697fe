"""Prometheus counters for /metrics: volumes and failures, never anything about a person."""

from __future__ import annotations

from prometheus_client import Counter
from telegram.constants import UpdateType

UPDATES = Counter("reperes_updates_total", "Updates received from Telegram", ["kind"])
UPDATES_IGNORED = Counter(
    "reperes_updates_ignored_total", "Updates of a kind the bot does not subscribe to, dropped", ["kind"]
)
ERRORS = Counter("reperes_handler_errors_total", "Updates whose handler raised")
REPLY_RETRIES = Counter(
    "reperes_reply_retries_total", "Replies tried again after a passing Telegram fault", ["error"]
)
REPLY_FAILURES = Counter(
    "reperes_reply_failures_total", "Replies Telegram did not take, after any retries", ["error"]
)
WEBHOOK_REJECTED = Counter("reperes_webhook_rejected_total", "Webhook calls refused", ["reason"])


def update_kind(update: object) -> str:
    """The update's type ("message", "callback_query", ...): the first of Telegram's types it carries."""
    return next((str(kind) for kind in UpdateType if getattr(update, kind, None) is not None), "unknown")


CAMPAIGN_MESSAGES = Counter(
    "reperes_campaign_messages_total", "Campaign and series messages, by what became of them", ["outcome"]
)
