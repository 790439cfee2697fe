"""Benchmark of the campaign engine through the sandbox: `.venv/bin/python bench/broadcast.py [--quick]`.

(a) Telegram's limits enforced by the sandbox: the achieved rate as a fraction of BROADCAST_RATE and the
    429s answered, for the smallest size at the free rate and the largest under paid-broadcast limits.
(b) Limits off, paid broadcast at 1000/s: messages per second, CPU per message and peak RSS of the bot
    process, against a bare python-telegram-bot loop sending the same messages to the same kind of sandbox.

Every measured scenario runs in a fresh subprocess (bench/worker.py), next to a fresh sandbox process
(`python -m sandbox`), so that the bot's CPU and memory are its own. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results.json"
RESULT_MARK = "BENCH-RESULT "
SANDBOX_START_TIMEOUT = 30.0
# Under paid limits: what this machine's engine sustains with room to spare (see README.md, "Choosing").
DEFAULT_PAID_RATE = 100.0
BUSY_WARNING = 0.25  # cores used by other processes above which the figures are flagged
JSON = dict[str, Any]
# A coordinator's announcement, in the Telegram HTML the composer stores; the footer is added by render().
TEXT = (
    "<b>Réunion d'information pour les parents</b>\n\n"
    "Mardi 18 h, à la maison de quartier : comment parler avec son enfant des réseaux qui recrutent des "
    "guetteurs, et vers qui se tourner. Entrée libre, garde d'enfants sur place.\n\n"
    "<i>Plus d'informations dans le menu, rubrique « Ressources ».</i>"
)
FREE_LIMITS: JSON = {"enabled": True, "global_rate": 30.0, "per_chat_rate": 1.0, "paid_rate": 1000.0}
NO_LIMITS: JSON = {"enabled": False}


class BenchFailure(Exception):
    """One line saying what went wrong."""


@dataclass
class Scenario:
    part: str  # "a" or "b"
    kind: str  # "engine" or "bare"
    n: int
    label: str
    rate: float = 0.0
    paid: bool = False
    limits: JSON = field(default_factory=dict)
    concurrency: int = 100
    report: bool = False
    http_client: str = "httpx"

    def config(self, sandbox_url: str, sandbox_pid: int, text: str) -> JSON:
        return {
            "kind": self.kind,
            "n": self.n,
            "rate": self.rate,
            "paid": self.paid,
            "limits": self.limits,
            "concurrency": self.concurrency,
            "report": self.report,
            "http_client": self.http_client,
            "sandbox_url": sandbox_url,
            "sandbox_pid": sandbox_pid,
            "text": text,
        }

    def expected_seconds(self) -> float:
        """A generous bound on one scenario: seeding and start-up, then the worker's own allowance."""
        from bench.worker import send_allowance

        return 180 + send_allowance(self.n, self.rate if self.kind == "engine" else 1000.0)


# Machine --------------------------------------------------------------------------------------------------


def machine() -> JSON:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = int(line.split()[1]) / 1024 / 1024
    system = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip().strip(chr(34))}, Linux {platform.release()}"
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "os": system,
    }


def describe(info: JSON) -> str:
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM; "
        f"Python {info['python']}; {info['os']}"
    )


def git_commit() -> str:
    """The commit measured, and whether the engine's code (bot/) differed from it."""

    def git(*words: str) -> str:
        try:
            done = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes in bot/" if git("status", "--porcelain", "--", "bot") else "")


def campaign_text() -> str:
    """The message exactly as the engine sends it (with its /stop footer), for the bare loop too."""
    from bot.app import build_services
    from bot.config import load_settings
    from bot.delivery.render import render

    settings = load_settings(
        None, database_url="sqlite+aiosqlite:///:memory:", content_dir=ROOT / "content", log_level="WARNING"
    )
    outgoing = render(build_services(settings), {"fr": {"text": TEXT}}, "fr")
    if outgoing is None:
        raise BenchFailure("the campaign text renders to nothing")
    return outgoing.text


