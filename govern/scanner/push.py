"""Remote agent mode: send a scan result to the API in gzip batches, retried with backoff.

Every batch carries the run's ``run_uid`` and its batch number, so a retried
batch (or a whole re-sent run) is ingested once.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from typing import Any

DEFAULT_BATCH = 200


class PushError(RuntimeError):
    """The server refused a batch or stayed unreachable; the message says which."""


def batches(result: dict[str, Any], size: int = DEFAULT_BATCH) -> list[dict[str, Any]]:
    discoveries = result.get("discoveries") or []
    scan = result.get("scan") or {}
    chunks = [discoveries[i : i + size] for i in range(0, len(discoveries), size)] or [[]]
    out = []
    for index, chunk in enumerate(chunks):
        out.append(
            {
                "run_uid": scan.get("run_uid"),
                "batch": index,
                "final": index == len(chunks) - 1,
                "scan": scan
                if index == 0 or index == len(chunks) - 1
                else {"run_uid": scan.get("run_uid")},
                "discoveries": chunk,
            }
        )
    return out


def push(
    result: dict[str, Any],
    url: str,
    token: str,
    *,
    target: str,
    agent: str,
    batch_size: int = DEFAULT_BATCH,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """POST every batch to ``url`` (``.../api/v1/scans``); returns the server's answers."""
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/api/v1/scans"):
        endpoint += "/api/v1/scans"
    answers = []
    for body in batches(result, batch_size):
        body["target"] = target
        body["agent"] = agent
        payload = gzip.compress(json.dumps(body).encode())
        answers.append(_send(endpoint, token, payload, retries, backoff, timeout, body["batch"]))
    return answers


def _send(endpoint, token, payload, retries, backoff, timeout, batch) -> dict[str, Any]:
    request = urllib.request.Request(
        endpoint,
        data=payload,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    delay = backoff
    last = ""
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                detail = exc.read()[:500].decode("utf-8", "replace")
                raise PushError(f"batch {batch} refused: HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = type(exc).__name__
        if attempt < retries:
            time.sleep(delay)
            delay = min(delay * 2, 30)
    raise PushError(f"batch {batch} not delivered after {retries + 1} attempts ({last})")
