"""Residents: who to talk to locally (their menu itself is bot.core.residents, beside the main menu)."""
