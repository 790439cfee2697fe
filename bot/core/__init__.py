"""The small Telegram core below the features: typed context, UI helpers, callback data, views, the
access check, the stale-button answer and the catch-all. It imports no feature."""
