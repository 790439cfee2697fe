"""Benchmark of interactive load: `/start` from many people at once, POSTed to a bot's webhook.

    .venv/bin/python bench/webhook.py --quick      # under 2 minutes
    .venv/bin/python bench/webhook.py              # the full run (issue 9, item 7)

One sandbox process (`python -m sandbox`) plays Telegram's Bot API with a configurable round trip
(`POST /sandbox/api/latency`). This script plays Telegram's webhook delivery: it POSTs `/start` updates from
distinct users to the bot under test, at most 40 at a time (Telegram's default `max_connections`), in
bursts (all at once) and at a steady rate. The sandbox records when each chat gets its first reply
(`GET /sandbox/api/stats/first-replies`), so "POST -> first reply" is measured where the person would see it.

Bots, each a process of its own, measured one after the other against the same sandbox:

- `reperes-httpx`, `reperes-aiohttp`: the project's `python -m bot serve` (webhook mode, a real migrated
  SQLite database, the real handlers: a new person's /start asks for the language), with HTTP_CLIENT=...
- `ptb-httpx`, `ptb-aiohttp`: bench/bare_ptb.py, a bare python-telegram-bot bot with `concurrent_updates`
  answering /start with a keyboard.
- `aiogram`: bench/bare_aiogram.py, a bare aiogram 3 bot on its own webhook handler, run with the
  interpreter of bench/.venv-aiogram (created on first use: aiogram is not a project dependency).

Per scenario: updates/s (replies / time from the first POST to the last first reply), POST -> first reply
p50 and p99, CPU per update (user+sys of the bot process from /proc over the scenario / updates), the
sandbox's CPU and the other load on the machine. Results go to bench/webhook-results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.broadcast import (  # noqa: E402
    BenchFailure,
    LoggedProcess,
    Sandbox,
    describe,
    free_port,
    git_commit,
    machine,
    stop_process,
    table,
)
from bench.worker import machine_busy_seconds, process_cpu  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402

RESULTS = ROOT / "bench" / "webhook-results.json"
AIOGRAM_VENV = ROOT / "bench" / ".venv-aiogram"
AIOGRAM_REQUIREMENT = "aiogram>=3.20,<4"
BOTS = ["reperes-httpx", "reperes-aiohttp", "ptb-httpx", "ptb-aiohttp", "aiogram"]
SECRET = "bench-webhook-secret"
REPERES_TOKEN = "123456789:sandbox-token-for-local-runs-only"
MAX_CONNECTIONS = 40  # Telegram's default for a webhook
START_TIMEOUT = 60.0
# A scenario ends when every chat has its reply, or when no reply came for this long (a stalled bot).
STALL_SECONDS = 30.0
JSON = dict[str, Any]


@dataclass
class Phase:
    kind: str  # "burst" or "steady"
    n: int
    rate: float = 0.0  # updates per second, for "steady"

    @property
    def label(self) -> str:
        if self.kind == "burst":
            return f"burst of {self.n:,}"
        return f"steady {self.rate:g}/s for {self.n / self.rate:g} s"


# The bot under test ------------------------------------------------------------------------------------


class BotProcess(LoggedProcess):
    """One bot, in a process of its own, serving its webhook on 127.0.0.1:port/telegram."""

    def __init__(self, name: str, sandbox_url: str, workdir: Path, profile: Path | None = None) -> None:
        super().__init__()
        self.name = name
        self.profile = profile  # a folder for py-spy's collapsed stacks of the bot, or None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.sandbox_url = sandbox_url
        self.workdir = workdir
        self.spy: subprocess.Popen[bytes] | None = None

    def command_and_env(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        common = ["--port", str(self.port), "--api", self.sandbox_url, "--secret", SECRET]
        if self.name.startswith("reperes-"):
            env.update(
                TELEGRAM_BOT_TOKEN=REPERES_TOKEN,
                TELEGRAM_API_URL=self.sandbox_url,
                WEBHOOK_URL=self.url,
                WEBHOOK_SECRET=SECRET,
                PORT=str(self.port),
                DATABASE_URL=f"sqlite+aiosqlite:///{self.workdir / (self.name + '.db')}",
                CONTENT_DIR=str(ROOT / "content"),
                HTTP_CLIENT=self.name.removeprefix("reperes-"),
                LOG_LEVEL="WARNING",
            )
            return [sys.executable, "-m", "bot", "serve"], env
        if self.name.startswith("ptb-"):
            client = self.name.removeprefix("ptb-")
            return [
                sys.executable,
                str(ROOT / "bench" / "bare_ptb.py"),
                *common,
                "--http-client",
                client,
            ], env
        if self.name == "aiogram":
            return [str(aiogram_python()), str(ROOT / "bench" / "bare_aiogram.py"), *common], env
        raise BenchFailure(f"unknown bot {self.name!r}; choose among {', '.join(BOTS)}")

    def __enter__(self) -> BotProcess:
        command, env = self.command_and_env()
        if self.name.startswith("reperes-"):
            # serve only checks the schema (the Procfile's release step migrates): migrate first.
            done = subprocess.run(
                [sys.executable, "-m", "bot", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BenchFailure(f"{self.name}: db upgrade failed: {done.stderr.strip()[-200:]}")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT
        health = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchFailure(f"{self.name} exited at start-up: {self.last_log_line()}")
            try:
                with urllib.request.urlopen(health, timeout=2) as answer:
                    if answer.status == 200:
                        self.start_profiler()
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise BenchFailure(f"{self.name} did not answer on port {self.port} within {START_TIMEOUT:g} s")

    def start_profiler(self) -> None:
        """Sample the bot with py-spy (`pip install py-spy`) once it serves: start-up is not measured."""
        if self.profile is None:
            return
        spy = Path(sys.executable).with_name("py-spy")
        if not spy.exists():
            raise BenchFailure("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
        self.profile.mkdir(parents=True, exist_ok=True)
        output = self.profile / f"{self.name}.txt"
        # Raw (collapsed) stacks, one line per stack and its count: bench/profile_top.py ranks them.
        self.spy = subprocess.Popen(
            [
                str(spy),
                "record",
                "--pid",
                str(self.pid),
                "--format",
                "raw",
                "--rate",
                "250",
                "--nonblocking",
                # Only the thread holding the GIL: threads waiting on a queue or the GIL are not CPU.
                "--gil",
                "--output",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        time.sleep(1.0)  # py-spy attaches before the load begins

    def __exit__(self, *_: object) -> None:
        if self.spy is not None:
            self.spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self.spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.spy.kill()
        stop_process(self.process)
        self.log.close()


def aiogram_python() -> Path:
    """The benchmark's own interpreter with aiogram, made on first use."""
    python = AIOGRAM_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {AIOGRAM_VENV.relative_to(ROOT)} with {AIOGRAM_REQUIREMENT} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(AIOGRAM_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", AIOGRAM_REQUIREMENT], check=True)
    return python


# Load -----------------------------------------------------------------------------------------------------


def start_update(update_id: int, chat_id: int) -> JSON:
    person = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "fr"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post_all(
    url: str, chat_ids: list[int], phase: Phase, first_update: int
) -> tuple[dict[int, float], int]:
    """POST one /start per chat, at most MAX_CONNECTIONS at once; return when each POST began, and failures.

    A burst queues everything at once; a steady phase releases update i at start + i / rate (an update
    whose moment came while 40 were in flight waits for a free connection, as at Telegram)."""
    posted: dict[int, float] = {}
    failures = 0
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(index: int, chat_id: int) -> None:
            nonlocal failures
            async with slots:
                body = start_update(first_update + index, chat_id)
                posted[chat_id] = time.time()
                try:
                    async with session.post(url, json=body, headers=headers) as answer:
                        await answer.read()
                        if answer.status != 200:
                            failures += 1
                except aiohttp.ClientError:
                    failures += 1

        tasks = []
        began = time.monotonic()
        for index, chat_id in enumerate(chat_ids):
            if phase.kind == "steady":
                delay = began + index / phase.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index, chat_id)))
        await asyncio.gather(*tasks)
    return posted, failures


