"""Adopt without forking: a wheel of TrustPath in a fresh venv, outside this repository, builds
a project made by `trustpath init` with the widgets the plugin brings (issue 14, item 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_a_wheel_in_a_fresh_venv_builds_an_initialised_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outside = tmp_path_factory.mktemp("adopter")
    assert not outside.is_relative_to(REPO)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NO_MKDOCS_2_WARNING="1", NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # the package's sources, copied: setuptools writes build/ beside the sources it builds
    source = outside / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "builder", source / "builder",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    wheels = outside / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        outside, env)  # fmt: skip
    (wheel,) = wheels.glob("trustpath-*.whl")
    venv = outside / "venv"
    run([sys.executable, "-m", "venv", str(venv)], outside, env)
    bin_ = venv / "bin"
    run([str(bin_ / "pip"), "install", "-q", str(wheel)], outside, env)
    run([str(bin_ / "trustpath"), "init", "training", "--organisation", "Acme"], outside, env)
    project = outside / "training"
    run([str(bin_ / "trustpath"), "validate", "--strict"], project, env)
    run([str(bin_ / "mkdocs"), "build", "--strict"], project, env)
    site = project / "site"
    for name in ("api.js", "quiz.js", "ack.js", "feedback.js", "status.js", "trustpath.css",
                 "course.json", "brand.css"):  # fmt: skip
        assert (site / "assets/trustpath" / name).is_file(), name
    page = (site / "everyone/security-basics/index.html").read_text("utf-8")
    assert 'class="trustpath-quiz"' in page and 'id="trustpath-api"' in page
    assert "assets/trustpath/material/base.js" in page  # Material's inline scripts, as files
    assert "<script>" not in page
    # nothing of this checkout was used: the venv's TrustPath is the wheel's
    where = run([str(bin_ / "python"), "-c", "import builder; print(builder.__file__)"], outside, env)
    assert str(venv) in where and str(REPO) not in where
