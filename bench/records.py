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

Then, on SQLite and PostgreSQL, a ledger of --dashboard-rows attempts (default 200,000) from
--dashboard-people people on the roster: the attempts' p99 while `GET /api/reports/dashboard`
is being built over and over (issue 10: reports run in a worker process; target p99 ≤ 250
ms), with how many dashboards finished (and failed) and how long each took, then the same
attempts with no dashboard on the same server (what the shared machine gives them right now).

Usage: .venv/bin/python bench/records.py [--seconds 10] [--rounds 3] [--no-postgres]
                                         [--dashboard-rows 200000] [--dashboard-people 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
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


# A fixed TRUSTPATH_SECRET for the bench server, so this script can sign draws as it would.
SECRET = "ce77ec6c46d5c47c1ff100f15fcaf3e16d495b1e406b0f10a851b07fd8c0d96f"
PER_RUN = 60_000  # attempts written per wrk run: more than a run sends


def requests_file(run: int, count: int = PER_RUN) -> Path:
    """`count` attempts for the wrk script, each its own person's with a draw signed for them
    as the service would issue it (TRUSTPATH_SECRET = SECRET): "EMAIL<TAB>BODY" lines."""
    from builder.records.draws import DrawClaims, DrawSigner, draw_key

    path = Path(tempfile.gettempdir()) / f"trustpath-bench-attempts-{os.getpid()}-{run}.txt"
    if path.exists():
        return path
    signer = DrawSigner(draw_key(SECRET.encode()))
    expires = int(time.time()) + 86_400
    answers = {"q1": ["b"], "q2": ["x", "y"], "q3": ["false"]}
    with path.open("w") as out:
        for n in range(count):
            email = f"b{run}-{n}@example.com"
            claims = DrawClaims("bench", 1, signer.person(email), ("q1", "q2", "q3"), n, 0, expires)
            body = {
                "attempt_id": f"{run:08x}-{n >> 16 & 0xFFFF:04x}-4000-8000-{n:012x}",
                "module": "bench",
                "version": 1,
                "answers": answers,
                "draw": signer.sign(claims),
            }
            out.write(f"{email}\t{json.dumps(body, separators=(',', ':'))}\n")
    return path


def wrk(url: str, seconds: int, script: Path | None = None, run: int = 0) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script:
        cmd += ["--", str(run), str(requests_file(run))]
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
    env = {"TRUSTPATH_SERVE_CONFIG": config.to_env(), "TRUSTPATH_SECRET": SECRET}
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


ADMIN_TOKEN = "f3a9c2e17b5d4086" * 4  # 64 hex digits: `serve` refuses weaker tokens


def large_ledger(url: str, rows: int, people: int) -> None:
    """A roster of `people` and `rows` graded attempts over the last year, appended directly."""
    from builder.lifecycle.roster import RosterRow
    from builder.store import seed
    from builder.store.queries import import_roster

    rng = random.Random(10)
    store = Store(url)
    store.migrate()
    try:
        roster = [
            RosterRow(n + 2, f"r{n}@example.com", f"Person {n}", f"Dept {n % 12}", ("all-staff",),
                      dt.date(2025, 1, 1) + dt.timedelta(days=n % 300), None, "active",
                      "employee", "")
            for n in range(people)
        ]  # fmt: skip
        import_roster(store, roster, dt.date(2025, 1, 1))
        with store.transaction() as conn:
            ids = [pid for (pid,) in conn.exec_driver_sql("SELECT person_id FROM people")]
        base = dt.datetime(2025, 11, 1)

        def records() -> Any:
            for _ in range(rows):
                at = base + dt.timedelta(seconds=rng.randint(0, 360 * 86400))
                answers = [{"id": q, "selected": [rng.choice("ab")], "correct": rng.random() < 0.7}
                           for q in ("q1", "q2", "q3")]  # fmt: skip
                right = sum(a["correct"] for a in answers)
                yield seed.attempt(rng.choice(ids), "bench", 1,
                                   at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), right == 3,
                                   round(right / 3, 4), answers)  # fmt: skip

        seed.append_records(store, records())
    finally:
        store.close()