async def wait_for_replies(client: SandboxClient, n: int) -> None:
    """Until the sandbox has delivered n replies, or none came for STALL_SECONDS."""
    seen, last_change = -1, time.monotonic()
    while True:
        delivered = int((await client.stats())["delivered"])
        if delivered >= n:
            return
        if delivered != seen:
            seen, last_change = delivered, time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            return
        await asyncio.sleep(0.25)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def run_phase(
    bot: BotProcess, sandbox: Sandbox, client: SandboxClient, phase: Phase, latency: float, first_update: int
) -> JSON:
    chat_ids = list(await client.create_users(phase.n))
    await client.set_latency(latency)
    await client.reset_stats()
    cpu0, sandbox0, busy0, wall0 = (
        process_cpu(bot.pid),
        process_cpu(sandbox.pid),
        machine_busy_seconds(),
        time.monotonic(),
    )
    posted, failures = await post_all(bot.url, chat_ids, phase, first_update)
    await wait_for_replies(client, phase.n)
    wall = time.monotonic() - wall0
    cpu, sandbox_cpu = process_cpu(bot.pid) - cpu0, process_cpu(sandbox.pid) - sandbox0
    busy = machine_busy_seconds() - busy0
    replies = await client.first_replies()
    waits = [replies[chat] - posted[chat] for chat in chat_ids if chat in replies and chat in posted]
    span = (max(replies.values()) - min(posted.values())) if replies else float("nan")
    stats = await client.stats()
    return {
        "bot": bot.name,
        "latency_ms": latency,
        "phase": phase.label,
        "kind": phase.kind,
        "n": phase.n,
        "replied": len(waits),
        "post_failures": failures,
        "updates_per_s": len(waits) / span if waits else 0.0,
        "p50_s": percentile(waits, 0.50),
        "p99_s": percentile(waits, 0.99),
        "max_s": max(waits) if waits else float("nan"),
        "cpu_ms_per_update": cpu / max(1, len(waits)) * 1000,
        "bot_cpu_utilisation": cpu / wall,
        "sandbox_cpu_utilisation": sandbox_cpu / wall,
        "other_load_cores": max(0.0, busy - cpu - sandbox_cpu) / wall,
        "sandbox_requests": stats["requests"],
    }


