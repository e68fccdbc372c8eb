"""Coverage output formats: an 80-column matrix, Markdown for PRs, JSON and JUnit XML."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from builder.coverage.diff import CoverageDiff, describe
from builder.coverage.gate import CoverageReport, RoleCoverage

COVERED, EXTRA, GAP, NONE = "✓", "+", "GAP", "·"
LEGEND = (
    f"{COVERED} required and covered   {GAP} required, not covered   {EXTRA} covered   {NONE} -"
)


def _cell(rc: RoleCoverage, cid: str) -> str:
    if cid in rc.required:
        return COVERED if cid in rc.covered else GAP
    return EXTRA if cid in rc.covered else NONE


def _rows(report: CoverageReport) -> list[str]:
    """Criteria that some role requires or some path covers (the rest would be empty rows)."""
    used = {cid for rc in report.roles.values() for cid in (*rc.required, *rc.covered)}
    return [c.id for c in report.criteria if c.id in used] + sorted(
        cid for cid in used if cid not in {c.id for c in report.criteria}
    )


def _key(n: int) -> str:
    """Column keys A…Z, then AA, AB… (short, so any number of role ids fits the width)."""
    key = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        key = chr(65 + r) + key
    return key


# The marks in words, printed under the text matrix.
MARKS = (
    (COVERED, "required, and a module on the role's path covers it"),
    (GAP, "required, but no module on the role's path covers it"),
    (EXTRA, "covered by the role's path, not required"),
    (NONE, "neither required nor covered"),
)


def format_text(report: CoverageReport, diff: CoverageDiff | None = None, width: int = 80) -> str:
    """A criteria × roles matrix that fits `width`, a key of its columns, then gaps and warnings.

    Columns are lettered (A, B, …) and the key below gives each letter's role id and title in
    full, so no id is cut; the marks are explained in words.
    """
    out: list[str] = []
    roles = list(report.roles.values())
    rows = _rows(report)
    keys = [_key(i) for i in range(len(roles))]
    col = max([len(GAP), *(len(k) for k in keys)]) + 1
    first = max([len("criteria"), *(len(r) for r in rows)]) + 1
    per_block = max(1, (width - first) // col)
    for start in range(0, max(len(roles), 1), per_block):
        block = roles[start : start + per_block]
        block_keys = keys[start : start + per_block]
        out.append("criteria".ljust(first) + "".join(k.ljust(col) for k in block_keys).rstrip())
        for cid in rows:
            out.append(cid.ljust(first) + "".join(_cell(r, cid).ljust(col) for r in block).rstrip())
        out.append("")
    width_key = max([len(k) for k in keys] or [1])
    out.append("Roles:")
    for key, rc in zip(keys, roles, strict=True):
        line = f"  {key.ljust(width_key)}  {rc.role}"
        room = width - len(line) - 3  # " (" and ")"
        title = rc.title if len(rc.title) <= room else rc.title[: max(room - 1, 0)] + "…"
        out.append(f"{line} ({title})" if room > 1 else line)
    out.append("Marks:")
    for mark, meaning in MARKS:
        out.append(f"  {mark.ljust(len(GAP))}  {meaning}")
    out.append("")
    if diff is not None:
        out.append(f"Changes against {diff.base}:")
        if not diff.roles:
            out.append("  none")
        for change in diff.roles:
            for line in describe(change):
                out.append(f"  {change.role}: {line}")
        out.append("")
    titles = {c.id: c.title for c in report.criteria}
    for rid, cid in report.gaps:
        out.append(
            f"error[coverage-gap]: role '{rid}' requires {cid} ({titles.get(cid, '?')}), "
            "but no module on its path covers it"
        )
    for cid in report.unrequired:
        out.append(
            f"warning[unrequired-criterion]: {cid} ({titles.get(cid, '?')}) is "
            "training-relevant and in scope, but no role requires it"
        )
    for mid in report.orphans:
        out.append(f"warning[orphan-module]: module '{mid}' is on no role's path")
    gaps = len(report.gaps)
    out.append(
        f"{len(report.roles)} roles, {sum(len(r.required) for r in roles)} required "
        f"(role, criterion) pairs, {gaps} gap{'' if gaps == 1 else 's'}"
    )
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(report: CoverageReport, diff: CoverageDiff | None = None) -> str:
    """A summary for a pull-request comment or $GITHUB_STEP_SUMMARY, gaps first."""
    titles = {c.id: c.title for c in report.criteria}
    out = ["## TrustPath coverage", ""]
    if report.gaps:
        out += [
            f"**{len(report.gaps)} gap(s)**: these roles miss criteria they must cover.",
            "",
            "| Role | Criterion | Title |",
            "|---|---|---|",
        ]
        out += [f"| `{r}` | {c} | {_md(titles.get(c, ''))} |" for r, c in report.gaps]
    else:
        out.append("All roles cover every criterion they require.")
    out.append("")
    if diff is not None:
        out += [f"### Changes against `{diff.base}`", ""]
        if diff.roles:
            out += ["| Role | Change |", "|---|---|"]
            for change in diff.roles:
                for line in describe(change):
                    bold = line.startswith("LOST")
                    out.append(
                        f"| `{change.role}` | {'**' if bold else ''}{_md(line)}"
                        f"{'**' if bold else ''} |"
                    )
        else:
            out.append("No change in paths or coverage.")
        out.append("")
    roles = list(report.roles.values())
    out += [
        "### Criteria × roles",
        "",
        "| Criterion | Title | " + " | ".join(f"`{r.role}`" for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for cid in _rows(report):
        cells = " | ".join(_cell(r, cid) for r in roles)
        out.append(f"| {cid} | {_md(titles.get(cid, ''))} | {cells} |")
    out += ["", LEGEND.replace("   ", " · "), ""]
    warnings = [
        f"- {c} ({_md(titles.get(c, ''))}) is training-relevant but no role requires it"
        for c in report.unrequired
    ]
    warnings += [f"- module `{m}` is on no role's path" for m in report.orphans]
    if warnings:
        out += ["### Warnings", "", *warnings, ""]
    return "\n".join(out)


def to_json(report: CoverageReport, diff: CoverageDiff | None = None) -> dict[str, Any]:
    titles = {c.id: c.title for c in report.criteria}
    data: dict[str, Any] = {
        "ok": report.ok,
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "category": c.category,
                "training_relevant": c.training_relevant,
            }
            for c in report.criteria
        ],
        "roles": {
            rid: {
                "title": rc.title,
                "required": rc.required,
                "covered": rc.covered,
                "gaps": rc.gaps,
                "matrix": {cid: _cell(rc, cid) for cid in _rows(report)},
            }
            for rid, rc in report.roles.items()
        },
        "gaps": [{"role": r, "criterion": c, "title": titles.get(c, "")} for r, c in report.gaps],
        "unrequired_criteria": report.unrequired,
        "orphan_modules": report.orphans,
    }
    if diff is not None:
        data["diff"] = {
            "base": diff.base,
            "lost_required": [{"role": r, "criterion": c} for r, c in diff.lost_required],
            "roles": [vars(change) for change in diff.roles],
        }
    return data


def format_json(report: CoverageReport, diff: CoverageDiff | None = None) -> str:
    return json.dumps(to_json(report, diff), indent=2, ensure_ascii=False)


def format_junit(report: CoverageReport, diff: CoverageDiff | None = None) -> str:
    """One testcase per (role, required criterion); a failure for each gap."""
    titles = {c.id: c.title for c in report.criteria}
    cases = [(rid, cid) for rid, rc in report.roles.items() for cid in rc.required]
    suites = ET.Element("testsuites", name="trustpath coverage")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="trustpath coverage",
        tests=str(len(cases)),
        failures=str(len(report.gaps)),
        errors="0",
        skipped="0",
    )
    lost = set(diff.lost_required) if diff else set()
    for rid, cid in cases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"coverage.{rid}",
            name=f"{cid} {titles.get(cid, '')}".strip(),
        )
        rc = report.roles[rid]
        if cid not in rc.covered:
            message = f"role '{rid}' requires {cid} but no module on its path covers it"
            if (rid, cid) in lost:
                message += f" (covered at {diff.base if diff else 'base'})"
            failure = ET.SubElement(case, "failure", message=message, type="coverage-gap")
            failure.text = message
        else:
            ET.SubElement(case, "system-out").text = "covered by " + ", ".join(rc.covered[cid])
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


FORMATS = {
    "text": format_text,
    "markdown": format_markdown,
    "json": format_json,
    "junit": format_junit,
}
