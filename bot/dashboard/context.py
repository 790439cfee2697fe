"""What the dashboard's handlers share: the bot's services, the secret, and one template environment per
language."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from aiohttp import web

from bot.services import Services


@dataclass(frozen=True)
class Dashboard:
    found: Services
    secret: str  # DASHBOARD_SECRET: the key of the tokens' hashes and of the CSRF tokens
    secure: bool  # served over https: the cookie is Secure, and named __Host-


DASHBOARD = web.AppKey("dashboard", Dashboard)
_ENVIRONMENTS: dict[str, web.AppKey[jinja2.Environment]] = {}


def environment_key(language: str) -> web.AppKey[jinja2.Environment]:
    if language not in _ENVIRONMENTS:
        _ENVIRONMENTS[language] = web.AppKey(f"dashboard_templates_{language}", jinja2.Environment)
    return _ENVIRONMENTS[language]


def dashboard(request: web.Request) -> Dashboard:
    return request.app[DASHBOARD]
