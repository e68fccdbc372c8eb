"""`trustpath records transcript` (HTML and PDF, A4 and Letter) and `GET /api/me/transcript`."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder.course.model import load_course
from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import AppClient, app_client
from tests.loop_data import AS_OF, loop_setup, run

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def loop(tmp_path: Path) -> tuple[Path, str]:
    root, url, _, _ = loop_setup(tmp_path)
    return root, url


def seqs(url: str, email: str) -> dict[str, list[int]]:
    """kind -> the seqs of one person's ledger entries."""
    store = Store(url)
    with store.transaction() as conn:
        rows = conn.exec_driver_sql(
            "SELECT l.kind, l.seq FROM ledger l JOIN people p ON p.person_id = l.person_id "
            "WHERE p.email = ? ORDER BY l.seq",
            (email,),
        ).all()
    store.close()
    out: dict[str, list[int]] = {}
    for kind, seq in rows:
        out.setdefault(kind, []).append(seq)
    return out


def test_the_html_transcript_lists_path_modules_records_with_seqs_and_the_head(
    loop: tuple[Path, str],
) -> None:
    root, url = loop
    result = run(root, url, "transcript", "ada@acme.test", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    html = result.output
    assert "<title>Training transcript: Ada Lovelace - Acme Corp</title>" in html
    rows = {m[0]: m for m in re.findall(
        r'<tr><td>([^<]+)<br><span class="hash">[^<]+</span></td><td>(\d+)</td>'
        r'<td class="(\w+)">[^<]+</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>'
        r"<td>(\d+)</td>", html)}  # fmt: skip
    assert set(rows) == {"Spotting phishing", "Acceptable use policy", "Incident response drill",
                         "Leaving Acme"}  # fmt: skip
    # The workshop is done by attendance (60 min >= 45) on the session's date.
    assert rows["Incident response drill"][2:5] == ("done", "2027-02-10", "2026-02-10")
    assert rows["Spotting phishing"][1:] == ("1", "done", "2027-01-10", "2026-01-10", "100 %", "1")
    assert rows["Acceptable use policy"][1:3] == ("2", "done")
    mine = seqs(url, "ada@acme.test")
    for seq in mine["attempt"] + mine["ack"] + mine["attendance"]:
        assert f"<tr><td>{seq}</td>" in html  # every record with its seq
    assert "2026-02-10, 60 min (seq" in html
    store = Store(url)
    head = store.head()
    store.close()
    assert f"{head.seq}:{head.hash}" in html
    assert re.search(r"v2 on 2026-03-05 \(seq \d+, statement <span class=\"hash\">1{64}", html)


def test_short_attendance_does_not_complete_the_workshop_in_the_transcript(
    loop: tuple[Path, str],
) -> None:
    root, url = loop
    html = run(root, url, "transcript", "dan@acme.test", "--as-of", AS_OF).output
    drill = html.split("Incident response drill")[1].split("</tr>")[0]
    assert '<td class="overdue">Overdue</td>' in drill
    assert "2026-03-10, 30 min (seq" in drill  # shown, but short of min_minutes


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_pdf_reads_back_with_titles_dates_and_seqs(
    loop: tuple[Path, str], tmp_path: Path, paper: str, size: tuple[int, int]
) -> None:
    root, url = loop
    out = tmp_path / "ada.pdf"
    result = run(root, url, "transcript", "ada@acme.test", "-o", str(out), "--paper", paper,
                 "--as-of", AS_OF)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: 3 of 4 modules done, 4 records")
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    for needle in (
        "Training transcript",
        "Acme Corp",
        "Ada Lovelace <ada@acme.test>",
        "Spotting phishing",
        "Incident response drill",
        "Acceptable use policy",
        "2026-02-10",
        "2026-01-10",
        "2026-03-05",
        "attended 2026-02-10 60 min",
    ):
        assert needle in text, needle  # fmt: skip
    mine = seqs(url, "ada@acme.test")
    for seq in mine["attempt"] + mine["ack"] + mine["attendance"]:
        assert re.search(rf"\bseq {seq}\b|^{seq}\b| {seq} 20", text), seq
    store = Store(url)
    head = store.head()
    store.close()
    assert f"Ledger head {head.seq}:{head.hash[:20]}" in text


def test_an_unknown_person_and_a_bad_output_name_are_clear_errors(
    loop: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = loop
    result = run(root, url, "transcript", "nobody@acme.test")
    assert result.exit_code == 1
    assert "nobody on the roster has the email 'nobody@acme.test'" in result.output
    result = run(root, url, "transcript", "ada@acme.test", "-o", str(tmp_path / "x.docx"))
    assert result.exit_code == 2 and "must end in .html or .pdf" in result.output


@pytest.mark.browser
def test_the_html_transcript_passes_axe_and_fits_a4_and_letter(
    loop: tuple[Path, str], tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from axe_playwright_python.sync_playwright import Axe

    root, url = loop
    out = tmp_path / "ada.html"
    assert run(root, url, "transcript", "ada@acme.test", "-o", str(out)).exit_code == 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(out.as_uri())
            results = Axe().run(page)
            bad = [
                f"{v['id']} ({v['impact']})"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not bad, bad
            page.emulate_media(media="print")
            # The printable width of A4 (210 mm) and Letter (8.5 in) less 12 mm margins.
            for width_mm in (186, 191.9):
                page.set_viewport_size({"width": int(width_mm / 25.4 * 96), "height": 1000})
                wide = page.evaluate(
                    "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
                )
                assert wide <= 0, f"{width_mm} mm: {wide} px cut off"
            for paper in ("A4", "Letter"):
                assert page.pdf(format=paper).startswith(b"%PDF")
        finally:
            browser.close()


@pytest.fixture
def client(loop: tuple[Path, str]) -> Iterator[AppClient]:
    root, url = loop
    service = RecordsService(load_course(root).raw, Store(url), IdentityConfig())
    try:
        with app_client(create_app(service), ("127.0.0.1", 50000)) as c:
            yield c
    finally:
        service.store.close()


def test_me_transcript_is_the_callers_own_html(client: AppClient) -> None:
    r = client.get("/api/me/transcript", headers={"X-TrustPath-User": "ADA@acme.test"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Training transcript</h1>" in r.text and "Ada Lovelace" in r.text
    assert "dan@acme.test" not in r.text
    assert "script-src" not in r.headers["content-security-policy"]  # no script at all
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_me_transcript_errors_have_the_one_shape(client: AppClient) -> None:
    r = client.get("/api/me/transcript", headers={"X-TrustPath-User": "guest@example.org"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_on_roster"
    r = client.get("/api/me/transcript")
    assert r.status_code == 401
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_me_counts_a_workshop_completed_by_attendance(client: AppClient) -> None:
    ada = client.get("/api/me", headers={"X-TrustPath-User": "ada@acme.test"}).json()
    assert ada["modules"]["incident-drill"]["completed"] == "2026-02-10"
    dan = client.get("/api/me", headers={"X-TrustPath-User": "dan@acme.test"}).json()
    assert dan["modules"]["incident-drill"]["completed"] is None  # 30 minutes: too short
    assert dan["modules"]["incident-drill"]["status"] == "overdue"
