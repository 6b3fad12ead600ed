"""Settings shared by every vTOC program.

Precedence: ``VTOC_*`` environment variables, then the current context of
``$XDG_CONFIG_HOME/vtoc/config.toml``, then defaults (SQLite in the XDG data dir).
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("vtoc", appauthor=False))


def config_path() -> Path:
    return Path(platformdirs.user_config_dir("vtoc", appauthor=False)) / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'vtoc.db'}"


#: Prefix of every secret in ``deploy/.env.example``; a server started with one refuses to run.
PLACEHOLDER_PREFIX = "CHANGE_ME"


def placeholder_secrets(settings: BaseModel) -> list[str]:
    """Names of the secret settings still holding an example placeholder.

    A secret is any field whose name mentions ``secret``, ``password`` or ``token``, plus the
    password inside ``database_url``.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if any(word in name for word in ("secret", "password", "token")) and str(
            value or ""
        ).startswith(PLACEHOLDER_PREFIX):
            found.append(name)
    try:
        password = make_url(str(getattr(settings, "database_url", "") or "sqlite://")).password
    except ArgumentError:
        password = None
    if str(password or "").startswith(PLACEHOLDER_PREFIX):
        found.append("database_url")
    return found


class ServerSettings(BaseSettings):
    """What the server process reads; clients never need these."""

    model_config = SettingsConfigDict(env_prefix="VTOC_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    max_body_bytes: int = 1024 * 1024
    ingest_max_body_bytes: int = 32 * 1024 * 1024
    token_touch_seconds: int = 60
    #: HMAC secret for senders without a token (Wazuh, n8n); HMAC ingest is off when unset
    ingest_hmac_secret: SecretStr | None = None
    ingest_max_batch: int = 5000
    #: alerts with one fingerprint within this many seconds fold into one report
    wazuh_flood_window_seconds: int = 3600
    #: per Wazuh rule id, the alert fields (dotted paths) its fingerprint is made of
    wazuh_fingerprints: dict[str, list[str]] = {}
    positions_max_batch: int = Field(default=5000, ge=1, le=100_000)
    #: tracks older than this many days keep one fix per ``track_keep_seconds``; None: all
    track_thin_after_days: float | None = Field(default=7.0, gt=0)
    track_keep_seconds: int = Field(default=60, ge=1)
    #: how often each server process thins old tracks
    track_thin_every_seconds: float = Field(default=3600.0, gt=0)
    #: comment heartbeat on idle event streams, so proxies do not close them
    sse_heartbeat_seconds: float = 15.0
    #: the event stream re-reads the table at least this often, even without a wake-up
    sse_poll_seconds: float = 5.0
    #: how long a ticket for ``/events/stream?ticket=`` stays valid (it also works once only)
    event_ticket_seconds: int = 60
    #: seconds a report of each severity may wait for an acknowledgement before the monitor
    #: flags it (``intel.ack_overdue``); severities not listed have no deadline
    ack_deadline_seconds: dict[str, int] = {"critical": 300, "high": 900}

    @field_validator("ack_deadline_seconds")
    @classmethod
    def severities_only(cls, value: dict[str, int]) -> dict[str, int]:
        from vtoc.schemas import Severity

        if unknown := sorted(set(value) - set(Severity)):
            raise ValueError(f"not severities: {', '.join(unknown)}")
        if any(seconds < 0 for seconds in value.values()):
            raise ValueError("deadlines are seconds, 0 or more")
        return value

    @model_validator(mode="after")
    def refuse_placeholder_secrets(self) -> ServerSettings:
        """Deploying the example ``.env`` unchanged would publish known secrets: refuse it."""
        names = placeholder_secrets(self)
        if names:
            env = ", ".join(f"VTOC_{name.upper()}" for name in names)
            raise ValueError(
                f"{env} still holds the {PLACEHOLDER_PREFIX} placeholder from .env.example; "
                "set a real secret before starting the server"
            )
        return self

    # Observability and hardening
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: str = "INFO"
    metrics_token: SecretStr | None = None  # unset: /metrics wants an admin token
    cors_origins: list[str] = []  # JSON list, e.g. VTOC_CORS_ORIGINS='["https://toc.example"]'
    rate_limit_per_second: float = 100.0  # writes per token per process; 0 turns it off
    rate_limit_burst: int = 1000
    request_timeout_seconds: float = 60.0
    db_statement_timeout_ms: int = 30_000  # PostgreSQL only
    #: threads that run the hot routes' database work in each worker: more threads than
    #: cores only fight over the GIL (docs/benchmarks.md, 2026-11-25)
    db_threads: int = Field(default=4, ge=1, le=64)
    max_json_depth: int = 64
    shutdown_grace_seconds: int = 10
    #: how long an idle kept-alive connection stays open. Longer than the idle time of the
    #: clients that keep connections (Traefik: ``routes.BACKEND_IDLE_SECONDS``; httpx: 5 s),
    #: so that the client, not the server, closes it: a server closing as a client reuses
    #: the connection loses that request (a 502 behind a proxy, a ReadError in httpx).
    keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    otlp_endpoint: str | None = None  # e.g. http://127.0.0.1:4318/v1/traces; unset: no tracing

    def unsafe_for(self, *, workers: int) -> str | None:
        """Why these settings must not serve ``workers`` processes, or None when they may."""
        if workers > 1 and self.database_url.startswith("sqlite"):
            return (
                f"SQLite cannot serve {workers} workers safely; "
                "use --workers 1 or set VTOC_DATABASE_URL to PostgreSQL"
            )
        token = self.metrics_token.get_secret_value() if self.metrics_token else None
        if token is not None and len(token) < 16:
            return "VTOC_METRICS_TOKEN is too short; use at least 16 random characters"
        if "*" in self.cors_origins:
            return "VTOC_CORS_ORIGINS must list origins; '*' would let any site call the API"
        return None


class Context(BaseModel):
    """One named server a client can talk to (kubectl-style)."""

    api_url: str
    token: str | None = None

    @field_validator("api_url")
    @classmethod
    def server_root(cls, url: str) -> str:
        """An http(s) URL with a host; the server's root, so a pasted ".../api/v1" is cut
        (the client adds it, and the doubled path answered a bare "Not Found")."""
        try:
            parts = urlsplit(url.strip())
        except ValueError as exc:
            raise ValueError(f"not a URL: {url!r} ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL with a host: {url!r}")
        return url.strip().rstrip("/").removesuffix("/api/v1")

    @field_validator("token")
    @classmethod
    def header_safe(cls, token: str | None) -> str | None:
        if token is not None and not (token.isascii() and token.isprintable()):
            raise ValueError("not a vTOC token: it holds characters a token never has")
        return token


class ClientSettings(BaseSettings):
    """What the CLI, TUI and agents read to find and authenticate to a server."""

    model_config = SettingsConfigDict(env_prefix="VTOC_", extra="ignore")

    api_url: str | None = None
    token: str | None = None
    context: str | None = None


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def write_config_file(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write the contexts file readable by its owner only: it holds tokens."""
    import tomli_w

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(data, fh)
    os.chmod(path, 0o600)
    return path


def resolve_context(name: str | None = None) -> Context:
    """The context to use: env overrides the stored context, which overrides the default."""
    env = ClientSettings()
    stored = read_config_file()
    contexts: dict[str, Any] = stored.get("contexts", {})
    chosen = name or env.context or stored.get("current")
    base = Context(**contexts[chosen]) if chosen and chosen in contexts else None
    api_url = env.api_url or (base.api_url if base else "http://127.0.0.1:8000")
    token = env.token or (base.token if base else None)
    return Context(api_url=api_url, token=token)


@cache
def server_settings() -> ServerSettings:
    return ServerSettings()
