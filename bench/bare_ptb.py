"""A bare python-telegram-bot bot for bench/webhook.py: answers /start with a keyboard, nothing else.

`concurrent_updates` on (256 at once, PTB's value for True); updates arrive by webhook on an aiohttp server
that puts them in the Application's queue, as python-telegram-bot's custom webhook examples do and as the
project's `serve` does. `--http-client aiohttp` swaps in bot/aiohttp_request.py for httpx.

    python bench/bare_ptb.py --port 8443 --api http://127.0.0.1:8081 --secret S [--http-client aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.aiohttp_request import AiohttpRequest  # noqa: E402

TOKEN = "123456789:bare-ptb-token-for-the-benchmark"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Français", callback_data="lang:fr")],
        [InlineKeyboardButton("English", callback_data="lang:en")],
        [InlineKeyboardButton("العربية", callback_data="lang:ar")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "Bienvenue ! Choisissez votre langue :", reply_markup=KEYBOARD
        )


async def serve(port: int, api: str, secret: str, http_client: str) -> None:
    builder = Application.builder().token(TOKEN).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
    builder = builder.concurrent_updates(True).updater(None)
    if http_client == "aiohttp":
        builder = builder.request(AiohttpRequest())
    app = builder.build()
    app.add_handler(CommandHandler("start", start))

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != secret:
            return web.Response(status=403)
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/telegram", webhook)
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await stop.wait()
        await runner.cleanup()
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True, help="the sandbox's base URL")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--http-client", choices=["httpx", "aiohttp"], default="httpx")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.api, args.secret, args.http_client))


if __name__ == "__main__":
    main()
