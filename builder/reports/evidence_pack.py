"""The auditor's evidence pack (`trustpath records evidence-pack`): one folder (or zip) for an
audit window, laid out as DESIGN §11 says.

    index.html                         for the auditor (see `pack_index.py`)
    SHA256SUMS                         `sha256sum -c` format, every other file
    populations/{new-hires,leavers,active}.csv    `export --population`'s rows, sorted
    completion/by-department.csv, completion/by-role.csv
    records/attempts.csv, acknowledgements.csv, attendance.csv, reminders.csv, all.jsonl
    acknowledgements/<module>-v<N>.csv who attested each policy version, and when
    sources/<module>/v<N>.md           each module version in force in the window, from git
    coverage.md                        the criteria x roles matrix at the end of the window

Days are the organisation's: the window is from the start of `start` to the end of `end` in
its zone. States (populations, completion) are as of `as_of` (default: the window's end):
records made by the end of that day. Module versions in force in the window are the one
published last before it starts and every one published in it. Everything is computed by the
report functions the other commands use (`population_report`, `completion_rows`, the
evidence records of `export`), so the pack agrees with them. The coverage matrix comes from
the caller (the CLI computes it with `builder.coverage` at the end-of-window commit, since
reports never load the curriculum themselves).

Two runs with the same inputs write the same bytes, except the generated-at line of
`index.html` (and so the index's line in `SHA256SUMS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.reports.due import COMPLETION_COLUMNS, completion_rows, module_titles
from builder.reports.evidence import population_report, population_row
from builder.reports.export import EVIDENCE_COLUMNS, POPULATION_COLUMNS, csv_text, evidence_record
from builder.reports.period import as_of_for
from builder.reports.sources import VersionSource, version_source
from builder.store.database import Store
from builder.store.pack_queries import acknowledgements_until, window_entries
from builder.store.queries import load_first_seen
from builder.store.verify import verify_all

ATTENDANCE_COLUMNS = (
    "seq", "record_id", "email", "name", "department", "person_id", "module", "version",
    "session_date", "minutes", "min_minutes", "completes", "source", "recorded_at",
    "record_hash",
)  # fmt: skip
REMINDER_COLUMNS = (
    "seq", "email", "person_id", "channel", "message", "as_of", "items", "recorded_at",
    "record_hash",
)  # fmt: skip
ACK_COLUMNS = (
    "seq", "email", "name", "department", "version", "statement_sha256", "recorded_at", "day",
    "in_window",
)  # fmt: skip
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same inputs, the same archive


class PackError(TrustPathError):
    """The pack's arguments are wrong, or its folder cannot be written."""


@dataclass(frozen=True)
class Coverage:
    """The coverage matrix handed in by the caller: Markdown, and the commit it is of."""

    markdown: str
    commit: str | None
    note: str = ""


@dataclass
class PackFile:
    path: str  # relative, POSIX
    describe: str
    data: bytes
    rows: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Pack:
    """What the pack holds before it is written; `files` excludes index.html and SHA256SUMS."""

    organisation: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    timezone: str
    head: str
    verify_ok: bool
    verify_text: str
    build_commit: str | None
    coverage: Coverage
    sources: list[tuple[VersionSource, list[str]]]  # with the published content hashes
    populations: dict[str, tuple[int, int]]  # name -> (people, items)
    scope: list[tuple[str, str, int]]  # role id, title, modules on the path
    files: list[PackFile] = field(default_factory=list)


def _csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> tuple[bytes, int]:
    listed = list(rows)
    return csv_text(listed, columns).encode("utf-8"), len(listed)


