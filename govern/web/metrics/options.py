"""Metrics settings, read from the app config first and then the environment.

``Settings`` (govern/config.py) belongs to the registry; these few variables only matter
to /metrics, so this face reads them itself, when the app is built (never at import).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govern.config import ConfigError
from govern.web.metrics.collector import Limits

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class MetricsOptions:
    enabled: bool = True
    token: str = ""
    limits: Limits = Limits()
    multiprocess_dir: str = ""

    @classmethod
    def from_app(cls, app: Any) -> MetricsOptions:
        return cls.from_mapping(app.config, os.environ)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], environ: Mapping[str, str]) -> MetricsOptions:
        def get(name: str) -> str | None:
            value = config.get(name, environ.get(name))
            return None if value is None else str(value)

        token = (get("GOVERN_METRICS_TOKEN") or "").strip()
        token_file = get("GOVERN_METRICS_TOKEN_FILE")
        if token_file and not token:
            try:
                token = Path(token_file).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"GOVERN_METRICS_TOKEN_FILE={token_file!r} cannot be read: {exc.strerror}"
                ) from None
            if not token:
                raise ConfigError(f"GOVERN_METRICS_TOKEN_FILE={token_file!r} is empty")
        limits = Limits(
            departments=_positive("GOVERN_METRICS_MAX_DEPARTMENTS", get, Limits.departments),
            policies=_positive("GOVERN_METRICS_MAX_POLICIES", get, Limits.policies),
            targets=_positive("GOVERN_METRICS_MAX_TARGETS", get, Limits.targets),
            max_age_seconds=_seconds("GOVERN_METRICS_MAX_AGE", get("GOVERN_METRICS_MAX_AGE")),
        )
        return cls(
            enabled=_flag("GOVERN_METRICS", get("GOVERN_METRICS")),
            token=token,
            limits=limits,
            multiprocess_dir=environ.get(MULTIPROC_ENV, ""),
        )


def _flag(name: str, raw: str | None) -> bool:
    if raw is None or raw.strip() == "":
        return True
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use true or false")


def _seconds(name: str, raw: str | None) -> float:
    if raw is None or raw.strip() == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise ConfigError(f"{name} must be between 0 and 3600 seconds")
    return value


def _positive(name: str, get, default: int) -> int:
    raw = get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value
