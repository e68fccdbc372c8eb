"""Benchmark: `trustpath build` against a plain `mkdocs build` of the same Markdown bodies.

Generates 1,000 modules (half with a five-question quiz) and 10 roles in a temporary folder,
then a twin project holding only the bodies (no front matter, no plugin) with the same theme
settings. Both builds run alternately in the same run; the last line is the ratio
(target: <= 1.3).

    python bench/build.py [--modules 1000] [--roles 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _generate import generate
from _timing import describe, time_interleaved, tool

from builder.curriculum.loader import split_front_matter

OVERRIDES = Path(__file__).resolve().parent.parent / "site_overrides"
THEME = f"""site_name: bench
site_url: http://127.0.0.1:8000/
docs_dir: content
theme:
  name: material
  custom_dir: {OVERRIDES}
  font: false
  features: [navigation.instant, navigation.prune, navigation.sections]
  palette:
    - scheme: default
      toggle: {{icon: material/weather-night, name: Switch to dark mode}}
    - scheme: slate
      toggle: {{icon: material/weather-sunny, name: Switch to light mode}}
plugins:
  - search
@PLUGIN@
markdown_extensions: [admonition, attr_list, md_in_html, tables, toc]
"""


def make_projects(base: Path, modules: int, roles: int) -> tuple[Path, Path]:
    """The TrustPath project and its plain twin (bodies only, no plugin)."""
    full = generate(base / "trustpath", modules, roles, quiz_share=0.5)
    plugin = "  - trustpath:\n      categories: [security, confidentiality]"
    (full / "mkdocs.yml").write_text(THEME.replace("@PLUGIN@", plugin))
    plain = base / "plain"
    for source in sorted((full / "content").rglob("*.md")):
        target = plain / source.relative_to(full)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(split_front_matter(source.read_text("utf-8")).body, "utf-8")
    (plain / "mkdocs.yml").write_text(THEME.replace("@PLUGIN@", ""))
    return full, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustpath-bench-") as tmp:
        full, plain = make_projects(Path(tmp), args.modules, args.roles)
        times = time_interleaved(
            {
                "trustpath": (
                    [tool("trustpath"), "--project", str(full), "build"],
                    (0,),
                ),
                "mkdocs": (
                    [tool("mkdocs"), "build", "--strict", "-f", str(plain / "mkdocs.yml")],
                    (0,),
                ),
            },
            Path(tmp),
            runs=args.runs,
        )
    print(f"{args.modules} modules (half with quizzes), {args.roles} roles")
    print(describe("trustpath build", times["trustpath"]))
    print(describe("mkdocs build (same bodies, no plugin)", times["mkdocs"]))
    ratio = statistics.median(times["trustpath"]) / statistics.median(times["mkdocs"])
    print(f"ratio trustpath/mkdocs (median): {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