# Processes ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop_process(process: subprocess.Popen[Any] | None) -> None:
    """Terminate one child we started (by its pid), then kill it if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class LoggedProcess:
    """A child process whose output goes to a temporary file, kept to say why it failed."""

    def __init__(self) -> None:
        self.log: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by the subclass's __exit__)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def last_log_line(self) -> str:
        self.log.seek(0)
        lines = [line.strip() for line in self.log.read().splitlines() if line.strip()]
        return lines[-1] if lines else "(nothing logged)"


class Sandbox(LoggedProcess):
    """A sandbox process of its own: `python -m sandbox --port P`, limits set later by each worker."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__()
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Sandbox:
        command = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(self.port)]
        # A session of its own: Ctrl+C reaches this script only, which then stops the sandbox itself.
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + SANDBOX_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchFailure(f"the sandbox exited at start-up: {self.last_log_line()}")
            try:
                with urllib.request.urlopen(f"{self.url}/sandbox/api/stats", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise BenchFailure(f"the sandbox did not answer on port {self.port} within {SANDBOX_START_TIMEOUT} s")

    def __exit__(self, *_: object) -> None:
        stop_process(self.process)
        self.log.close()


def run_scenario(scenario: Scenario, text: str, env: dict[str, str]) -> JSON:
    with Sandbox(env) as sandbox:
        config = json.dumps(scenario.config(sandbox.url, sandbox.pid, text))
        with tempfile.TemporaryFile("w+") as errors:
            worker: subprocess.Popen[str] | None = None
            try:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "bench.worker", config],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    env=env,
                    start_new_session=True,
                )
                try:
                    out, _ = worker.communicate(timeout=scenario.expected_seconds())
                except subprocess.TimeoutExpired:
                    raise BenchFailure(
                        f"{scenario.label}: no result after {scenario.expected_seconds():.0f} s"
                    ) from None
            finally:
                stop_process(worker)
            errors.seek(0)
            logged = [line.strip() for line in errors.read().splitlines() if line.strip()]
        if worker.returncode != 0:
            reason = next((line for line in reversed(logged) if line.startswith("error: ")), None)
            reason = reason or (logged[-1] if logged else f"exit code {worker.returncode}")
            raise BenchFailure(f"{scenario.label}: {reason.removeprefix('error: ')}")
        found = [line for line in out.splitlines() if line.startswith(RESULT_MARK)]
        if not found:
            raise BenchFailure(f"{scenario.label}: the worker printed no result")
        result: JSON = json.loads(found[-1][len(RESULT_MARK) :])
        result.update(part=scenario.part, label=scenario.label)
        return result


# Plan and report ------------------------------------------------------------------------------------------


