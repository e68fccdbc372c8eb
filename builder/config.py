"""Project settings: the `trustpath` plugin entry of mkdocs.yml, read without MkDocs."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class ConfigError(Exception):
    """mkdocs.yml is missing or its trustpath settings are wrong."""


@dataclass(frozen=True)
class Settings:
    """Everything TrustPath reads from mkdocs.yml. Field names are the plugin's option names."""

    root: Path
    docs_dir: str = "content"
    site_dir: str = "site"
    roles_dir: str = "roles"
    catalogue: str = "tsc-2017"
    categories: tuple[str, ...] = ()  # empty: every category of the catalogue
    required_criteria: tuple[str, ...] = ()  # required of every role
    plain_pages: tuple[str, ...] = ()  # globs under docs_dir for pages without front matter
    onboarding_days: int = 30
    grace_days: int = 30
    due_soon_days: int = 14
    records_url: str = "/api"
    max_file_bytes: int = 1_048_576
    timezone: str = "UTC"  # IANA name: "today", due days and --as-of are days in this zone
    programme_start: dt.date | None = None  # onboarding of earlier starters falls due from here
    organisation: str = ""  # the name on reports; empty: the site_name
    logo: str = ""  # the organisation's logo: an image under docs_dir (header and favicon)
    colour: str = ""  # the organisation's colour, `#rrggbb`: header, buttons, links
    # [{department?, title?, employment?, roles}]: checked against the roles by
    # builder.lifecycle.role_rules.parse_role_rules wherever the course is known
    role_rules: tuple[dict[str, Any], ...] = ()
    site_name: str = ""  # mkdocs.yml's site_name (not a plugin option)
    site_url: str = ""  # mkdocs.yml's site_url (not a plugin option): the default xAPI org IRI
    rate_limits: dict[str, Any] = field(default_factory=dict)  # see builder/web/ratelimit.py
    # The company profile: {name: value} cited by modules as `$company.name` (see
    # builder/curriculum/profile.py); values are text or numbers.
    company: dict[str, Any] = field(default_factory=dict)
    # {from: ADDRESS, every_days: 7}: `trustpath records remind` (see builder/notify/)
    reminders: dict[str, Any] = field(default_factory=dict)
    strict: bool = False  # content warnings fail `validate` and `build`, as errors do
    report_workers: int = 1  # report worker processes per service process (`trustpath serve`)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def organisation_name(self) -> str:
        """The name reports and the evidence pack show: `organisation`, else the site name."""
        return self.organisation or self.site_name or "TrustPath"

    @property
    def docs_path(self) -> Path:
        return self.root / self.docs_dir

    @property
    def roles_path(self) -> Path:
        return self.root / self.roles_dir

    @property
    def state_path(self) -> Path:
        """`.trustpath/`: the manifest and the demo database live here, outside the site."""
        return self.root / ".trustpath"


PLUGIN_OPTIONS = {
    f.name
    for f in fields(Settings)
    if f.name not in {"root", "docs_dir", "site_dir", "site_name", "site_url", "extra"}
}


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml: resolves `!ENV`, ignores Python tags used by Material's settings."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = loader.construct_sequence(node)  # type: ignore[arg-type]
        names, default = [str(i) for i in items[:-1]] or [str(items[0])], items[-1]
        if len(items) == 1:
            default = None
    for name in names:
        value = os.environ.get(str(name))
        if value is not None:
            return yaml.safe_load(value) if value else value
    return default


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    return None


_TolerantLoader.add_constructor("!ENV", _env_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)
_TolerantLoader.add_multi_constructor("!", _ignore_tag)


