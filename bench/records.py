"""Records service throughput: graded, durable attempts/s against a bare Starlette route.

Starts uvicorn (uvloop, httptools, one worker, no access log) on loopback, drives it with wrk
(64 connections; bench/records_attempts.lua POSTs a unique valid attempt per request, identity
`open` with a header), then runs a bare Starlette route returning a constant JSON under the
same server settings, with plain GETs and with the attempts' own POST requests (same wrk
script: the two then differ only in what the server does). Attempts and bare runs alternate
for --rounds rounds (the machines are shared and noisy); prints each round with the load
average, then the medians: attempts/s with p50/p99 latency, the bare route's requests/s, the
PostgreSQL figures (a throwaway server, two workers), the medians of the rounds' ratios, and
last what issue 15's hardening costs: each round also serves the attempts with the security
headers, the rate limiter (limits set high enough that every request is counted and none
refused) and the guarded HTTP protocol all off, and the last line is the median of
attempts/s with them on over attempts/s with them off.

Targets (issue 6, SQLite, one worker): ≥ 4,000 attempts/s, p99 ≤ 50 ms, ratio ≥ 0.25.
Target (issue 15): hardening on/off ≥ 0.90 (costs at most 10 % of graded attempts per second).

Usage: .venv/bin/python bench/records.py [--seconds 10] [--rounds 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.ledger.chain import verify_rows  # noqa: E402
from builder.store.database import Store, resolve_database_url  # noqa: E402
from builder.web.server import ServeConfig  # noqa: E402

LUA = Path(__file__).with_name("records_attempts.lua")
CONNECTIONS = 64

# A bare Starlette route for comparison: uvicorn imports it from this file (`records:bare_app`).
try:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def _constant(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "seq": 1, "hash": "0" * 64})

    bare_app = Starlette(routes=[Route("/api/constant", _constant, methods=["GET", "POST"])])
except ImportError:  # pragma: no cover
    bare_app = None


def manifest() -> dict[str, Any]:
    """One module with three questions (single, multiple, true/false)."""

    def choice(cid: str, correct: bool) -> dict[str, Any]:
        return {"id": cid, "text": cid, "correct": correct, "feedback": f"about {cid}"}

    questions = [
        {
            "id": "q1",
            "type": "single",
            "prompt": "?",
            "explain": "e1",
            "choices": [choice("a", False), choice("b", True)],
            "correct": ["b"],
        },
        {
            "id": "q2",
            "type": "multiple",
            "prompt": "?",
            "explain": "e2",
            "choices": [choice("x", True), choice("y", True), choice("z", False)],
            "correct": ["x", "y"],
        },
        {
            "id": "q3",
            "type": "true_false",
            "prompt": "?",
            "explain": "e3",
            "choices": [choice("true", False), choice("false", True)],
            "correct": ["false"],
        },
    ]
    module = {
        "id": "bench",
        "title": "Bench",
        "version": 1,
        "content_sha256": "0" * 64,
        "criteria": ["CC2.2"],
        "roles": ["all-staff"],
        "acknowledge": None,
        "quiz": {"pass_mark": 80, "reveal": "after_pass", "questions": questions},
    }
    return {
        "format": 1,
        "commit": "bench",
        "modules": {"bench": module},
        "roles": {"all-staff": {"id": "all-staff", "path": [{"module": "bench"}]}},
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


GUARDED = "builder.cli.http_limits:GuardedHttpToolsProtocol"
# High enough that no bench request is refused, so every one pays for being counted.
COUNT_ONLY = {
    "attempts": {"person": "100000000/minute;1000000000/hour", "address": "100000000/minute"}
}


def start(
    target: str,
    port: int,
    env: dict[str, str],
    workers: int = 1,
    factory: bool = False,
    http: str = "httptools",
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        http,
        "--no-access-log",
        "--no-proxy-headers",
        "--log-level",
        "warning",
        "--app-dir",
        str(Path(__file__).parent),
    ]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def wrk(url: str, seconds: int, script: Path | None = None, run: int = 0) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script:
        cmd += ["--", str(run)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    tp = re.search(r"TP created=(\d+) others=(\d+) p50_us=(\d+) p99_us=(\d+)", out)
    if tp:
        figures.update(
            created=int(tp.group(1)),
            others=int(tp.group(2)),
            p50=int(tp.group(3)) / 1000,
            p99=int(tp.group(4)) / 1000,
        )
    return figures


def attempts_run(
    database: str, seconds: int, workdir: Path, workers: int, run: int, hardening: bool = True
) -> dict[str, float]:
    """Serve the records app on `database`, drive it with wrk, check the ledger afterwards.

    `hardening`: security headers, rate limiter (COUNT_ONLY) and guarded protocol, or none.
    """
    path = workdir / "manifest.json"
    path.write_text(json.dumps(manifest()))
    url = resolve_database_url(workdir, database)
    config = ServeConfig(
        database_url=url, manifest_path=str(path), rate_limits=COUNT_ONLY, hardening=hardening
    )
    env = {"TRUSTPATH_SERVE_CONFIG": config.to_env()}
    port = free_port()
    http = GUARDED if hardening else "httptools"
    proc = start("builder.web.server:app_from_env", port, env, workers, factory=True, http=http)
    try:
        wrk(f"http://127.0.0.1:{port}/api/attempts", 2, LUA, run + 1)  # warm-up
        figures = wrk(f"http://127.0.0.1:{port}/api/attempts", seconds, LUA, run)
    finally:
        proc.terminate()
        proc.wait()
    store = Store(url)
    verdict = verify_rows(store.iter_rows(), store.head())
    store.close()
    if not verdict.ok:
        raise SystemExit(f"ledger check failed: {verdict}")
    figures["stored"] = verdict.rows
    return figures


def bare_run(seconds: int) -> tuple[dict[str, float], dict[str, float]]:
    """The bare route under the same uvicorn settings: (GET, the attempts' own POSTs).

    The second run sends the very requests of the attempts run (same wrk script, headers and
    body; the route ignores the body), so the two differ only in what the server does.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/constant"
    proc = start("records:bare_app", port, {})
    try:
        wrk(url, 2)  # warm-up, as for the attempts
        return wrk(url, seconds), wrk(url, seconds, LUA, 0)
    finally:
        proc.terminate()
        proc.wait()


def load() -> str:
    """The 1/5/15-minute load averages: on a shared machine, read the figures against these."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--rounds", type=int, default=3, help="attempts and bare runs, alternated (medians)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustpath-bench-") as tmp:
        work = Path(tmp)
        runs: list[tuple[dict[str, float], dict[str, float], dict[str, float]]] = []
        hardening: list[float] = []  # attempts/s with the hardening on / off, per round
        for n in range(args.rounds):
            before = load()
            sqlite = attempts_run(str(work / "records.db"), args.seconds, work, 1, run=10 + 2 * n)
            plain = attempts_run(
                str(work / "plain.db"), args.seconds, work, 1, run=500 + 2 * n, hardening=False
            )
            hardening.append(sqlite["rps"] / plain["rps"])
            bare, bare_post = bare_run(args.seconds)
            runs.append((sqlite, bare, bare_post))
            print(
                f"round {n + 1}: {sqlite['rps']:,.0f} attempts/s (p50 {sqlite['p50']:.1f} ms, "
                f"p99 {sqlite['p99']:.1f} ms, {sqlite['created']:,} answered 201, "
                f"{sqlite['others']:,} other), bare {bare['rps']:,.0f} GET/s and "
                f"{bare_post['rps']:,.0f} POST/s, ratio {sqlite['rps'] / bare['rps']:.2f} "
                f"({sqlite['rps'] / bare_post['rps']:.2f} against POST); without the "
                f"hardening {plain['rps']:,.0f} attempts/s ({plain['others']:,} other), "
                f"on/off {hardening[-1]:.2f}; load {before} -> {load()}"
            )
        stored = max(a["stored"] for a, _, _ in runs)
        print(
            f"SQLite, 1 worker, {CONNECTIONS} connections: "
            f"{median([a['rps'] for a, _, _ in runs]):,.0f} graded durable attempts/s, "
            f"p50 {median([a['p50'] for a, _, _ in runs]):.1f} ms, "
            f"p99 {median([a['p99'] for a, _, _ in runs]):.1f} ms "
            f"(medians of {len(runs)} runs; {stored:,} ledger rows verified)"
        )
        print(
            "bare Starlette route, same settings: "
            f"{median([b['rps'] for _, b, _ in runs]):,.0f} requests/s (GET), "
            f"{median([p['rps'] for _, _, p in runs]):,.0f} requests/s "
            "(the attempts' own POST requests; medians)"
        )
        if not args.no_postgres:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg import PgServer  # the tests' throwaway server (initdb + pg_ctl, as postgres)

            server = PgServer()
            try:
                pg = attempts_run(server.new_database(), args.seconds, work, 2, run=1000)
            finally:
                server.stop()
            print(
                f"PostgreSQL, 2 workers, {CONNECTIONS} connections: {pg['rps']:,.0f} attempts/s, "
                f"p50 {pg['p50']:.1f} ms, p99 {pg['p99']:.1f} ms "
                "(throwaway server with fsync off; ledger verified)"
            )
        print(
            f"ratio attempts/bare: {median([a['rps'] / b['rps'] for a, b, _ in runs]):.2f} "
            f"against GET, {median([a['rps'] / p['rps'] for a, _, p in runs]):.2f} against the "
            f"same POSTs (medians of the rounds' ratios; targets: >= 4000 attempts/s, "
            f"p99 <= 50 ms, ratio >= 0.25; load {load()})"
        )
        print(
            f"hardening cost (issue 15): attempts/s with security headers, rate limiter and "
            f"server limits on / off = {median(hardening):.3f} (median of {len(hardening)} "
            f"rounds: {', '.join(f'{h:.3f}' for h in hardening)}; target >= 0.90)"
        )


if __name__ == "__main__":
    main()