def plan(args: argparse.Namespace) -> list[Scenario]:
    sizes: list[int] = args.sizes
    free_size = args.free_size or min(sizes)
    paid_size = args.paid_size or max(sizes)
    scenarios: list[Scenario] = []
    if args.part in ("all", "b"):
        for n in sizes:
            repeats = args.repeat or (3 if n <= 10_000 else 1)
            for round_ in range(repeats):
                engine = Scenario(
                    "b",
                    "engine",
                    n,
                    f"engine, limits off, {n:,} at {args.unlimited_rate:g}/s paid",
                    rate=args.unlimited_rate,
                    paid=True,
                    limits=NO_LIMITS,
                )
                bare = Scenario(
                    "b",
                    "bare",
                    n,
                    f"bare PTB loop, limits off, {n:,}, {args.bare_concurrency} at once",
                    limits=NO_LIMITS,
                    concurrency=args.bare_concurrency,
                )
                # Alternate which goes first: the machine's speed drifts, and should not favour either.
                scenarios += [engine, bare] if round_ % 2 == 0 else [bare, engine]
    if args.part in ("all", "a", "a-free"):
        scenarios.append(
            Scenario(
                "a",
                "engine",
                free_size,
                f"engine, free limits, {free_size:,} at {args.free_rate:g}/s",
                rate=args.free_rate,
                paid=False,
                limits=FREE_LIMITS,
            )
        )
    if args.part in ("all", "a", "a-paid"):
        scenarios.append(
            Scenario(
                "a",
                "engine",
                paid_size,
                f"engine, paid limits, {paid_size:,} at {args.paid_rate:g}/s",
                rate=args.paid_rate,
                paid=True,
                limits=FREE_LIMITS,  # the paid bucket (1000/s) applies to allow_paid_broadcast requests
            )
        )
    for scenario in scenarios:
        scenario.http_client = args.http_client
        scenario.label += f", {args.http_client}"
    if args.report:
        for scenario in scenarios:
            if scenario.kind == "engine":
                scenario.report = True
                scenario.label += ", with the author's progress report"
    return scenarios


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def limits_label(result: JSON) -> str:
    limits = result.get("limits") or {}
    if not limits.get("enabled"):
        return "off"
    free, paid, chat = limits["global_rate"], limits["paid_rate"], limits["per_chat_rate"]
    return f"{free:g}/s free, {paid:g}/s paid, {chat:g}/s per chat"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def part_b(results: list[JSON]) -> list[JSON]:
    """Per size: the medians of the engine's and the bare loop's runs, and their ratio."""
    rows = []
    for n in sorted({r["n"] for r in results if r["part"] == "b"}):
        engine = [r for r in results if r["part"] == "b" and r["n"] == n and r["kind"] == "engine"]
        bare = [r for r in results if r["part"] == "b" and r["n"] == n and r["kind"] == "bare"]
        if not engine or not bare:
            continue
        pairs = [e["msgs_per_s"] / b["msgs_per_s"] for e, b in zip(engine, bare, strict=False)]
        rows.append(
            {
                "n": n,
                "runs": min(len(engine), len(bare)),
                "engine_msgs_per_s": median([r["msgs_per_s"] for r in engine]),
                "bare_msgs_per_s": median([r["msgs_per_s"] for r in bare]),
                "ratio": median([r["msgs_per_s"] for r in engine]) / median([r["msgs_per_s"] for r in bare]),
                "ratio_min": min(pairs),
                "ratio_max": max(pairs),
                "engine_cpu_ms_per_msg": median([r["cpu_ms_per_msg"] for r in engine]),
                "bare_cpu_ms_per_msg": median([r["cpu_ms_per_msg"] for r in bare]),
                "engine_max_rss_mib": max(r["max_rss_mib"] for r in engine),
                "bare_max_rss_mib": max(r["max_rss_mib"] for r in bare),
                "engine_rss_before_send_mib": median([r["rss_before_send_mib"] for r in engine]),
                "bare_rss_before_send_mib": median([r["rss_before_send_mib"] for r in bare]),
                "engine_cpu_utilisation": median([r["cpu_utilisation"] for r in engine]),
                "bare_cpu_utilisation": median([r["cpu_utilisation"] for r in bare]),
                "engine_sandbox_cpu_utilisation": median([r["sandbox_cpu_utilisation"] for r in engine]),
                "bare_sandbox_cpu_utilisation": median([r["sandbox_cpu_utilisation"] for r in bare]),
                "engine_seed_seconds": median([r["seed_seconds"] for r in engine]),
                "too_many_requests": sum(r["sandbox"]["too_many_requests"] for r in engine + bare),
                "other_load_cores": max(r["other_load_cores"] for r in engine + bare),
            }
        )
    return rows


def report(results: list[JSON], summary_b: list[JSON]) -> str:
    parts: list[str] = []
    part_a = [r for r in results if r["part"] == "a"]
    if part_a:
        rows = [
            [
                f"{r['n']:,}",
                f"{r['rate']:g}/s" + (" paid" if r["paid"] else " free"),
                limits_label(r),
                f"{r['send_seconds']:.1f}",
                f"{r['msgs_per_s']:.1f}",
                f"{r['fraction_of_rate']:.3f}",
                str(r["sandbox"]["too_many_requests"]),
                f"{r['sandbox']['delivered']:,}",
                f"{r['cpu_ms_per_msg']:.2f}",
                f"{r['max_rss_mib']:.0f}",
                f"{r['seed_seconds']:.1f}",
                f"{r['probe_ms'][0]:.0f}/{r['probe_ms'][1]:.0f}",
                f"{r['other_load_cores']:.2f}",
            ]
            for r in part_a
        ]
        headers = [
            "recipients",
            "BROADCAST_RATE",
            "sandbox limits",
            "send s",
            "msg/s",
            "of rate",
            "429s",
            "delivered",
            "CPU ms/msg",
            "max RSS MiB",
            "seed s",
            "probe ms",
            "other load",
        ]
        parts.append("(a) Telegram's limits enforced by the sandbox (aim: ≥ 0.95 of BROADCAST_RATE, no 429)")
        parts.append(table(headers, rows))
    if summary_b:
        rows = [
            [
                f"{s['n']:,}",
                str(s["runs"]),
                f"{s['engine_msgs_per_s']:.0f}",
                f"{s['bare_msgs_per_s']:.0f}",
                f"{s['ratio']:.2f}"
                + (f" ({s['ratio_min']:.2f}-{s['ratio_max']:.2f})" if s["runs"] > 1 else ""),
                f"{s['engine_cpu_ms_per_msg']:.2f}",
                f"{s['bare_cpu_ms_per_msg']:.2f}",
                f"{s['engine_max_rss_mib']:.0f}",
                f"{s['bare_max_rss_mib']:.0f}",
                f"{s['engine_cpu_utilisation']:.0%}/{s['engine_sandbox_cpu_utilisation']:.0%}",
                f"{s['bare_cpu_utilisation']:.0%}/{s['bare_sandbox_cpu_utilisation']:.0%}",
                f"{s['engine_seed_seconds']:.1f}",
                f"{s['other_load_cores']:.2f}",
            ]
            for s in summary_b
        ]
        headers = [
            "recipients",
            "runs",
            "engine msg/s",
            "bare msg/s",
            "ratio",
            "engine CPU ms/msg",
            "bare CPU ms/msg",
            "engine max RSS MiB",
            "bare max RSS MiB",
            "CPU engine/sandbox",
            "CPU bare/sandbox",
            "seed s",
            "other load",
        ]
        if parts:
            parts.append("")
        parts.append(
            "(b) Limits off, PAID_BROADCAST=true, BROADCAST_RATE=1000, against a bare PTB loop "
            "(aim: ratio ≥ 0.8; medians over the runs)"
        )
        parts.append(table(headers, rows))
    return "\n".join(parts)


