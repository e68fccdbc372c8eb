"""`trustpath serve --watch` as an author runs it: a real process on loopback, real edits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import free_port
from tests.sitefixture import copy_fixture

TRUSTPATH = Path(sys.executable).parent / "trustpath"
USER = {"X-TrustPath-User": "author@example.com"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = copy_fixture(tmp_path / "project")
    (root / "overrides").mkdir()
    config = root / "mkdocs.yml"
    config.write_text(re.sub(r"custom_dir: .*", "custom_dir: overrides", config.read_text()))
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(TRUSTPATH), "serve", "--watch", "--port", str(port)],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: httpx.get(url + "/api/health").status_code == 200, 60)
        yield root, url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def until(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the condition never held")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_watch_rebuilds_shows_errors_in_the_page_and_keeps_the_api(
    served: tuple[Path, str],
) -> None:
    root, url = served
    page = url + "/basics/intro/"
    assert "Introduction to security" in httpx.get(page).text
    intro = root / "content/basics/intro.md"
    edit(intro, "title: Introduction to security", "title: Security, first steps")
    until(lambda: "Security, first steps" in httpx.get(page).text)
    # a content error: the page says so, with the diagnostic; the API still answers
    edit(intro, "criteria: [CC2.2]", "criteria: [CC9.9]")
    until(lambda: httpx.get(page).status_code == 503 and "did not build" in httpx.get(page).text)
    shown = httpx.get(page)
    assert "content/basics/intro.md:" in shown.text and "error[" in shown.text
    assert '<meta http-equiv="refresh"' in shown.text
    assert shown.headers["content-security-policy"].startswith("default-src 'self'")
    assert httpx.get(url + "/api/health").status_code == 200
    # fixed, and a new version: the service grades against the new build without a restart
    edit(intro, "criteria: [CC9.9]", "criteria: [CC2.2]")
    edit(intro, "version: 3", "version: 4")
    until(lambda: httpx.get(page).status_code == 200)
    draw = httpx.get(url + "/api/quiz/intro/draw", headers=USER).json()
    body = {
        "attempt_id": str(uuid.uuid4()), "module": "intro", "version": 4, "draw": draw["draw"],
        "answers": {"report-where": ["security"], "click-ok": ["false"]},
    }  # fmt: skip
    answer = httpx.post(url + "/api/attempts", json=body, headers=USER)
    assert answer.status_code == 201, answer.text
    assert answer.json()["passed"] is True
    # the project's custom_dir (site_overrides/ in the starter) is watched too
    styles = root / "overrides/assets/trustpath/trustpath.css"
    styles.parent.mkdir(parents=True)
    styles.write_text("/* the project's own styles */")
    css = url + "/assets/trustpath/trustpath.css"
    until(lambda: httpx.get(css).text == "/* the project's own styles */")


def test_watch_refuses_workers_and_no_build(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    done = subprocess.run(
        [str(TRUSTPATH), "serve", "--watch", "--no-build"], cwd=root, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--watch rebuilds in one process" in done.stderr
