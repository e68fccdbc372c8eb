"""Message templates: Jinja2, built in under `builder/notify/templates/`, overridable per
project under `site_overrides/messages/` (the theme's `custom_dir`, which the site build
keeps out of the published site).

For each message kind (`reminder`, `digest`) three templates: `KIND.subject.txt` (one line),
`KIND.txt` (the plain-text part, also the chat message) and `KIND.html` (the HTML part,
autoescaped). A project overrides any of them by putting a file of the same name in
`site_overrides/messages/`. Variables: `organisation`, `as_of`, `name`, `email`, `items`
(each with `title`, `version`, `due`, `status`, `link`, `email`, `name`) and, for digests,
`people` (each with `email`, `name`, `items`); `overdue` is true when any item is overdue.
Undefined variables are errors, so a typo in an override fails the dry run, not a send.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from builder.errors import TrustPathError
from builder.notify.plan import Message

OVERRIDES = "site_overrides/messages"


class TemplateProblem(TrustPathError):
    """A message template cannot be read or rendered (`path:line: message`)."""


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def overrides_dir(root: Path) -> Path:
    """Where the project's own templates live: `<custom_dir>/messages` of mkdocs.yml's theme,
    else `site_overrides/messages`."""
    from builder.config import read_mkdocs_yml

    try:
        theme = read_mkdocs_yml(root).get("theme") or {}
    except Exception:  # a broken mkdocs.yml is reported by the command that needs it
        theme = {}
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    return (root / str(custom) / "messages") if custom else (root / OVERRIDES)


class Templates:
    """The message templates of a project (its overrides first, then the built-in ones)."""

    def __init__(self, overrides: Path | None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if overrides is not None and overrides.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(overrides)))
        loaders.append(jinja2.PackageLoader("builder.notify", "templates"))
        self.overrides = overrides
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )

    def source_of(self, name: str) -> str:
        """Where a template comes from: the override's path, or `built-in`."""
        if self.overrides is not None and (self.overrides / name).is_file():
            return str(self.overrides / name)
        return f"built-in {name}"

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(
                f"{self.source_of(name)}:{exc.lineno}: error[template]: {exc.message}"
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"{self.source_of(name)}: error[template]: {exc}") from None

    def render(self, message: Message, organisation: str, as_of: dt.date) -> Rendered:
        """The subject, text and HTML of a message (TemplateProblem when a template breaks)."""
        items = [
            {"title": i.title, "version": i.version, "due": i.due.isoformat(),
             "status": i.status, "link": i.link, "email": i.email, "name": i.name}
            for i in message.items
        ]  # fmt: skip
        people: list[dict[str, Any]] = []
        for item in items:
            if not people or people[-1]["email"] != item["email"]:
                people.append({"email": item["email"], "name": item["name"], "items": []})
            people[-1]["items"].append(item)
        context = {
            "organisation": organisation, "as_of": as_of.isoformat(), "name": message.name,
            "email": message.email, "items": items, "people": people,
            "overdue": any(i.status == "overdue" for i in message.items),
        }  # fmt: skip
        subject = self._render(f"{message.kind}.subject.txt", context)
        return Rendered(
            re.sub(r"\s+", " ", subject).strip(),  # one header line, whatever the template does
            self._render(f"{message.kind}.txt", context),
            self._render(f"{message.kind}.html", context),
        )