def sizes(value: str) -> list[int]:
    try:
        found = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected sizes like 10000,100000") from None
    if not found or any(not 1 <= n <= 200_000 for n in found):
        raise argparse.ArgumentTypeError("each size must be from 1 to 200,000 (the sandbox's bulk limit)")
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the campaign engine through the sandbox (see bench/README.md)."
    )
    add = parser.add_argument
    add("--sizes", type=sizes, default=None, help="recipients per run (default 10000,100000)")
    add(
        "--quick",
        action="store_true",
        help="a smoke run under 2 minutes: (b) at 1000, (a) 1000 at the free rate and 3000 paid",
    )
    add("--part", choices=("all", "a", "a-free", "a-paid", "b"), default="all", help="what to measure")
    add(
        "--free-size",
        type=int,
        default=0,
        help="(a) recipients at the free rate (default: the smallest size)",
    )
    add(
        "--paid-size",
        type=int,
        default=0,
        help="(a) recipients under paid limits (default: the largest size)",
    )
    add("--free-rate", type=float, default=25.0, help="(a) BROADCAST_RATE under the free limit (default 25)")
    add("--paid-rate", type=float, default=DEFAULT_PAID_RATE, help="(a) BROADCAST_RATE under paid limits")
    add("--unlimited-rate", type=float, default=1000.0, help="(b) BROADCAST_RATE, limits off (default 1000)")
    add(
        "--bare-concurrency",
        type=int,
        default=100,
        help="(b) requests at once in the bare loop (default 100)",
    )
    add(
        "--repeat",
        type=int,
        default=0,
        help="(b) engine/bare pairs per size (default 3 up to 10,000, else 1)",
    )
    add(
        "--http-client",
        choices=("httpx", "aiohttp"),
        default="aiohttp",
        help="python-telegram-bot's HTTP layer, in the engine (HTTP_CLIENT) and the bare loop alike "
        "(default aiohttp, the bot's default; results.json before 2026-12-01 used httpx)",
    )
    add(
        "--pythonpath",
        type=Path,
        default=None,
        help="a folder put first on the measured processes' import path: try a dependency change "
        "(say, sniffio installed with pip --target) without touching the venv",
    )
    add(
        "--report",
        action="store_true",
        help="give the campaigns an author, whose progress message the engine edits every 5 s as in "
        "production (by default nobody: no report)",
    )
    add(
        "--output", type=Path, default=RESULTS, help=f"the JSON results (default {RESULTS.relative_to(ROOT)})"
    )
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [1000] if args.quick else [10_000, 100_000]
    if args.quick:
        args.repeat = args.repeat or 1
        args.paid_size = args.paid_size or 3000
    if not 1 <= args.free_rate <= 30:
        parser.error("--free-rate must be from 1 to 30 (Telegram's free limit)")
    if not 1 <= args.paid_rate <= 1000 or not 1 <= args.unlimited_rate <= 1000:
        parser.error("--paid-rate and --unlimited-rate must be from 1 to 1000")
    if args.pythonpath is not None and not args.pythonpath.is_dir():
        parser.error(f"--pythonpath {args.pythonpath}: no such folder")
    return args