# Plan, report -----------------------------------------------------------------------------------------------


def phases(args: argparse.Namespace) -> list[Phase]:
    found = [Phase("burst", n) for n in args.bursts]
    if args.steady_seconds > 0:
        found.append(Phase("steady", round(args.steady_rate * args.steady_seconds), rate=args.steady_rate))
    return found


def summary(result: JSON) -> str:
    missing = "" if result["replied"] == result["n"] else f" ({result['n'] - result['replied']} unanswered)"
    return (
        f"{result['updates_per_s']:.0f} updates/s, p50 {result['p50_s']:.2f} s, p99 {result['p99_s']:.2f} s, "
        f"CPU {result['cpu_ms_per_update']:.1f} ms/update, other load {result['other_load_cores']:.1f} cores"
        + missing
    )


def ratios(results: list[JSON]) -> list[JSON]:
    """Each bot's updates/s over the bare bots' in the same scenario (latency and phase)."""
    by_key = {(r["bot"], r["latency_ms"], r["phase"]): r for r in results}
    found = []
    for r in results:
        if not r["bot"].startswith("reperes-"):
            continue
        row: JSON = {"bot": r["bot"], "latency_ms": r["latency_ms"], "phase": r["phase"]}
        for bare in ("ptb-httpx", "ptb-aiohttp", "aiogram"):
            other = by_key.get((bare, r["latency_ms"], r["phase"]))
            if other and other["updates_per_s"]:
                row[f"vs_{bare}"] = r["updates_per_s"] / other["updates_per_s"]
        found.append(row)
    return found


def report(results: list[JSON]) -> str:
    rows = [
        [
            r["bot"],
            f"{r['latency_ms']:g}",
            r["phase"],
            f"{r['replied']:,}/{r['n']:,}",
            f"{r['updates_per_s']:.0f}",
            f"{r['p50_s'] * 1000:.0f}",
            f"{r['p99_s'] * 1000:.0f}",
            f"{r['cpu_ms_per_update']:.1f}",
            f"{r['bot_cpu_utilisation']:.0%}/{r['sandbox_cpu_utilisation']:.0%}",
            f"{r['other_load_cores']:.1f}",
        ]
        for r in results
    ]
    headers = [
        "bot",
        "latency ms",
        "load",
        "answered",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/update",
        "CPU bot/sandbox",
        "other load",
    ]
    parts = [table(headers, rows)]
    found = ratios(results)
    if found:
        bares = ("ptb-httpx", "ptb-aiohttp", "aiogram")
        ratio_rows = [
            [r["bot"], f"{r['latency_ms']:g}", r["phase"]]
            + [f"{r[f'vs_{b}']:.2f}" if f"vs_{b}" in r else "-" for b in bares]
            for r in found
        ]
        parts.append("Ratios of updates/s (aims at 60 ms: >= 0.8 of ptb, >= 0.5 of aiogram)")
        parts.append(table(["bot", "latency ms", "load", *(f"/ {b}" for b in bares)], ratio_rows))
    return "\n\n".join(parts)


