"""Registering on a remote govern service (``govern register --url URL --token T``).

The manifests were loaded and validated locally; the service validates them again
and applies the whole batch in one transaction, so a remote registration is
all-or-nothing too. Problems the service reports are mapped back to the local
files they came from.
"""

from __future__ import annotations

from typing import Any

from govern.http_post import Refused, Unreachable, post_json
from govern.registry.manifest import LoadResult, ManifestInvalid, Problem

TIMEOUT_SECONDS = 120


class RemoteError(RuntimeError):
    """The service could not be reached or refused the request (not a manifest problem)."""


def push_manifests(
    url: str, token: str | None, loaded: LoadResult, *, wait: bool = False, retries: int = 2
) -> dict[str, Any]:
    """POST every document to ``{url}/api/v1/manifests``; returns the service's answer
    (``results``, one outcome per document, and ``evaluationQueued``).

    With ``wait`` the service evaluates policies before answering, however large the
    batch. Registration is an upsert, so a lost answer is retried (``retries`` times,
    on connection failures, 429 and 5xx). Raises ManifestInvalid (problems named by
    local file and document) on 422 and RemoteError for anything else that fails.
    """
    if not token:
        raise RemoteError("--token (or GOVERN_TOKEN) is required with --url")
    endpoint = url.rstrip("/") + "/api/v1/manifests" + ("?wait=true" if wait else "")
    payload = [doc.body for doc in loaded.documents]
    try:
        return post_json(endpoint, token, payload, retries=retries, timeout=TIMEOUT_SECONDS)
    except Refused as exc:
        body = exc.json()
        if exc.status == 422 and isinstance(body.get("errors"), list):
            raise ManifestInvalid(_local_problems(body["errors"], loaded)) from None
        raise RemoteError(f"{endpoint} answered {exc.status}: {exc.detail()}") from None
    except Unreachable as exc:
        raise RemoteError(f"cannot reach {endpoint}: {exc}") from None


def _local_problems(errors: list[dict[str, Any]], loaded: LoadResult) -> list[Problem]:
    """The service numbers documents in the request; name the local file instead."""
    problems = []
    for error in errors:
        index = error.get("document")
        doc = (
            loaded.documents[index]
            if isinstance(index, int) and 0 <= index < len(loaded.documents)
            else None
        )
        problems.append(
            Problem(
                source=doc.source if doc else str(error.get("source", "request")),
                path=str(error.get("path", "")),
                message=str(error.get("message", "")),
                document=doc.index if doc else None,
            )
        )
    return problems
