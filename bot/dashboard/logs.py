"""The access log without login tokens or certificate codes.

aiohttp logs each request's first line at INFO. A login link's token is in its path: single use and short
lived as it is, a log line must still not hold a working link. A certificate's code, in the verification
page's path or query, gives the name printed on it: a log line must not lead from a visit to a name. Logs
are read by more people, and kept longer, than either.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_log import AccessLogger

LOGIN_PREFIX = "/dashboard/login/"
VERIFY = "/verify"


class RedactingAccessLogger(AccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path.startswith(LOGIN_PREFIX):
            request = request.clone(rel_url=LOGIN_PREFIX + "…")
        elif request.path == VERIFY or request.path.startswith(VERIFY + "/"):
            request = request.clone(rel_url=VERIFY + ("/…" if request.path != VERIFY else ""))
        super().log(request, response, time)
