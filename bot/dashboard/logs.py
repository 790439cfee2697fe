"""The access log without login tokens.

aiohttp logs each request's first line at INFO; a login link's token is in its path. Single use and short
lived as it is, a log line must still not hold a working link (logs are read by more people, kept longer).
"""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web
from aiohttp.web_log import AccessLogger

LOGIN_PREFIX = "/dashboard/login/"
REDACTED = LOGIN_PREFIX + "…"


class _Redacted:
    """The request as the log reads it, its path without the token.

    Not `request.clone()`: aiohttp refuses to clone a request whose body was read, which the POST that
    uses a link always is (the failure broke the connection before the response went out).
    """

    path = REDACTED
    path_qs = REDACTED
    raw_path = REDACTED

    def __init__(self, request: web.BaseRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class RedactingAccessLogger(AccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path.startswith(LOGIN_PREFIX):
            request = cast(web.BaseRequest, _Redacted(request))
        super().log(request, response, time)
