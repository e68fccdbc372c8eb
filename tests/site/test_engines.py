"""A second engine: the site builds unchanged with ProperDocs 1.6 and with MkDocs 1.6.1.

Each engine runs in its own process (ProperDocs aliases `mkdocs.*` for the whole process).
The generated pages must be identical but for the generator `<meta>`, and the manifests
identical but for the build time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.sitefixture import copy_fixture

TRUSTPATH = Path(sys.executable).parent / "trustpath"
_GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _build(root: Path, engine: str, out: Path) -> dict[str, object]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    done = subprocess.run(
        [str(TRUSTPATH), "--project", str(root), "build", "--engine", engine, "--site-dir",
         str(out)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    manifest: dict[str, object] = json.loads((root / ".trustpath/manifest.json").read_text())
    manifest.pop("built_at", None)
    return manifest


def _pages(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): _GENERATOR.sub(b"", p.read_bytes())
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def test_mkdocs_and_properdocs_build_the_same_pages_and_manifest(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    with_mkdocs = _build(root, "mkdocs", tmp_path / "mkdocs-site")
    with_properdocs = _build(root, "properdocs", tmp_path / "properdocs-site")
    assert with_mkdocs == with_properdocs
    mkdocs_pages = _pages(tmp_path / "mkdocs-site")
    properdocs_pages = _pages(tmp_path / "properdocs-site")
    assert sorted(mkdocs_pages) == sorted(properdocs_pages)
    assert "basics/intro/index.html" in mkdocs_pages
    different = [name for name in mkdocs_pages if mkdocs_pages[name] != properdocs_pages[name]]
    assert different == []
    generators = re.findall(
        rb'<meta name="generator" content="([^"]*)">',
        (tmp_path / "properdocs-site/basics/intro/index.html").read_bytes(),
    )
    assert generators and b"ProperDocs 1.6" in generators[0]


def test_an_engine_is_chosen_once_per_process() -> None:
    code = (
        "from pathlib import Path\n"
        "from builder.site.build import SiteBuildError, build_site\n"
        "import mkdocs.config\n"
        "try:\n"
        "    build_site(Path('.'), engine='properdocs')\n"
        "except SiteBuildError as exc:\n"
        "    print(exc.messages[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == (
        "MkDocs is already loaded in this process; build with ProperDocs in a new one"
    )
