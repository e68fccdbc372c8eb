"""Inline SVG charts for the dashboard. Every label passes through `esc`; no scripts, no URLs."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from builder.markup import esc

BAR = "#3f51b5"
WARN = "#c62828"
OK = "#2e7d32"
MUTED = "#9e9e9e"


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{esc(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(label)}</title>{''.join(body)}</svg>"
    )


def _lines(text: str, width: int) -> list[str]:
    """A label in lines of at most `width` characters (long words are broken, never cut)."""
    return textwrap.wrap(text, width, break_long_words=True) or [""]


def _label(x: float, y: float, lines: list[str], anchor: str = "end") -> str:
    """A multi-line SVG label; `y` is the first line's baseline."""
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else 13}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}" class="lbl">{spans}</text>'


def legend(entries: Sequence[tuple[str, str]]) -> str:
    """An HTML legend for a chart: (colour, meaning) pairs."""
    items = "".join(
        f'<span><i class="sw" style="background:{esc(color)}"></i>{esc(text)}</span>'
        for color, text in entries
    )
    return f'<p class="legend">{items}</p>'


def hbar_chart(
    rows: Sequence[tuple[str, float, str]],
    label: str,
    *,
    warn_below: float | None = None,
    warn_above: float | None = None,
    width: int = 640,
) -> str:
    """Horizontal bars of shares (0..1): (label, share, note shown after the bar)."""
    if not rows:
        return '<p class="empty">No data yet.</p>'
    left, right, bar_h = 230, 130, 16
    plot = width - left - right
    body = []
    y = 5
    for name, share, note in rows:
        lines = _lines(name, 34)
        row_h = max(24, 13 * len(lines) + 11)
        share = max(0.0, min(1.0, share))
        bad = (warn_below is not None and share < warn_below) or (
            warn_above is not None and share > warn_above
        )
        color = WARN if bad else BAR
        bar_y = y + (row_h - bar_h) / 2
        body.append(
            _label(left - 8, y + 15, lines)
            + f'<rect x="{left}" y="{bar_y}" width="{plot}" height="{bar_h}" fill="#eee"/>'
            f'<rect class="mark" x="{left}" y="{bar_y}" width="{round(plot * share, 1)}" '
            f'height="{bar_h}" fill="{color}"><title>{esc(name)}: {esc(note)}</title></rect>'
            f'<text x="{left + plot + 6}" y="{bar_y + 12}" class="val">{esc(note)}</text>'
        )
        y += row_h
    return _svg(width, round(y + 5), label, body)


def column_chart(
    rows: Sequence[tuple[str, int, bool]], label: str, *, width: int = 640, height: int = 220
) -> str:
    """Vertical columns of counts: (label, count, highlight)."""
    if not rows:
        return '<p class="empty">No data yet.</p>'
    top, bottom, left = 20, 50, 30
    plot_h = height - top - bottom
    step = (width - left) / len(rows)
    peak = max(c for _, c, _ in rows) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" '
            f'stroke="{MUTED}"/>']  # fmt: skip
    for i, (name, count, hot) in enumerate(rows):
        h = round(plot_h * count / peak, 1)
        x = round(left + i * step + step * 0.15, 1)
        w = round(step * 0.7, 1)
        y = round(top + plot_h - h, 1)
        body.append(
            f'<rect class="mark" x="{x}" y="{y}" width="{w}" height="{h}" '
            f'fill="{WARN if hot else BAR}"><title>{esc(name)}: {count}</title></rect>'
            f'<text x="{x + w / 2}" y="{y - 4}" text-anchor="middle" class="val">{count}</text>'
            f'<text x="{x + w / 2}" y="{top + plot_h + 14}" text-anchor="end" class="lbl" '
            f'transform="rotate(-35 {x + w / 2} {top + plot_h + 14})">{esc(name)}</text>'
        )
    return _svg(width, height, label, body)


def heatmap(
    rows: Sequence[str], cols: Sequence[str], cell: dict[tuple[str, str], str], label: str
) -> str:
    """A grid; `cell[(row, col)]` is "covered", "gap" or "extra" (absent: blank)."""
    if not rows or not cols:
        return '<p class="empty">No data yet.</p>'
    size = 22
    left = 12 + 7 * max(len(r) for r in rows)
    top = 12 + round(5.5 * max(len(c) for c in cols))  # column labels run up at 55 degrees
    width, height = (
        left + size * len(cols) + 6 * max(len(c) for c in cols[-1:]) + 20,
        (top + size * len(rows) + 10),
    )
    colors = {"covered": OK, "gap": WARN, "extra": "#a5d6a7"}
    words = {"covered": "required and covered", "gap": "required, NOT covered",
             "extra": "covered, not required"}  # fmt: skip
    body = []
    for j, col in enumerate(cols):
        x = left + j * size + size / 2
        body.append(f'<text x="{x}" y="{top - 6}" class="lbl" transform="rotate(-55 {x} '
                    f'{top - 6})">{esc(col)}</text>')  # fmt: skip
    for i, row in enumerate(rows):
        y = top + i * size
        body.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="lbl">'
                    f"{esc(row)}</text>")  # fmt: skip
        for j, col in enumerate(cols):
            state = cell.get((row, col))
            fill = colors.get(state or "", "#f5f5f5")
            tip = f"{row} × {col}: {words.get(state or '', 'not required, not covered')}"
            body.append(
                f'<rect class="mark cell {esc(state or "none")}" x="{left + j * size}" y="{y}" '
                f'width="{size - 2}" height="{size - 2}" fill="{fill}"><title>{esc(tip)}</title>'
                "</rect>"
            )
    return _svg(width, height, label, body)
