"""`python -m bot COMMAND`: run, serve, demo, content check, db upgrade, export.

Mistakes a person can fix (configuration, content, database address) end with a clear message and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from bot.config import SUPPORTED_LANGUAGES, ConfigError, Settings, load_settings

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """Bad arguments end in one line saying what is wrong (and `--help` for the rest), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"error: {message} (see {self.prog} --help)\n")


class _Command(_Parser):
    """A command's parser: arguments it does not know are its error, so the line names its own --help
    (left to the top parser, they sent people to `python -m bot --help`, which does not list them)."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed, extra


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot", description="Repères, a Telegram bot for prevention.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Command)
    commands.add_parser("run", help="talk to Telegram by long polling (the sandbox when no token is set)")
    commands.add_parser("serve", help="serve the webhook, /healthz and /metrics on PORT")
    demo = commands.add_parser("demo", help="start the sandbox chat page and the bot, no Telegram needed")
    demo.add_argument("--host", default="127.0.0.1", help="address of the chat page (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=None, help="port of the chat page (default PORT or 8080)")
    demo.add_argument(
        "--telegram-limits",
        action="store_true",
        help="make the sandbox enforce Telegram's rate limits (30 messages/s, 1/s per chat)",
    )
    content = commands.add_parser("content", help="content tools")
    content.add_argument("action", choices=["check"], help="check: list every problem in the content files")
    content.add_argument(
        "--strict",
        action="store_true",
        help="before a deployment: fail on placeholders left to fill in and on unmarked demo examples",
    )
    db = commands.add_parser("db", help="database tools")
    db.add_argument("action", choices=["upgrade"], help="upgrade: bring the schema up to date")
    _export_arguments(
        commands.add_parser("export", help="the evaluation export: indicators per territory and month")
    )
    return parser


def _export_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("--from", dest="first", required=True, metavar="YYYY-MM", help="first month")
    export.add_argument("--to", dest="last", required=True, metavar="YYYY-MM", help="last month, included")
    export.add_argument("--format", dest="fmt", choices=["csv", "ods"], default="ods", help="default: ods")
    export.add_argument(
        "--territory", action="append", help="only this territory (repeat for several; default: all)"
    )
    export.add_argument(
        "--output", help="the file to write (default: indicateurs-FROM-TO.FORMAT; - for stdout)"
    )
    export.add_argument(
        "--language", choices=SUPPORTED_LANGUAGES, default="fr", help="of the labels (default: fr)"
    )


def _configure_logging(settings: Settings) -> None:
    """LOG_LEVEL applies to the bot's own loggers only.

    Libraries log request URLs (with the token), API parameters (chat ids, texts) and SQL values at DEBUG,
    so they never go below INFO, and the chattiest stay at WARNING.
    """
    level = logging.getLevelName(settings.log_level)
    logging.basicConfig(
        level=max(level, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("bot").setLevel(level)
    for name in ("httpx", "httpcore", "apscheduler", "alembic", "aiosqlite", "sqlalchemy", "asyncpg"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings)
        return _dispatch(args, settings)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 0


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import ContentInvalid

    try:
        if args.command == "content":
            return _content_check(settings, strict=args.strict)
        if args.command == "db":
            asyncio.run(_db_upgrade(settings))
            print("database schema is up to date")
            return 0
        if args.command == "export":
            return asyncio.run(_export(settings, args))
        from bot import runner

        if args.command == "serve":
            asyncio.run(runner.run_webhook(settings))
        elif args.command == "run" and settings.telegram_bot_token:
            asyncio.run(runner.run_polling(settings, token=settings.telegram_bot_token))
        else:
            if args.command == "run":
                print("TELEGRAM_BOT_TOKEN is not set: starting the local sandbox instead.", flush=True)
            port = settings.port if getattr(args, "port", None) is None else args.port
            host = getattr(args, "host", "127.0.0.1")
            limits = getattr(args, "telegram_limits", False)
            asyncio.run(runner.run_demo(settings, host=host, port=port, enforce_limits=limits))
        return 0
    except ContentInvalid as error:
        _print_report(error.report.lines(), len(error.report.errors), stream=sys.stderr)
        print("error: the content has errors; the bot will not start until they are fixed.", file=sys.stderr)
        return USAGE_ERROR


def _content_check(settings: Settings, *, strict: bool = False) -> int:
    from bot.content.coverage import summary_lines
    from bot.content.deployment import check_deployment
    from bot.content.loader import load_content
    from bot.content.problems import LANGUAGE_NAMES
    from bot.content.versions import check_overrides
    from bot.i18n import catalog_problems

    pack, report = load_content(settings.content_dir, SUPPORTED_LANGUAGES)
    if settings.content_dir.is_dir():
        check_deployment(settings.content_dir, report, strict=strict)
        check_overrides(settings.content_dir, pack, report, strict=strict)
    # The catalogs are read at start-up too: a broken one stops the bot, so the check says so first.
    catalogs = catalog_problems(SUPPORTED_LANGUAGES)
    _print_report(report.lines() + catalogs, len(report.errors) + len(catalogs), stream=sys.stdout)
    for line in summary_lines(pack, LANGUAGE_NAMES):
        print(line)
    if report.errors or catalogs:
        return USAGE_ERROR
    counts = ", ".join(
        f"{sum(len(items) for items in getattr(pack, kind).values())} {kind}"
        for kind in ("pages", "resources", "myths", "modules")
    )
    languages, territories = len(pack.languages), len(pack.territories)
    print(f"content is valid: {counts} in {languages} languages, {territories} territories, ", end="")
    print(f"{len(report.warnings)} warning(s)")
    return 0


def _print_report(lines: list[str], errors: int, *, stream: TextIO) -> None:
    for line in lines:
        print(line, file=stream)
    if errors:
        print(f"{errors} error(s)", file=stream)


async def _db_upgrade(settings: Settings) -> None:
    from bot.runner import prepare_database
    from bot.services import open_database

    database = open_database(settings)
    try:
        await prepare_database(database, migrate_schema=True)
    finally:
        await database.close()


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the evaluation export; a wrong period, territory or database ends in one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.content.loader import load_content
    from bot.domain.indicators import PeriodError, months_between
    from bot.domain.indicators.export import build_export, filename
    from bot.domain.scope import Scope
    from bot.i18n import Catalogs
    from bot.services import open_database

    try:
        months_between(args.first, args.last)
    except PeriodError as error:
        return _usage_error(str(error))
    pack, report = load_content(settings.content_dir, SUPPORTED_LANGUAGES)
    if report.errors:
        return _usage_error("the content has errors: see python -m bot content check")
    unknown = [t for t in args.territory or () if t not in pack.territories]
    if unknown:
        known = ", ".join(pack.territories) or "none"
        return _usage_error(f"unknown territory {unknown[0]!r} (territories: {known})")
    scope = Scope.of(args.territory)
    database = open_database(settings)
    try:
        async with database.session() as session:
            data = await build_export(
                session, pack, Catalogs().get(args.language), scope, args.first, args.last, args.fmt
            )
    except (SQLAlchemyError, OSError) as error:
        return _usage_error(f"could not read the database ({type(error).__name__}): is it upgraded? "
                            "python -m bot db upgrade")  # fmt: skip
    finally:
        await database.close()
    output = args.output or filename(args.first, args.last, args.fmt)
    if output == "-":
        sys.stdout.buffer.write(data)
        return 0
    try:
        await asyncio.to_thread(Path(output).write_bytes, data)
    except OSError as error:
        return _usage_error(f"could not write {output}: {error.strerror}")
    print(f"wrote {output}")
    return 0


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR
