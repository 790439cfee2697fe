"""python-telegram-bot's HTTP layer on aiohttp (already a dependency) instead of httpx.

Why: the campaign benchmark measured 4-8 ms of CPU per `sendMessage` through PTB's default `HTTPXRequest`,
most of it in httpx/httpcore; aiohttp's client does the same round trip for a fraction (figures in
bench/README.md). It behaves as `HTTPXRequest` does: one connection pool per request object, the same
default timeouts, multipart uploads for `InputFile`s, and aiohttp's errors turned into PTB's `TimedOut` and
`NetworkError` so that the callers (retries, the sender) see no difference.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one shared `aiohttp.ClientSession`, opened by `initialize()`.

    The session is created in `initialize()` rather than here because aiohttp binds it to the running
    event loop, and PTB builds its request objects before the loop runs.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            # No cookie jar: the Bot API sets no cookies, and a jar would be consulted on every request.
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            return
        await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._write_timeout if not files else self._media_write_timeout
        else:
            write = write_timeout
        # aiohttp has no write timeout: the whole request gets the sum of the four as its total instead, so
        # that a stalled upload still ends; the read timeout applies to the answer as well, chunk by chunk.
        parts = (connect, pool, write, read)
        total = None if any(part is None for part in parts) else sum(part or 0.0 for part in parts)
        timeout = aiohttp.ClientTimeout(
            total=total,
            # `connect` includes the wait for a free connection in the pool; `sock_connect` is the socket's.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            body = _form(request_data, files) if files else request_data.json_parameters
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeout errors are TimeoutError subclasses
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _form(request_data: RequestData, files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the parameters as form fields, each file as a part with its name and type."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename or name, content_type=mime_type)
    return form
