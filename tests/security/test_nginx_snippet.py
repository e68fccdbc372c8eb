"""The nginx snippet in the README sends the headers the service sends (issue 15, item 3)."""

from __future__ import annotations

import re
from pathlib import Path

from builder.cli.http_limits import DEFAULT_SERVER_LIMITS
from builder.web.security import API_HEADERS, SITE_HEADERS

README = Path(__file__).resolve().parents[2] / "README.md"


def nginx_blocks() -> dict[str, dict[str, str]]:
    """location -> {header: value} of the README's nginx snippet (its add_header lines)."""
    text = README.read_text("utf-8")
    snippet = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert snippet is not None, "no ```nginx block in the README"
    blocks: dict[str, dict[str, str]] = {}
    current = None
    for line in snippet.group(1).splitlines():
        line = line.strip()
        if match := re.fullmatch(r"location (\S+) \{", line):
            current = match.group(1)
            blocks[current] = {}
        elif line.startswith("add_header") and current is not None:
            header = re.fullmatch(r'add_header (\S+) "([^"]*)" always;', line)
            assert header is not None, f"cannot read: {line}"
            assert header.group(1) not in blocks[current], f"{header.group(1)} twice"
            blocks[current][header.group(1)] = header.group(2)
        elif line == "}":
            current = None
    return blocks


def test_the_site_location_sends_the_site_headers() -> None:
    assert nginx_blocks()["/"] == SITE_HEADERS


def test_the_api_location_sends_the_api_headers() -> None:
    assert nginx_blocks()["/api/"] == API_HEADERS


def test_the_snippet_hides_what_the_service_sends_and_sets_the_server_limits() -> None:
    text = README.read_text("utf-8")
    for name in API_HEADERS:
        assert f"proxy_hide_header {name};" in text  # one value of each, not two
    assert "server_tokens off;" in text
    assert f"client_header_timeout {int(DEFAULT_SERVER_LIMITS['header_timeout'])}s;" in text
    assert f"client_body_timeout {int(DEFAULT_SERVER_LIMITS['body_timeout'])}s;" in text
    assert f"keepalive_timeout {int(DEFAULT_SERVER_LIMITS['timeout_keep_alive'])}s;" in text
    assert f"{int(DEFAULT_SERVER_LIMITS['max_header_bytes']) // 1024}k;" in text