def dashboard_run(
    database: str, seconds: int, workdir: Path, workers: int, rows: int, people: int
) -> dict[str, Any]:
    """Attempts under wrk while a client keeps building the dashboard over a large ledger."""
    path = workdir / "manifest.json"
    path.write_text(json.dumps(manifest()))
    url = resolve_database_url(workdir, database)
    started = time.perf_counter()
    large_ledger(url, rows, people)
    print(f"  ledger of {rows:,} attempts written in {time.perf_counter() - started:.0f} s")
    env = {
        # the same count-only limits as the throughput runs: every attempt is graded, none 429
        "TRUSTPATH_SERVE_CONFIG": ServeConfig(
            database_url=url, manifest_path=str(path), rate_limits=COUNT_ONLY
        ).to_env(),
        "TRUSTPATH_ADMIN_TOKEN": ADMIN_TOKEN,
        "TRUSTPATH_SECRET": SECRET,
    }
    port = free_port()
    proc = start("builder.web.server:app_from_env", port, env, workers, factory=True)
    durations: list[float] = []
    failures: list[str] = []  # dashboards that did not answer 200: "STATUS code"
    stop = threading.Event()

    def dashboard(client: httpx.Client) -> bool:
        res = client.get(f"http://127.0.0.1:{port}/api/reports/dashboard",
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})  # fmt: skip
        if res.status_code == 200 and "training report" in res.text:
            return True
        code = res.json().get("error", {}).get("code", "?") if res.content[:1] == b"{" else "?"
        failures.append(f"{res.status_code} {code}")
        return False

    def build_dashboards() -> None:
        with httpx.Client(timeout=600) as client:
            while not stop.is_set():
                t0 = time.perf_counter()
                if dashboard(client):
                    durations.append(time.perf_counter() - t0)

    try:
        wrk(f"http://127.0.0.1:{port}/api/attempts", 2, LUA, 5000)  # warm-up
        with httpx.Client(timeout=600) as client:
            t0 = time.perf_counter()
            dashboard(client)
            first = time.perf_counter() - t0  # also starts the report worker
        # the same load with no dashboard: what the machine gives the attempts right now
        idle = wrk(f"http://127.0.0.1:{port}/api/attempts", seconds, LUA, 5002)
        builder = threading.Thread(target=build_dashboards, daemon=True)
        builder.start()
        time.sleep(0.5)  # a dashboard is under way before the load starts
        figures = wrk(f"http://127.0.0.1:{port}/api/attempts", seconds, LUA, 5001)
        stop.set()
        builder.join(600)
        worker_mib = report_worker_peak_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    return {**figures, "dashboards": len(durations), "first": first, "worker_mib": worker_mib,
            "dashboard": median(durations) if durations else float("nan"),
            "idle_rps": idle["rps"], "idle_p99": idle["p99"],
            "failures": ", ".join(failures) or "none"}  # fmt: skip


def report_worker_peak_mib(root: int) -> float:
    """The largest peak resident memory (VmHWM, MiB) of the report worker processes (named
    `trustpath-rpt`) under process `root` (0 when there is none, or no /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    peak = 0.0
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, root):
            ancestor = parents.get(ancestor)
        if ancestor != root:
            continue
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "trustpath-rpt":
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return peak


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
    parser.add_argument("--dashboard-rows", type=int, default=200_000)
    parser.add_argument("--dashboard-people", type=int, default=5_000)
    parser.add_argument("--only-dashboard", action="store_true", help="skip the throughput runs")
    args = parser.parse_args()
    if args.only_dashboard:
        args.rounds = 0
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
        dashboard_figures(args, work)
        if not runs:
            return
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


def dashboard_figures(args: argparse.Namespace, work: Path) -> None:
    """The attempts' p99 while dashboards are built, on SQLite and (unless --no-postgres) PG."""
    rows, people = args.dashboard_rows, args.dashboard_people
    sqlite = dashboard_run(str(work / "dashboard.db"), args.seconds, work, 1, rows, people)
    print(
        f"while building dashboards over {rows:,} attempts, SQLite, 1 worker: "
        f"{sqlite['rps']:,.0f} attempts/s, p50 {sqlite['p50']:.1f} ms, p99 {sqlite['p99']:.1f} ms "
        f"({sqlite['created']:,.0f} answered 201, {sqlite['others']:,.0f} other; "
        f"{sqlite['dashboards']:.0f} dashboards finished meanwhile, median "
        f"{sqlite['dashboard']:.1f} s each, first {sqlite['first']:.1f} s; dashboards that "
        f"failed: {sqlite['failures']}; report worker peak {sqlite['worker_mib']:.0f} MiB; "
        f"target p99 <= 250 ms); without a dashboard, same "
        f"server: {sqlite['idle_rps']:,.0f} attempts/s, p99 {sqlite['idle_p99']:.1f} ms; "
        f"load {load()}"
    )
    if args.no_postgres:
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from pg import PgServer

    server = PgServer()
    try:
        pg = dashboard_run(server.new_database(), args.seconds, work, 2, rows, people)
    finally:
        server.stop()
    print(
        f"while building dashboards over {rows:,} attempts, PostgreSQL, 2 workers: "
        f"{pg['rps']:,.0f} attempts/s, p50 {pg['p50']:.1f} ms, p99 {pg['p99']:.1f} ms "
        f"({pg['dashboards']:.0f} dashboards finished meanwhile, median {pg['dashboard']:.1f} s "
        f"each, first {pg['first']:.1f} s; dashboards that failed: {pg['failures']}; report "
        f"worker peak {pg['worker_mib']:.0f} MiB; target "
        f"p99 <= 250 ms); without a dashboard, same server: {pg['idle_rps']:,.0f} attempts/s, "
        f"p99 {pg['idle_p99']:.1f} ms; load {load()}"
    )


if __name__ == "__main__":
    main()
