"""Benchmark: `trustpath validate` against a process that only parses the front matter.

Generates 1,000 modules (each with a 5-question quiz) and 10 roles, then times, in the same
run, `trustpath validate` as a whole process and a baseline process that reads the same files
and parses their front matter with yaml.CSafeLoader. Targets (issue 16): ratio <= 1.3,
validate <= 1.5 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _generate import generate
from _timing import describe, time_interleaved, tool

BASELINE = r"""
import pathlib, yaml
files = sorted(pathlib.Path("content").rglob("*.md"))
for path in files + sorted(pathlib.Path("roles").glob("*.yml")):
    text = path.read_text("utf-8")
    if path.suffix == ".md":
        text = text.split("\n---\n", 1)[0].removeprefix("---\n")
    yaml.load(text, Loader=yaml.CSafeLoader)
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="trustpath-bench-") as tmp:
        root = generate(Path(tmp), modules=1000, roles=10)
        times = time_interleaved(
            {
                "validate": ([tool("trustpath"), "validate"], (0,)),
                "baseline": ([sys.executable, "-c", BASELINE], (0,)),
            },
            root,
        )
        ours, base = times["validate"], times["baseline"]
    print(describe("trustpath validate (1,000 modules, 10 roles)", ours))
    print(describe("baseline: read + CSafeLoader front matter", base))
    ratio = statistics.median(ours) / statistics.median(base)
    print(
        f"validate {statistics.median(ours):.3f} s (target <= 1.5 s); "
        f"ratio validate/baseline = {ratio:.2f} (target <= 1.3)"
    )


if __name__ == "__main__":
    main()
