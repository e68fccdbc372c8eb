"""Benchmark: `trustpath coverage` against `trustpath validate` on the same project.

Generates 1,000 modules and 20 roles and times both commands as whole processes in the same
run. Coverage loads and validates the same files, then builds 20 paths and the matrix, so the
ratio shows what paths and coverage cost beyond loading. Target: ratio <= 1.3.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _generate import generate
from _timing import describe, time_interleaved, tool


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="trustpath-bench-") as tmp:
        root = generate(Path(tmp), modules=1000, roles=20)
        # Coverage exits 1 when a synthetic role misses a criterion; both outcomes are timed.
        times = time_interleaved(
            {
                "coverage": ([tool("trustpath"), "coverage"], (0, 1)),
                "validate": ([tool("trustpath"), "validate"], (0,)),
            },
            root,
        )
        cov, val = times["coverage"], times["validate"]
    print(describe("trustpath coverage (1,000 modules, 20 roles)", cov))
    print(describe("trustpath validate (same project)", val))
    ratio = statistics.median(cov) / statistics.median(val)
    print(f"ratio coverage/validate = {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
