"""A transcript as PDF, made by fpdf2 (pure Python), on A4 or US Letter.

Text is set in DejaVu Sans when the system has it (Debian's `fonts-dejavu-core`, installed by
`scripts/system-deps`), so every name prints as written; without it, in the PDF core font
Helvetica, where characters outside Latin-1 print as `?` (and `pdf_fonts()` says so).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from builder.reports.transcript import STATUS_TEXT, Transcript

PAPER = {"a4": "A4", "letter": "Letter"}
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def pdf_fonts() -> tuple[Path, Path] | None:
    """(regular, bold) DejaVu Sans files when installed, else None (Helvetica, Latin-1)."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Document(FPDF):
    def __init__(self, paper: str, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=PAPER[paper])
        self.footer_text = footer_text
        fonts = pdf_fonts()
        if fonts is not None:
            self.add_font("body", "", str(fonts[0]))
            self.add_font("body", "B", str(fonts[1]))
            self.body_font = "body"
            self.can_unicode = True
        else:
            self.body_font = "helvetica"
            self.can_unicode = False
        self.set_margins(12, 14, 12)
        self.set_auto_page_break(True, margin=16)
        self.set_title("Training transcript")
        self.set_creator("TrustPath")

    def text_of(self, value: object) -> str:
        """`value` as text the font can print."""
        text = "" if value is None else str(value)
        if self.can_unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body_font, "", 7)
        self.cell(0, 5, self.text_of(f"{self.footer_text} - page {self.page_no()}/{{nb}}"))


def render_pdf(t: Transcript, paper: str = "a4") -> bytes:
    """The transcript as PDF bytes on `paper` (`a4` or `letter`); ValueError for another."""
    if paper not in PAPER:
        raise ValueError(f"paper must be one of {', '.join(PAPER)}, not '{paper}'")
    person = t.person
    name = person.name or person.email
    pdf = _Document(paper, f"{t.organisation} - transcript of {person.email} as of {t.as_of}")
    txt = pdf.text_of
    pdf.add_page()
    pdf.set_font(pdf.body_font, "B", 16)
    pdf.cell(0, 9, txt("Training transcript"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.body_font, "", 10)
    pdf.cell(0, 6, txt(t.organisation), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    cover = [
        ("Person", f"{person.name} <{person.email}>" if person.name else person.email),
        ("Department", person.department),
        ("Roles", ", ".join(person.roles)),
        ("Started", person.start_date.isoformat()
         + (f", left {person.end_date.isoformat()}" if person.end_date else "")),
        ("As of", f"{t.as_of.isoformat()} (records made by the end of this day)"),
        ("Completed", f"{t.done} of {len(t.modules)} modules on the path"),
        ("Ledger head", f"{t.head.seq}:{t.head.hash}"),
        ("Content build", t.commit or "unknown"),
        ("Generated", t.generated_at),
    ]  # fmt: skip
    with pdf.table(col_widths=(30, 150), first_row_as_headings=False, line_height=5) as table:
        for key, value in cover:
            row = table.row()
            row.cell(txt(key), style=FontFace(emphasis="BOLD"))
            row.cell(txt(value))
    pdf.ln(4)
    pdf.set_font(pdf.body_font, "B", 12)
    pdf.cell(0, 7, txt(f"Modules on the path of {name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.body_font, "", 8)
    heads = ("Module", "Ver.", "Status", "Due", "Completed", "Score", "Tries", "Records")
    with pdf.table(col_widths=(48, 10, 18, 20, 20, 13, 11, 46), line_height=4.2) as table:
        table.row(heads)
        for m in t.modules:
            notes = [
                f"ack v{a['version']} {a['recorded_at'][:10]} seq {a['seq']} "
                f"statement {a['statement_sha256'][:16]}…"
                for a in m.acks
            ] + [f"attended {s['session_date']} {s['minutes']} min seq {s['seq']}"
                 for s in m.sessions]  # fmt: skip
            score = "" if m.score is None else f"{round(100 * m.score)} %"
            table.row([
                txt(f"{m.title} ({m.module})"), str(m.version), STATUS_TEXT.get(m.status, m.status),
                m.due.isoformat() if m.due else "", m.completed.isoformat() if m.completed else "",
                score, str(m.attempts), txt("; ".join(notes)),
            ])  # fmt: skip
    pdf.ln(4)
    pdf.set_font(pdf.body_font, "B", 12)
    pdf.cell(0, 7, txt("Records in the ledger"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.body_font, "", 8)
    with pdf.table(col_widths=(12, 38, 26, 30, 10, 70), line_height=4.2) as table:
        table.row(("Seq", "Recorded (UTC)", "Kind", "Module", "Ver.", "Detail"))
        for r in t.records:
            table.row([str(r.seq), r.recorded_at, r.kind, txt(r.module), str(r.version),
                       txt(r.detail)])  # fmt: skip
    pdf.ln(3)
    pdf.multi_cell(
        0, 4,
        txt(f"Each seq is an entry of the hash-chained ledger; `trustpath records verify --head "
            f"{t.head.seq}:{t.head.hash}` checks that the chain still holds them."),
    )  # fmt: skip
    return bytes(pdf.output())