def read_mkdocs_yml(root: Path, text: str | None = None) -> dict[str, Any]:
    """mkdocs.yml as a dict (Python tags read as None, `!ENV` resolved).

    `text` gives the file's content directly (as it was at a git revision, say).
    """
    path = root / "mkdocs.yml"
    try:
        if text is None:
            text = path.read_text("utf-8")
        data = yaml.load(text, Loader=_TolerantLoader)
    except FileNotFoundError:
        raise ConfigError(
            f"no mkdocs.yml in {root}: run from the project root or pass --project DIR"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def plugin_options(mkdocs_config: dict[str, Any]) -> dict[str, Any]:
    """The options of the `trustpath` entry in `plugins:` (empty when it has none)."""
    for entry in mkdocs_config.get("plugins") or []:
        if entry == "trustpath":
            return {}
        if isinstance(entry, dict) and "trustpath" in entry:
            return dict(entry["trustpath"] or {})
    return {}


def settings_from_options(
    root: Path,
    options: dict[str, Any],
    *,
    docs_dir: str = "content",
    site_dir: str = "site",
    site_name: str = "",
    site_url: str = "",
) -> Settings:
    """Settings from plugin options; unknown options and wrong types are a ConfigError."""
    unknown = sorted(set(options) - PLUGIN_OPTIONS)
    if unknown:
        raise ConfigError(
            f"mkdocs.yml: unknown trustpath option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(PLUGIN_OPTIONS))}"
        )
    values: dict[str, Any] = {}
    defaults = Settings(root=root)
    for name, value in options.items():
        default = getattr(defaults, name)
        if name == "programme_start":
            values[name] = _date_option(name, value)
            continue
        if name == "role_rules":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(
                    "mkdocs.yml: trustpath option 'role_rules' must be a list of mappings "
                    "such as {department: Engineering, roles: [engineer]}"
                )
            value = tuple(value)
        elif isinstance(default, tuple):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(
                    f"mkdocs.yml: trustpath option '{name}' must be a list of strings"
                )
            value = tuple(value)
        elif isinstance(default, bool) != isinstance(value, bool) or not isinstance(
            value, type(default)
        ):
            raise ConfigError(
                f"mkdocs.yml: trustpath option '{name}' must be a {type(default).__name__}"
            )
        values[name] = value
    if "timezone" in values:
        _check_timezone(values["timezone"])
    if values.get("colour") and not _HEX_COLOUR.fullmatch(values["colour"]):
        raise ConfigError(
            f"mkdocs.yml: trustpath option 'colour' is '{values['colour']}', not a colour; "
            "write it as #rrggbb, such as '#0b5394' (quoted: YAML reads # as a comment)"
        )
    if "company" in values:
        _check_company(values["company"])
    if "reminders" in values:
        _check_reminders(values["reminders"])
    if values.get("report_workers", 1) < 1:
        raise ConfigError(
            f"mkdocs.yml: trustpath option 'report_workers' is {values['report_workers']}; "
            "it must be 1 or more (one report worker process per CPU core you can spare)"
        )
    return Settings(
        root=root, docs_dir=docs_dir, site_dir=site_dir, site_name=site_name, site_url=site_url,
        **values,
    )  # fmt: skip


def _date_option(name: str, value: Any) -> dt.date | None:
    """A date option written as a YAML date or an ISO string; ConfigError otherwise."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"mkdocs.yml: trustpath option '{name}' must be a date (YYYY-MM-DD)")


_PROFILE_KEY = re.compile(r"[a-z][a-z0-9_]*")


def _check_company(profile: dict[str, Any]) -> None:
    """ConfigError unless the profile maps placeholder names to text or numbers."""
    for key, value in profile.items():
        if not isinstance(key, str) or not _PROFILE_KEY.fullmatch(key):
            raise ConfigError(
                f"mkdocs.yml: trustpath option 'company': key {key!r} is not a placeholder "
                "name; use lowercase letters, digits and '_', starting with a letter "
                "(e.g. security_contact)"
            )
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(
                f"mkdocs.yml: trustpath option 'company': '{key}' must be text or a number "
                f"(modules print it as written), not {type(value).__name__}"
            )


REMINDER_KEYS: dict[str, type] = {"from": str, "every_days": int}


def _check_reminders(value: dict[str, Any]) -> None:
    """ConfigError unless `reminders` is `{from: ADDRESS, every_days: N}` (both optional)."""
    for key, item in value.items():
        kind = REMINDER_KEYS.get(str(key))
        if kind is None:
            raise ConfigError(
                f"mkdocs.yml: trustpath option 'reminders' has an unknown key '{key}'; "
                "known: from, every_days"
            )
        wrong = not isinstance(item, kind) or isinstance(item, bool)
        if wrong or (isinstance(item, int) and item < 1):
            what = "an email address" if kind is str else "a whole number of days, at least 1"
            raise ConfigError(f"mkdocs.yml: trustpath option 'reminders.{key}' must be {what}")


def _check_timezone(name: str) -> None:
    """ConfigError unless `name` is an IANA time zone (zoneinfo, with the tzdata package)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"mkdocs.yml: trustpath option 'timezone' is '{name}', not an IANA time zone; "
            "use a name such as UTC, Europe/Berlin or America/Los_Angeles"
        ) from None


def load_settings(root: Path, text: str | None = None) -> Settings:
    """Settings of the project at `root`, from its mkdocs.yml (or from `text`)."""
    root = root.resolve()
    config = read_mkdocs_yml(root, text)
    return settings_from_options(
        root,
        plugin_options(config),
        docs_dir=str(config.get("docs_dir") or "docs"),
        site_dir=str(config.get("site_dir") or "site"),
        site_name=str(config.get("site_name") or ""),
        site_url=str(config.get("site_url") or ""),
    )
