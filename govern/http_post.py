"""POSTing JSON to a govern service from another machine, retried with backoff.

Used by the remote scan agent (``govern scan --push``) and remote registration
(``govern register --url``). Both requests are idempotent on the service (a batch
carries its run id and number; registration is an upsert), so a request whose answer
was lost can be sent again. Connection failures, timeouts, 429 and 5xx are retried;
any other answer is final.
"""

from __future__ import annotations

import gzip as gzip_module
import json
import time
import urllib.error
import urllib.request
from typing import Any


class Refused(Exception):
    """The service answered with a final error status (4xx other than 429)."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def detail(self, limit: int = 500) -> str:
        found = self.json().get("detail")
        return str(found) if found else self.body[:limit].decode("utf-8", "replace")


class Unreachable(Exception):
    """No usable answer after every attempt; ``reason`` is the last failure."""

    def __init__(self, attempts: int, reason: str):
        super().__init__(f"{reason} (after {attempts} attempt(s))")
        self.attempts = attempts
        self.reason = reason


def post_json(
    url: str,
    token: str,
    payload: Any,
    *,
    compress: bool = False,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """POST ``payload`` as JSON with a bearer token; the decoded JSON answer.

    Raises Refused at once for a final error status and Unreachable once ``retries``
    more attempts (waiting ``backoff`` seconds, doubling up to 30) have failed.
    """
    body = json.dumps(payload).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json, application/problem+json",
    }
    if compress:
        body = gzip_module.compress(body)
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    delay, reason = backoff, ""
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code < 500 and exc.code != 429:
                raise Refused(exc.code, exc.read()) from None
            reason = f"HTTP {exc.code}"
        except urllib.error.URLError as exc:
            reason = str(exc.reason)
        except (TimeoutError, ConnectionError) as exc:
            reason = type(exc).__name__
        if attempt < retries:
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
    raise Unreachable(retries + 1, reason)