def gather(
    store: Store,
    course: Course,
    root: Path,
    start: dt.date,
    end: dt.date,
    coverage: Coverage,
    as_of: dt.date | None = None,
) -> Pack:
    """Compute every file of the pack (see the module docstring); PackError for a bad window."""
    if end < start:
        raise PackError(f"--to {end} is before --from {start}")
    period = as_of_for(course, as_of or end)
    clock = period.clock
    since, until = clock.start_of(start), clock.end_of(end)
    report = verify_all(store)
    head = store.head()
    pack = Pack(
        course.organisation, start, end, period.day, course.timezone, f"{head.seq}:{head.hash}",
        report.ok, str(report), course.commit, coverage, [], {},
        [(rid, r.title, len(r.path)) for rid, r in sorted(course.roles.items())],
    )  # fmt: skip
    add = pack.files.append
    for which in ("new-hires", "leavers", "active"):
        items = population_report(store, course, which, start, end, period.day)
        titles = module_titles(course)
        rows = sorted(
            (population_row(i, titles) for i in items), key=lambda r: (r["email"], r["module"])
        )
        data, count = _csv(rows, POPULATION_COLUMNS)
        pack.populations[which] = (len({r["email"] for r in rows}), count)
        add(PackFile(f"populations/{which}.csv", _POPULATION_TEXT[which], data, count))
    for by in ("department", "role"):
        completion = [r.as_dict() for r in completion_rows(store, course, by, period.day)]
        data, count = _csv(completion, COMPLETION_COLUMNS)
        add(PackFile(f"completion/by-{by}.csv", f"completion by {by} as of {period.day}: "
                     "assigned items and how many are current", data, count))  # fmt: skip
    entries = window_entries(store, since, until)
    _records(pack, course, entries)
    _acknowledgements(pack, store, course, since, until, clock.day_of)
    _sources(pack, store, course, root, start, until, clock)
    add(PackFile("coverage.md", "the criteria x roles coverage matrix at the end of the window"
                 + (f" (content commit {coverage.commit})" if coverage.commit else ""),
                 coverage.markdown.encode("utf-8")))  # fmt: skip
    return pack


_POPULATION_TEXT = {
    "new-hires": "people who started in the window: each onboarding item and its state",
    "leavers": "people who left in the window: each offboarding item and its state",
    "active": "everyone counted at the end of the window: each item and its state",
}


def _records(pack: Pack, course: Course, entries: list[dict[str, Any]]) -> None:
    attempts = [evidence_record(e) for e in entries if e["kind"] == "attempt"]
    acks = [evidence_record(e) for e in entries if e["kind"] == "ack"]
    attendance = []
    reminders = []
    for e in entries:
        p = e["payload"]
        if e["kind"] == "attendance":
            module = course.modules.get(str(p.get("module")))
            need = module.min_minutes if module is not None else None
            attendance.append({
                "seq": e["seq"], "record_id": e["client_id"], "email": e["email"],
                "name": e["name"], "department": e["department"], "person_id": e["person_id"],
                "module": p.get("module"), "version": p.get("version"),
                "session_date": p.get("date"), "minutes": p.get("minutes"), "min_minutes": need,
                "completes": need is not None and int(p.get("minutes") or 0) >= need,
                "source": p.get("source"), "recorded_at": e["recorded_at"],
                "record_hash": e["hash"],
            })  # fmt: skip
        elif e["kind"] == "reminder":
            reminders.append({
                "seq": e["seq"], "email": e["email"], "person_id": e["person_id"],
                "channel": p.get("channel"), "message": p.get("message"), "as_of": p.get("as_of"),
                "items": json.dumps(p.get("items"), sort_keys=True), "record_hash": e["hash"],
                "recorded_at": e["recorded_at"],
            })  # fmt: skip
    for name, rows, columns, text in (
        ("attempts", attempts, EVIDENCE_COLUMNS, "every quiz attempt recorded in the window"),
        ("acknowledgements", acks, EVIDENCE_COLUMNS,
         "every policy acknowledgement recorded in the window"),
        ("attendance", attendance, ATTENDANCE_COLUMNS,
         "every workshop attendance recorded in the window, and whether it completes"),
        ("reminders", reminders, REMINDER_COLUMNS,
         "every reminder and manager digest sent in the window (recipient, items; no body)"),
    ):  # fmt: skip
        data, count = _csv(rows, columns)
        pack.files.append(PackFile(f"records/{name}.csv", text, data, count))
    lines = [
        json.dumps({
            "seq": e["seq"], "kind": e["kind"], "record_id": e["client_id"],
            "recorded_at": e["recorded_at"], "person_id": e["person_id"], "email": e["email"],
            "payload": e["payload"], "prev_hash": e["prev_hash"], "hash": e["hash"],
        }, sort_keys=True, ensure_ascii=False)
        for e in entries
    ]  # fmt: skip
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    pack.files.append(PackFile("records/all.jsonl", "all of the above as ledger entries (JSON "
                               "lines: payload, prev_hash and hash, to re-check the chain)",
                               data, len(lines)))  # fmt: skip


