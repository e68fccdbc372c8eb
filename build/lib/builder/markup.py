"""Escaping written once: HTML text and attributes, JSON inside `<script>`, CSV cells, terminals.

Every adapter that puts untrusted text (titles, names, feedback, ids) into HTML, CSV or a
terminal goes through these functions.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_FORMULA_START = frozenset("=+-@\t\r")
# C0 and C1 controls except tab and newline, plus DEL: what a terminal would act on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def esc(value: object) -> str:
    """HTML-escape `value` for text or a quoted attribute; `None` becomes the empty string."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value: Any) -> str:
    """`value` as JSON that is safe inside `<script type="application/json">` (no `<`, `>`, `&`)."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def safe_cell(value: Any) -> Any:
    """A CSV cell that spreadsheets will not run: text starting like a formula gets a `'`.

    The rule (a leading `= + - @`, tab or carriage return) is OWASP's CSV-injection advice.
    """
    if type(value) is str and value[:1] in _FORMULA_START:
        return "'" + value
    return value


def terminal_text(value: object) -> str:
    """`value` for a terminal: control characters (escape sequences, CR) shown as `\\xNN`.

    A newline inside one field is shown as `\\n`, so stored text cannot forge a new line.
    """
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
