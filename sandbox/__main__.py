"""Run the sandbox alone: `python -m sandbox --port 8081`, then open the printed address."""

from __future__ import annotations

import argparse

from aiohttp import web

from sandbox.server import create_sandbox_app
from sandbox.state import FIRST_USER_ID


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Repères sandbox: a local fake Telegram Bot API and chat page"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 beyond Telegram's rates")
    parser.add_argument("--bot-username", default="reperes_sandbox_bot")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="Bot API round trip added to every method call"
    )
    parser.add_argument(
        "--first-user-id", type=int, default=FIRST_USER_ID, help="id of the first user (default %(default)s)"
    )
    args = parser.parse_args()
    base = f"http://{args.host}:{args.port}"
    print(f"Chat page: {base}/")
    print(f"Bot settings: base_url={base}/bot  base_file_url={base}/file/bot  (any token like 123:abc)")
    app = create_sandbox_app(
        enforce_limits=args.enforce_limits,
        bot_username=args.bot_username,
        first_user_id=args.first_user_id,
        latency_ms=args.latency_ms,
    )
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
