"""The access log without login tokens or certificate codes.

aiohttp logs each request's first line at INFO. A login link's token is in its path: single use and short
lived as it is, a log line must still not hold a working link. A certificate's code, in the verification
page's path or query, gives the name printed on it: a log line must not lead from a visit to a name. Logs
are read by more people, and kept longer, than either.
"""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web
from aiohttp.web_log import AccessLogger

LOGIN_PREFIX = "/dashboard/login/"
VERIFY = "/verify"


class _Redacted:
    """The request as the log reads it, with its path (and query) replaced by `shown`.

    Not `request.clone()`: aiohttp refuses to clone a request whose body was read, which the POST that
    uses a link always is (the failure broke the connection before the response went out).
    """

    def __init__(self, request: web.BaseRequest, shown: str) -> None:
        self._request = request
        self.path = self.path_qs = self.raw_path = shown

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _shown(path: str) -> str | None:
    """What the log shows instead of a path holding a token or a code; None: the path as it is."""
    if path.startswith(LOGIN_PREFIX):
        return LOGIN_PREFIX + "…"
    if path == VERIFY:
        return VERIFY  # the code, if any, is in the query, which is left out
    if path.startswith(VERIFY + "/"):
        return VERIFY + "/…"
    return None


class RedactingAccessLogger(AccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        shown = _shown(request.path)
        if shown is not None:
            request = cast(web.BaseRequest, _Redacted(request, shown))
        super().log(request, response, time)