def _acknowledgements(
    pack: Pack, store: Store, course: Course, since: str, until: str, day_of: Any
) -> None:
    by_version: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in acknowledgements_until(store, until):
        module = course.modules.get(str(row["module"]))
        if module is None or not module.has_ack:
            continue
        by_version.setdefault((str(row["module"]), int(row["version"])), []).append({
            **row, "day": day_of(row["recorded_at"]).isoformat(),
            "in_window": row["recorded_at"] >= since,
        })  # fmt: skip
    for (mid, version), rows in sorted(by_version.items()):
        data, count = _csv(rows, ACK_COLUMNS)
        title = course.modules[mid].title
        pack.files.append(PackFile(
            f"acknowledgements/{mid}-v{version}.csv",
            f"who attested '{title}' version {version}, and when (by the end of the window)",
            data, count,
        ))  # fmt: skip


def _sources(
    pack: Pack, store: Store, course: Course, root: Path, start: dt.date, until: str, clock: Any
) -> None:
    """Each module version in force in the window, read from git at the commit introducing it."""
    with store.transaction() as conn:
        first_seen = load_first_seen(conn, until, clock)
        published = conn.exec_driver_sql(
            "SELECT module, version, content_sha256 FROM module_versions ORDER BY module, version"
        ).all()
    hashes: dict[tuple[str, int], list[str]] = {}
    for mid, version, sha in published:
        hashes.setdefault((str(mid), int(version)), []).append(str(sha))
    wanted: set[tuple[str, int]] = set()
    for mid in course.modules:
        versions = sorted(v for (m, v), _ in first_seen.items() if m == mid)
        before = [v for v in versions if first_seen[(mid, v)] < start]
        wanted.update((mid, v) for v in versions if first_seen[(mid, v)] >= start)
        if before:
            wanted.add((mid, before[-1]))
    raw = course.raw.get("modules") or {}
    for mid, version in sorted(wanted):
        path = str((raw.get(mid) or {}).get("source") or "")
        source = version_source(root, mid, path, version) if path else VersionSource(
            mid, version, None, None, None, None, "the build does not record the module's file"
        )  # fmt: skip
        pack.sources.append((source, hashes.get((mid, version), [])))
        if source.text is not None:
            pack.files.append(PackFile(
                f"sources/{mid}/v{version}.md",
                f"'{course.modules[mid].title}' version {version} as committed in "
                f"{(source.commit or '')[:12]} ({source.path})",
                source.text.encode("utf-8"),
            ))  # fmt: skip


def sha256sums(files: Iterable[PackFile]) -> bytes:
    """`sha256sum` output for the files (two spaces: text mode), sorted by path."""
    return "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path)).encode()


def write_pack(pack: Pack, index_html: bytes, out: Path, as_zip: bool = False) -> list[PackFile]:
    """Write the files, `index.html` and `SHA256SUMS` into the folder `out` (created; it must
    be empty if it exists) or, with `as_zip`, into the zip archive `out`; every file written."""
    index = PackFile("index.html", "this page", index_html)
    files = [*pack.files, index]
    files.append(PackFile("SHA256SUMS", "sha256 of every other file", sha256sums(files)))
    files.sort(key=lambda f: f.path)
    try:
        if as_zip:
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for f in files:
                    info = zipfile.ZipInfo(f.path, date_time=ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, f.data)
            return files
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise PackError(f"{out} exists and is not an empty folder: choose a new one")
        for f in files:
            target = out / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.data)
    except OSError as exc:
        raise PackError(f"cannot write the pack to {out}: {exc.strerror or exc}") from None
    return files
