"""Running the service: the settings of one `serve` and the uvicorn app factory.

uvicorn workers are separate processes, so `serve` passes its settings to the app factory
through the `TRUSTPATH_SERVE_CONFIG` environment variable (JSON; secrets stay in their own
variables, `TRUSTPATH_SECRET` and `TRUSTPATH_ADMIN_TOKEN`). The factory also works under a
plain `uvicorn --factory builder.web.server:app_from_env` in production.
"""

from __future__ import annotations

import gc
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp

from builder.course.manifest import read_manifest
from builder.records.draws import DrawSigner, draw_key
from builder.records.identity import (
    ADMIN_TOKEN_ENV,
    DEFAULT_PROXY_HEADER,
    DEFAULT_TRUSTED_PROXIES,
    SECRET_ENV,
    IdentityConfig,
    WeakSecret,
    check_secret,
    parse_networks,
)
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from builder.web.ratelimit import RateLimitConfigError, parse_rate_limits

CONFIG_ENV = "TRUSTPATH_SERVE_CONFIG"
OPEN_MODE_WARNING = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! identity mode 'open' is for demos only: ANYONE CAN CLAIM ANY NAME by setting the      !!
!! X-TrustPath-User header. Records made this way prove nothing. For real records use     !!
!! --identity header (behind an SSO proxy) or --identity token (signed personal links).   !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"""


class ServeError(Exception):
    """The service cannot start with these settings."""


@dataclass
class ServeConfig:
    """Everything a worker needs to build the app (JSON-serialisable)."""

    database_url: str
    manifest_path: str
    site_dir: str | None = None
    identity: str = "open"
    identity_header: str = DEFAULT_PROXY_HEADER
    trusted_proxies: list[str] = field(default_factory=lambda: list(DEFAULT_TRUSTED_PROXIES))
    cors_origins: list[str] = field(default_factory=list)
    rate_limits: dict[str, Any] = field(default_factory=dict)  # the `rate_limits` setting
    server_limits: dict[str, float] = field(default_factory=dict)  # see cli/http_limits.py
    hardening: bool = True  # False: no security headers, no rate limits (the benchmark only)
    report_workers: int = 1  # report worker processes per service process (reports/worker.py)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> ServeConfig:
        return cls(**json.loads(text))


def identity_config(config: ServeConfig) -> IdentityConfig:
    """The identity rules, checked: token mode needs a secret of 32 random bytes or more."""
    text = os.environ.get(SECRET_ENV, "")
    secret = None
    if config.identity == "token" and not text:
        raise ServeError(
            f"--identity token needs {SECRET_ENV}: make one with `openssl rand -hex 32`"
        )
    if text:
        try:
            secret = check_secret(SECRET_ENV, text)
        except WeakSecret as exc:
            raise ServeError(str(exc)) from None
    try:
        proxies = parse_networks(config.trusted_proxies)
    except ValueError as exc:
        raise ServeError(f"--trusted-proxy: {exc}") from None
    return IdentityConfig(config.identity, config.identity_header, proxies, secret)


def build_app(config: ServeConfig, site_app: ASGIApp | None = None) -> Starlette:
    """The app for these settings (raises ServeError when they cannot work).

    `site_app` replaces the static site's server (`trustpath serve --watch`: a `PreviewSite`).
    """
    try:
        manifest = read_manifest(Path(config.manifest_path))
    except (OSError, ValueError) as exc:
        raise ServeError(f"cannot read the course manifest: {exc}; run `trustpath build`") from None
    admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    if admin_token is not None:
        try:
            check_secret(ADMIN_TOKEN_ENV, admin_token)
        except WeakSecret as exc:
            raise ServeError(str(exc)) from None
    try:
        limits = parse_rate_limits(config.rate_limits)
    except RateLimitConfigError as exc:
        raise ServeError(f"mkdocs.yml: {exc}") from None
    identity = identity_config(config)
    secret = os.environ.get(SECRET_ENV, "").encode("utf-8") or None
    service = RecordsService(
        manifest=manifest,
        store=Store(config.database_url),
        identity=identity,
        admin_token=admin_token,
        signer=DrawSigner(draw_key(secret, Path(config.manifest_path).parent)),
    )
    site = Path(config.site_dir) if config.site_dir else None
    return create_app(
        service,
        site,
        tuple(config.cors_origins),
        limits,
        config.hardening,
        site_app=site_app,
        report_workers=config.report_workers,
    )


def app_from_env() -> Starlette:
    """uvicorn factory: the app described by $TRUSTPATH_SERVE_CONFIG."""
    text = os.environ.get(CONFIG_ENV)
    if not text:
        raise ServeError(f"{CONFIG_ENV} is not set: start the service with `trustpath serve`")
    app = build_app(ServeConfig.from_env(text))
    tune_gc()
    return app


GC_YOUNG_THRESHOLD = 10_000


def tune_gc() -> None:
    """Cyclic GC settings for a serving worker process (called once the app is built).

    Under load the default settings ran a collection every 700 allocations and a full one
    every few seconds over every object the imports made (measured: ~100 ms pauses, 5-10% of
    the time, the p99). Freeze what exists now (modules, schemas, the manifest: never garbage)
    and collect the young generation every 10,000 allocations instead.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
