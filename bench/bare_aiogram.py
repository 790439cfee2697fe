"""A bare aiogram 3 bot for bench/webhook.py: answers /start with a keyboard, nothing else.

Runs in the benchmark's own environment, never the project's (aiogram is not a dependency):

    python3 -m venv bench/.venv-aiogram && bench/.venv-aiogram/bin/pip install 'aiogram>=3.20,<4'
    bench/.venv-aiogram/bin/python bench/bare_aiogram.py --port 8443 --api http://127.0.0.1:8081 --secret S

aiogram's own webhook handler (SimpleRequestHandler on aiohttp, answering at once and handling the update in
the background, its default), its own aiohttp session, pointed at the sandbox as a local Bot API server.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

TOKEN = "123456789:bare-aiogram-token-for-the-benchmark"
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Français", callback_data="lang:fr")],
        [InlineKeyboardButton(text="English", callback_data="lang:en")],
        [InlineKeyboardButton(text="العربية", callback_data="lang:ar")],
    ]
)


async def start(message: Message) -> None:
    await message.answer("Bienvenue ! Choisissez votre langue :", reply_markup=KEYBOARD)


async def serve(port: int, api: str, secret: str) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api))
    bot = Bot(TOKEN, session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(start, CommandStart())

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(app, path="/telegram")
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await stop.wait()
    await runner.cleanup()
    await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True, help="the sandbox's base URL")
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.api, args.secret))


if __name__ == "__main__":
    main()
