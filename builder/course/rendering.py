"""Author Markdown as safe HTML: question prompts, choice labels, feedback and explanations.

One renderer for all of them, used at build time by the site (prompts and choices on the page)
and by the course manifest (explanations and per-choice feedback, which the records service
returns after grading, so they never sit in the published site). Raw HTML in author text is
shown as text and link or image targets other than http(s), mailto or relative are dropped.

Imports `markdown` (Python-Markdown) and `builder.markup`; nothing from the site adapter.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor

from builder.markup import esc

_SAFE_SCHEMES = {"", "http", "https", "mailto"}
# Text with none of these renders as one plain paragraph: no need for a Markdown pass.
_MARKDOWN_SYNTAX = re.compile(
    r"[\\`*_\[\]<>#!|~&=:]|^\s*(?:[-+]|\d+[.)]\s)|\n\s*\n|^(?: {4}|\t)", re.MULTILINE
)


class _DropUnsafeLinks(Treeprocessor):  # type: ignore[misc]
    """Removes link and image targets with schemes such as `javascript:`."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if (
                    value is not None
                    and urlsplit(value.strip()).scheme.lower() not in _SAFE_SCHEMES
                ):
                    del element.attrib[attr]


class PromptRenderer:
    """Markdown for question prompts, with raw HTML shown as text and unsafe links dropped."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=["fenced_code", "tables"])
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._md.treeprocessors.register(_DropUnsafeLinks(self._md), "trustpath_links", 1)

    def render(self, text: str) -> str:
        """The prompt as an HTML fragment."""
        if not _MARKDOWN_SYNTAX.search(text):
            return "<p>" + esc(text.strip()).replace("&quot;", '"').replace("&#x27;", "'") + "</p>"
        self._md.reset()
        return str(self._md.convert(text)).strip()


class InlineRenderer(PromptRenderer):
    """The prompt renderer restricted to inline Markdown: code, emphasis, links.

    For choice labels and feedback, which sit inside a `<label>` or a line of text: no block
    element (list, heading, code block, quote) is produced; what would start one is kept as
    text. Raw HTML is shown as text and unsafe links are dropped, as for prompts.
    """

    _KEEP = frozenset({"empty", "paragraph"})

    def __init__(self) -> None:
        self._md = markdown.Markdown()
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        blocks = self._md.parser.blockprocessors
        for name in [item.name for item in blocks._priority]:
            if name not in self._KEEP:
                blocks.deregister(name)
        self._md.treeprocessors.register(_DropUnsafeLinks(self._md), "trustpath_links", 1)

    def render(self, text: str) -> str:
        """The text as one line of inline HTML (paragraphs joined by a space)."""
        if not _MARKDOWN_SYNTAX.search(text):
            return esc(" ".join(text.split())).replace("&quot;", '"').replace("&#x27;", "'")
        self._md.reset()
        out = str(self._md.convert(text)).strip()
        parts = re.findall(r"<p>(.*?)</p>", out, re.DOTALL)
        return " ".join(" ".join(p.split()) for p in parts) if parts else out


class _Shared(threading.local):
    """One renderer of each kind per thread (a Markdown instance keeps state while it runs)."""

    prompt: PromptRenderer | None = None
    inline: InlineRenderer | None = None


_shared = _Shared()


def render_markdown(text: str) -> str:
    """Render author Markdown (a prompt) safely: an HTML fragment, block elements allowed."""
    if _shared.prompt is None:
        _shared.prompt = PromptRenderer()
    return _shared.prompt.render(text)


def render_inline(text: str) -> str:
    """Render a choice label, a feedback line or an explanation: inline Markdown only, safely.

    Returns one line of HTML with no block elements (code, emphasis and links only): author
    HTML is escaped (`<b>` shows as text) and a `javascript:` (or any other non-http(s),
    non-mailto) link keeps its text but loses its target.
    """
    if _shared.inline is None:
        _shared.inline = InlineRenderer()
    return _shared.inline.render(text)