def write_results(
    path: Path, info: JSON, args: argparse.Namespace, results: list[JSON], seconds: float, *, complete: bool
) -> None:
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": complete,
        "git": info["git"],
        "machine": info,
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "total_seconds": seconds,
        "ratios": ratios(results),
        "results": results,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def numbers(value: str) -> list[int]:
    return [int(part.replace("_", "")) for part in value.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Interactive load on the bot's webhook (see bench/README.md)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run under 2 minutes")
    parser.add_argument(
        "--bots",
        default=None,
        help=f"comma-separated, among {','.join(BOTS)} (default: all; quick: all but reperes-httpx)",
    )
    parser.add_argument(
        "--latencies", default=None, help="Bot API round trips in ms (default 0,60; quick: 60)"
    )
    parser.add_argument(
        "--bursts", type=numbers, default=None, help="burst sizes (default 500,5000; quick: 200)"
    )
    parser.add_argument("--steady-rate", type=float, default=100.0, help="updates/s of the steady load")
    parser.add_argument(
        "--steady-seconds", type=float, default=None, help="default 30 (quick: 3); 0 skips it"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="a folder: sample the reperes bots with py-spy into FOLDER/BOT.txt (CPU figures then include "
        "py-spy's pauses; rank with bench/profile_top.py)",
    )
    args = parser.parse_args(argv)
    if args.bots is None:
        # --quick measures the bot on its default HTTP layer only: its serial runs are the long ones.
        args.bots = ",".join(bot for bot in BOTS if not (args.quick and bot == "reperes-httpx"))
    args.bots = args.bots.split(",")
    if args.latencies is None:
        args.latencies = "60" if args.quick else "0,60"
    args.latencies = [float(v) for v in args.latencies.split(",")]
    if args.bursts is None:
        args.bursts = [200] if args.quick else [500, 5000]
    if args.steady_seconds is None:
        args.steady_seconds = 3.0 if args.quick else 30.0
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through the context managers, which stop the processes


async def measure(args: argparse.Namespace, info: JSON, began: float) -> list[JSON]:
    results: list[JSON] = []
    update_id = 1
    with (
        tempfile.TemporaryDirectory(prefix="bench-webhook-") as workdir,
        Sandbox(dict(os.environ)) as sandbox,
    ):
        async with SandboxClient(sandbox.url) as client:
            for name in args.bots:
                profile = args.profile if name.startswith("reperes-") else None
                with BotProcess(name, sandbox.url, Path(workdir), profile) as bot:
                    for latency in args.latencies:
                        for phase in phases(args):
                            print(f"{name}, {latency:g} ms, {phase.label}", flush=True)
                            result = await run_phase(bot, sandbox, client, phase, latency, update_id)
                            update_id += phase.n
                            results.append(result)
                            print(f"    {summary(result)}", flush=True)
                            write_results(
                                args.output, info, args, results, time.perf_counter() - began, complete=False
                            )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    began = time.perf_counter()
    info = machine()
    info["git"] = git_commit()
    with open("/proc/loadavg") as load:
        info["load_average_at_start"] = load.read().split()[:3]
    print(describe(info), flush=True)
    print(f"Load average at start: {' '.join(info['load_average_at_start'])}", flush=True)
    try:
        results = asyncio.run(measure(args, info, began))
    except BenchFailure as failure:
        print(f"bench: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    total = time.perf_counter() - began
    print()
    print(describe(info))
    print(f"Total run time {total / 60:.1f} min; git {info['git']}")
    print(report(results))
    write_results(args.output, info, args, results, total, complete=True)
    print(f"\nResults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