def other_load(seconds: float = 2.0) -> float:
    """Cores kept busy by other processes right now (this script idles meanwhile)."""
    from bench.worker import machine_busy_seconds

    before, began = machine_busy_seconds(), time.perf_counter()
    time.sleep(seconds)
    return (machine_busy_seconds() - before) / (time.perf_counter() - began)


def speed_probe() -> float:
    """CPU milliseconds of a fixed pure-Python loop (median of three): how fast the machine is right now.

    Shared virtual machines change speed by up to 2x from one minute to the next: the probe, taken just
    before and after each scenario, says how far two runs can be compared.
    """
    timings = []
    for _ in range(3):
        began = time.process_time()
        total = 0
        for i in range(1_000_000):
            total += i * i
        timings.append((time.process_time() - began) * 1000)
    return statistics.median(timings)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # content warnings are the bot's business, not the benchmark's
    # Explicit handlers: a shell may start this script with SIGINT ignored (a background job).
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    began = time.perf_counter()
    info = machine()
    info["git"] = git_commit()  # at the start: others may commit while a long run goes on
    print(describe(info), flush=True)
    env = dict(os.environ)
    if args.pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(args.pythonpath.resolve()), env.get("PYTHONPATH")])
        )
        print(f"Measured processes import first from {args.pythonpath}", flush=True)
    results: list[JSON] = []
    try:
        busy = other_load()
        if busy > BUSY_WARNING:
            print(
                f"Warning: other processes keep {busy:.1f} of {info['cores']} cores busy; figures will be "
                "lower and noisier (see 'other load' in the tables)",
                flush=True,
            )
        text = campaign_text()
        scenarios = plan(args)
        for index, scenario in enumerate(scenarios, 1):
            print(f"[{index}/{len(scenarios)}] {scenario.label}", flush=True)
            before = speed_probe()
            result = run_scenario(scenario, text, env)
            result["probe_ms"] = [before, speed_probe()]
            results.append(result)
            print(f"    {summary(result)}", flush=True)
            write_results(args, info, results, time.perf_counter() - began, complete=False)
    except BenchFailure as failure:
        print(f"bench: {failure}", file=sys.stderr)
        if results:
            print(
                f"bench: the {len(results)} scenarios measured before are in {args.output}", file=sys.stderr
            )
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug here: one line, not a traceback
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"bench: unexpected {type(error).__name__}: {first}", file=sys.stderr)
        return 1
    total = time.perf_counter() - began
    print()
    print(describe(info))
    print(
        f"Total run time {total / 60:.1f} min; git {info['git']}; paid-limit run at BROADCAST_RATE="
        f"{args.paid_rate:g}/s against the sandbox's 1000/s paid bucket"
    )
    print(report(results, part_b(results)))
    write_results(args, info, results, total, complete=True)
    print(f"\nResults written to {args.output}")
    return 0


def write_results(
    args: argparse.Namespace, info: JSON, results: list[JSON], seconds: float, *, complete: bool
) -> None:
    """The JSON document; rewritten after each scenario, so a failed or interrupted run keeps its figures."""
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": complete,
        "git": info["git"],
        "machine": info,
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "total_seconds": seconds,
        "part_b": part_b(results),
        "results": results,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def summary(result: JSON) -> str:
    line = (
        f"{result['sent']:,} sent in {result['send_seconds']:.1f} s = {result['msgs_per_s']:.1f} msg/s; "
        f"CPU {result['cpu_ms_per_msg']:.2f} ms/msg ({result['cpu_utilisation']:.0%} of a core; sandbox "
        f"{result['sandbox_cpu_utilisation']:.0%}); max RSS {result['max_rss_mib']:.0f} MiB; "
        f"429s {result['sandbox']['too_many_requests']}; seed {result['seed_seconds']:.1f} s; "
        f"probe {result['probe_ms'][0]:.0f}/{result['probe_ms'][1]:.0f} ms; "
        f"other load {result['other_load_cores']:.2f} cores"
    )
    if result["kind"] == "engine":
        line += f"; {result['fraction_of_rate']:.3f} of the rate"
    return line


if __name__ == "__main__":
    sys.exit(main())
