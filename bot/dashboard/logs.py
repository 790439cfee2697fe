"""The access log without login tokens.

aiohttp logs each request's first line at INFO; a login link's token is in its path. Single use and short
lived as it is, a log line must still not hold a working link (logs are read by more people, kept longer).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_log import AccessLogger

LOGIN_PREFIX = "/dashboard/login/"


class RedactingAccessLogger(AccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path.startswith(LOGIN_PREFIX):
            request = request.clone(rel_url=LOGIN_PREFIX + "…")
        super().log(request, response, time)
