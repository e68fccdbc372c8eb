"""Timing helpers shared by the benchmarks: whole processes, best and median of N runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A console script from the same environment as this interpreter."""
    candidate = VENV_BIN / name
    return str(candidate) if candidate.exists() else name


def time_process(
    argv: list[str],
    cwd: Path,
    runs: int = 5,
    ok_codes: tuple[int, ...] = (0,),
    env: dict[str, str] | None = None,
    warm: bool = True,
) -> list[float]:
    """Wall-clock seconds of `runs` runs of a whole process (after one warm-up run)."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(
            argv,
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            raise SystemExit(
                f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-2000:]}"
                f"\n{proc.stderr[-2000:]}"
            )
        if i or not warm:
            times.append(elapsed)
    return times


def time_interleaved(
    commands: dict[str, tuple[list[str], tuple[int, ...]]], cwd: Path, runs: int = 7
) -> dict[str, list[float]]:
    """Time several commands alternately (A B A B ...), so that load from other processes
    on a shared machine falls on all of them alike. One warm-up round is discarded."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs + 1):
        for name, (argv, ok_codes) in commands.items():
            elapsed = time_process(argv, cwd, runs=0, ok_codes=ok_codes, warm=False)[0]
            if i:
                times[name].append(elapsed)
    return times


def describe(label: str, times: list[float]) -> str:
    return (
        f"{label:<44} median {statistics.median(times):6.3f} s   "
        f"best {min(times):6.3f} s   ({len(times)} runs)"
    )
