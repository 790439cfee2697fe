"""The error a person who configures the bot can fix: at the bottom, so that every layer may raise it (the
database's folder, a catalog, a setting) and the CLI turns it into one line and exit code 2."""

from __future__ import annotations


class ConfigError(Exception):
    """One line for the person who configures the bot; the CLI prints it and exits with code 2."""
