"""Roster bytes to CSV records with physical line numbers. Pure: no DB, no web.

What HR systems and spreadsheets actually write: UTF-8 with or without a byte order mark,
UTF-16 with one (Excel's "Unicode Text"), CRLF, LF or a lone CR (old Mac Excel) line ends,
`,` `;` (European Excel) or tab separators, quoted cells spanning lines. Anything that is not
UTF-8 is refused with the line, column and byte offset of the first byte that does not decode,
unless the caller names the encoding: guessing between Windows-1252, Latin-1 and their
cousins silently changes names, so TrustPath never guesses.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from builder.errors import TrustPathError

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
SAVE_AS_UTF8 = (
    'save it as "CSV UTF-8 (Comma delimited)" (Excel: File > Save As; Google Sheets and '
    "Numbers export UTF-8), or name its encoding with --encoding (Excel's plain "
    '"CSV" on Windows is cp1252)'
)


class RosterTextError(TrustPathError):
    """The file cannot be read as text; `line` is 1-based, `code` a stable diagnostic code."""

    def __init__(self, line: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RosterText:
    """A decoded roster: its text, how it was decoded and its separator."""

    text: str
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16, or the one asked for
    delimiter: str

    def describe(self) -> str:
        """`UTF-8, comma-separated` style summary for the import's first line."""
        names = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16"}
        encoding = names.get(self.encoding, self.encoding)
        return f"{encoding}, {DELIMITER_NAMES[self.delimiter]}-separated"


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte `offset`, both 1-based, counting CRLF, CR and LF as line ends."""
    before = data[:offset]
    breaks = list(_LINE_BREAK.finditer(before))
    line_start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, offset - line_start + 1


def decode_roster(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, codec used) of a roster file's bytes; RosterTextError when it does not decode.

    Without `encoding`: a UTF-8 byte order mark is dropped, a UTF-16 one selects UTF-16,
    anything else must be UTF-8 (RFC 3629). With `encoding` (a Python codec name such as
    `cp1252`), that codec is used as asked.
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise RosterTextError(1, "bad-encoding", f"unknown encoding '{encoding}'") from None
    elif data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        byte = data[exc.start]
        if encoding is None:
            message = (
                f"byte 0x{byte:02X} at offset {exc.start} (line {line}, column {column}) is not "
                f"UTF-8; {SAVE_AS_UTF8}"
            )
            raise RosterTextError(line, "not-utf8", message) from None
        message = (
            f"byte 0x{byte:02X} at offset {exc.start} (line {line}, column {column}) is not "
            f"valid {codec}; check the --encoding"
        )
        raise RosterTextError(line, "bad-encoding", message) from None
    return text.removeprefix("\ufeff"), codec


def detect_delimiter(text: str) -> str:
    """The separator of the header line: the most frequent of `,` `;` tab outside quotes.

    A header with none of them (a one-column file) is read as comma-separated.
    """
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_text(data: bytes, encoding: str | None = None) -> RosterText:
    """Decode the bytes and find the separator (see `decode_roster` and `detect_delimiter`)."""
    text, codec = decode_roster(data, encoding)
    return RosterText(text, codec, detect_delimiter(text))


def records(roster: RosterText) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) per CSV record; RosterTextError for broken quoting.

    Physical lines count every CRLF, LF and lone CR, including those inside quoted cells, so
    the line of a record is the one an editor shows.
    """
    reader = csv.reader(io.StringIO(roster.text, newline=""), delimiter=roster.delimiter)
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RosterTextError(line, "bad-csv", f"cannot read the CSV here: {exc}") from None
        yield line, record
        line = reader.line_num + 1
