"""The evidence pack's `index.html`: one self-contained page for the auditor (inline CSS, no
script, no image or font to fetch), readable from the folder or the unzipped archive.

It says whose records, for which period and scope, from which content commits, the ledger
head and what `records verify` found, then one line on each file, the module sources with
their commits and whether each matches what was published, and how to check it all. The
generated-at time is on one line of its own: the only line that differs between two runs.
"""

from __future__ import annotations

from builder.markup import esc
from builder.reports.evidence_pack import Pack

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:64em;color:#212121;padding:0 1em;overflow-wrap:anywhere}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;
border-bottom:1px solid #bbb}.cover{display:grid;grid-template-columns:max-content 1fr;
gap:2px 1em;padding:.6em 1em;border:1px solid #bbb;background:#f7f7f7}
.cover dt{font-weight:600}.cover dd{margin:0}table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #ddd;vertical-align:top}
code,.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.hash{word-break:break-all}.ok{color:#1b5e20;font-weight:600}.bad{color:#b71c1c;font-weight:600}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em;border:1px solid #ddd}
@media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit}}
"""


def render_index(pack: Pack, generated_at: str) -> str:
    """The index page of `pack`, generated at `generated_at` (text, e.g. `2026-04-16 09:00 UTC`)."""
    verdict = (
        '<span class="ok">verified</span>' if pack.verify_ok else '<span class="bad">FAILED</span>'
    )
    populations = ", ".join(
        f"{name}: {people} people, {items} items"
        for name, (people, items) in pack.populations.items()
    )
    roles = "; ".join(f"{esc(title)} ({esc(rid)}, {n} modules)" for rid, title, n in pack.scope)
    commits = [f'build <span class="hash">{esc(pack.build_commit or "unknown")}</span>']
    if pack.coverage.commit:
        commits.append(f'end of window <span class="hash">{esc(pack.coverage.commit)}</span>')
    introduced = sorted({s.commit for s, _ in pack.sources if s.commit})
    if introduced:
        commits.append(
            "module versions introduced in "
            + ", ".join(f'<span class="hash">{esc(c[:12])}</span>' for c in introduced)
        )
    cover = [
        ("Organisation", esc(pack.organisation)),
        ("Period", f"{pack.start} to {pack.end}, days in {esc(pack.timezone)}"),
        ("States as of", f"{pack.as_of} (records made by the end of this day)"),
        ("Scope", f"{roles}. Populations: {esc(populations)}"),
        ("Content commits", "; ".join(commits)),
        ("Ledger head", f'<span class="hash">{esc(pack.head)}</span>'),
        ("Verify", verdict),
    ]
    toc = [
        f'<tr><td><a href="{esc(f.path)}">{esc(f.path)}</a></td><td>{esc(f.describe)}</td>'
        f"<td>{'' if f.rows is None else f.rows}</td></tr>"
        for f in sorted(pack.files, key=lambda f: f.path)
    ]
    toc.append(
        '<tr><td><a href="SHA256SUMS">SHA256SUMS</a></td><td>sha256 of every other file, '
        "including this page (check with <code>sha256sum -c SHA256SUMS</code>)</td><td></td></tr>"
    )
    sources = []
    for source, published in pack.sources:
        if source.text is None:
            match = f'<span class="bad">missing</span>: {esc(source.problem)}'
        elif source.sha256 in published:
            match = '<span class="ok">the text published</span>'
        elif published:
            match = (
                '<span class="bad">differs</span> from the text published (edited later without '
                "a version bump?)"
            )
        else:
            match = "no publication recorded"
        sources.append(
            f"<tr><td>{esc(source.module)}</td><td>{source.version}</td>"
            f'<td class="hash">{esc(source.commit or "")}</td><td>{esc(source.committed_at or "")}'
            f'</td><td class="hash">{esc(source.sha256 or "")}</td><td>{match}</td></tr>'
        )
    head_cells = "".join(f'<th scope="col">{h}</th>' for h in ("File", "What it holds", "Rows"))
    source_cells = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Module", "Version", "Commit", "Committed", "sha256 of the file", "Published?")
    )
    cover_html = "\n".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in cover)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Training evidence pack: {esc(pack.organisation)}, {pack.start} to "
            f"{pack.end}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            "<h1>Training evidence pack</h1>",
            f"<p>{esc(pack.organisation)}: security and compliance training records for the "
            f"audit period {pack.start} to {pack.end}.</p>",
            '<dl class="cover">',
            cover_html,
            f"<dt>Generated at</dt><dd>{esc(generated_at)}</dd>",
            "</dl>",
            "<h2>Contents</h2>",
            f"<table><caption>One line on each file of the pack</caption><thead><tr>{head_cells}"
            f"</tr></thead><tbody>{''.join(toc)}</tbody></table>",
            "<h2>Module sources</h2>",
            "<table><caption>Each module version in force in the window, read from git at the "
            "commit that introduced it, compared with the content hashes the ledger recorded "
            f"when it was published</caption><thead><tr>{source_cells}</tr></thead>"
            f"<tbody>{''.join(sources)}</tbody></table>",
            "<h2>Ledger verification</h2>",
            f"<pre>{esc(pack.verify_text)}</pre>",
            "<h2>How to check this pack</h2>",
            "<ol><li>In this folder, <code>sha256sum -c SHA256SUMS</code> checks that no file "
            "changed since the pack was made.</li>",
            f"<li><code>trustpath records verify --head {esc(pack.head)}</code>, run against "
            "the records database, checks that the hash chain still reaches this head and that "
            "every table the reports read matches the chain.</li>",
            "<li><code>records/all.jsonl</code> holds every entry of the window with its "
            "<code>prev_hash</code> and <code>hash</code>: each hash is "
            "sha256 over the version tag, seq, previous hash and canonical payload.</li></ol>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
