"""Secrets leave the scanner only as type, line, redacted preview and a keyed hash."""

from __future__ import annotations

import hashlib
import hmac

PREVIEW_CHARS = 4


def keyed_hash(value: str, secret_key: str) -> str:
    """HMAC-SHA256 with the service key: equal secrets compare equal, nothing is reversible."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def preview(value: str) -> str:
    """At most the first 4 characters (fewer for short values), then an ellipsis."""
    shown = min(PREVIEW_CHARS, max(0, len(value) // 4))
    return value[:shown] + "…"


def secret_record(kind: str, value: str, line: int, secret_key: str) -> dict:
    return {
        "type": kind,
        "line": line,
        "preview": preview(value),
        "hash": keyed_hash(value, secret_key),
        "length": len(value),
    }
