"""Remote agent mode: send a scan result to the API in gzip batches, retried with backoff.

Every batch carries the run's ``run_uid`` and its batch number, so a retried
batch (or a whole re-sent run) is ingested once.
"""

from __future__ import annotations

from typing import Any

from govern.http_post import Refused, Unreachable, post_json

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
        try:
            answers.append(
                post_json(
                    endpoint,
                    token,
                    body,
                    compress=True,
                    retries=retries,
                    backoff=backoff,
                    timeout=timeout,
                )
            )
        except Refused as exc:
            detail = exc.detail()
            raise PushError(f"batch {body['batch']} refused: HTTP {exc.status}: {detail}") from None
        except Unreachable as exc:
            raise PushError(
                f"batch {body['batch']} not delivered after {exc.attempts} attempts ({exc.reason})"
            ) from None
    return answers
