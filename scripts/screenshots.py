"""`make screenshots`: the five page types at 1280 and 390 px, light and dark, for review.

Builds this repository's project into a temporary folder, serves it with the records service
(SQLite, `open` identity, the demo roster), signs in the roster's first person, and writes
`screenshots/<page>-<width>-<scheme>.png` (full pages): home, a role path, a module with its
quiz, My training and the criteria index. Run it from the repository root; it prints each file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from builder.course.manifest import read_manifest  # noqa: E402
from builder.lifecycle.roster import parse_roster  # noqa: E402
from builder.site.build import build_site  # noqa: E402
from builder.store.database import Store  # noqa: E402
from builder.store.queries import import_roster  # noqa: E402
from builder.web.server import ServeConfig, build_app  # noqa: E402
from tests.serving import RunningApp, free_port  # noqa: E402

OUT = REPO / "screenshots"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="trustpath-screens-"))
    try:
        root = tmp / "project"
        root.mkdir()
        for name in ("content", "roles", "site_overrides", "demo"):
            shutil.copytree(REPO / name, root / name)
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        built = build_site(root, site_url=url)
        manifest = read_manifest(built.manifest_path)
        roster_text = (root / "demo/roster.csv").read_text("utf-8")
        person = next(csv.DictReader(roster_text.splitlines()))
        role = person["roles"].split(";")[0]
        first = manifest["roles"][role]["path"][0]["module"]
        pages = {
            "home": "",
            "path": f"paths/{role}/",
            "module": manifest["modules"][first]["url"],
            "my-training": "my-training/",
            "criteria": "criteria/",
        }
        database = f"sqlite:///{tmp / 'records.db'}"
        store = Store(database)
        store.migrate()
        rows = parse_roster(roster_text, set(manifest["roles"]), source="demo/roster.csv")
        import_roster(store, rows, dt.date.today())
        store.close()
        config = ServeConfig(
            database_url=database,
            manifest_path=str(built.manifest_path),
            site_dir=str(built.site_dir),
        )
        OUT.mkdir(exist_ok=True)
        with RunningApp(build_app(config), port), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for width in WIDTHS:
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": 900},
                        color_scheme=scheme,
                        locale="en-US",
                    )
                    email = json.dumps(person["email"])
                    context.add_init_script(f"localStorage.setItem('trustpath.user', {email})")
                    page = context.new_page()
                    for kind, path in pages.items():
                        page.goto(url + path)
                        page.wait_for_load_state("networkidle")
                        target = OUT / f"{kind}-{width}-{scheme}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target.relative_to(REPO))
                    context.close()
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
