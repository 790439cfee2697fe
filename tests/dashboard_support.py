"""Shared by the dashboard's tests: the dashboard mounted on an aiohttp app of its own over a test
database, a coordinator's login link made as /dashboard makes it, and reading a page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dashboard import add_dashboard
from bot.domain import dashboard_access
from bot.services import Services

SECRET = "s" * 40


@asynccontextmanager
async def dashboard_client(
    found: Services, *, base_url: str = "http://127.0.0.1"
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    add_dashboard(app, found, base_url=base_url, secret=SECRET)
    async with TestClient(TestServer(app)) as client:
        yield client


async def login_link(found: Services, user_id: int, language: str = "fr") -> str:
    async with found.database.session() as session:
        token = await dashboard_access.create_link(
            session, user_id=user_id, language=language, secret=SECRET, now=found.clock()
        )
    return "/dashboard/login/" + token


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "the page has a form with its CSRF token"
    return found[1]
