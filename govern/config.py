"""Settings from the environment, in one typed place.

Nothing here runs at import time: ``Settings.from_env()`` is called by the app
factory and the CLI, and tests build their own ``Settings``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024
ENVIRONMENTS = ("development", "test", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "govern"


def _bool(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean; use true or false")


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None


@dataclass(frozen=True)
class Settings:
    """Everything govern can be configured with. See README 'Configuration'."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    secret_key: str = field(default="", repr=False)
    env: str = "development"
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    page_size: int = 50
    max_page_size: int = 500
    scheduler_enabled: bool = True
    trusted_header: str = ""
    log_level: str = "INFO"
    sqlite_busy_timeout_ms: int = 30_000
    internal_domains: tuple[str, ...] = ()
    inline_evaluation_limit: int = 200

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("GOVERN_DATA_DIR") or _default_data_dir()).expanduser()
        settings = cls(
            data_dir=data_dir,
            database_url=env.get("GOVERN_DATABASE_URL", ""),
            secret_key=env.get("GOVERN_SECRET_KEY", ""),
            env=env.get("GOVERN_ENV", "development"),
            max_request_bytes=_int(
                "GOVERN_MAX_REQUEST_BYTES",
                env.get("GOVERN_MAX_REQUEST_BYTES"),
                DEFAULT_MAX_REQUEST_BYTES,
            ),
            page_size=_int("GOVERN_PAGE_SIZE", env.get("GOVERN_PAGE_SIZE"), 50),
            max_page_size=_int("GOVERN_MAX_PAGE_SIZE", env.get("GOVERN_MAX_PAGE_SIZE"), 500),
            scheduler_enabled=_bool("GOVERN_SCHEDULER", env.get("GOVERN_SCHEDULER"), default=True),
            trusted_header=env.get("GOVERN_TRUSTED_HEADER", ""),
            log_level=env.get("GOVERN_LOG_LEVEL", "INFO").upper(),
            sqlite_busy_timeout_ms=_int(
                "GOVERN_SQLITE_BUSY_TIMEOUT_MS", env.get("GOVERN_SQLITE_BUSY_TIMEOUT_MS"), 30_000
            ),
            internal_domains=tuple(
                d.strip().lower()
                for d in env.get("GOVERN_INTERNAL_DOMAINS", "").split(",")
                if d.strip()
            ),
            inline_evaluation_limit=_int(
                "GOVERN_INLINE_EVALUATION_LIMIT", env.get("GOVERN_INLINE_EVALUATION_LIMIT"), 200
            ),
        )
        return replace(settings, **overrides).resolved()

    def resolved(self) -> Settings:
        """Fill derived defaults and refuse unsafe ones."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'govern.db'}"
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        key = self.secret_key
        if not key:
            if self.env == "production":
                raise ConfigError(
                    "GOVERN_SECRET_KEY is required when GOVERN_ENV=production; "
                    "set it to a long random string, e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`"
                )
            key = _dev_secret_key(self.data_dir)
        if self.page_size < 1 or self.page_size > self.max_page_size:
            raise ConfigError("GOVERN_PAGE_SIZE must be between 1 and GOVERN_MAX_PAGE_SIZE")
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"GOVERN_ENV={self.env!r} is not one of: {', '.join(ENVIRONMENTS)}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"GOVERN_LOG_LEVEL={self.log_level!r} is not one of: {', '.join(LOG_LEVELS)}"
            )
        if self.inline_evaluation_limit < 0:
            raise ConfigError("GOVERN_INLINE_EVALUATION_LIMIT must be 0 or more")
        if self.max_request_bytes < 1024:
            raise ConfigError("GOVERN_MAX_REQUEST_BYTES must be at least 1024")
        if self.env == "production" and len(key) < 32:
            raise ConfigError("GOVERN_SECRET_KEY must be at least 32 characters in production")
        return replace(self, database_url=url, secret_key=key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _dev_secret_key(data_dir: Path) -> str:
    """A per-installation key kept in the data directory (mode 0600), made once."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
