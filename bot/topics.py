"""Optional messages a person can ask for, by name: content (series) and subscriptions both use them."""

from __future__ import annotations

MYTH_OF_THE_WEEK = "myth_weekly"
TOPICS = (MYTH_OF_THE_WEEK,)
