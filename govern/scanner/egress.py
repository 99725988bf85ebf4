"""Web-proxy / egress logs: who calls AI and automation SaaS endpoints, how often, how much.

Formats: Squid native ``access.log``, CSV with a header (user, client, url, bytes...),
and JSON Lines. Lines are streamed, so logs of any size use constant memory.
Each (service host) becomes a discovery of platform ``saas-usage``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from govern.registry.ai_providers import ai_provider_for

AUTOMATION_SAAS = {
    "hooks.zapier.com": "zapier",
    "zapier.com": "zapier",
    "hook.eu1.make.com": "make",
    "hook.us1.make.com": "make",
    "make.com": "make",
    "integromat.com": "make",
    "app.n8n.cloud": "n8n",
    "n8n.cloud": "n8n",
    "ifttt.com": "ifttt",
    "maker.ifttt.com": "ifttt",
    "flow.microsoft.com": "power-automate",
    "api.flow.microsoft.com": "power-automate",
    "logic.azure.com": "logic-apps",
    "pipedream.net": "pipedream",
    "workato.com": "workato",
    "tray.io": "tray",
    "script.google.com": "apps-script",
    "script.googleusercontent.com": "apps-script",
    "api.airtable.com": "airtable",
    "hooks.slack.com": "slack-webhook",
    "webhook.office.com": "teams-webhook",
}
SQUID = re.compile(
    r"^(?P<ts>\d+(?:\.\d+)?)\s+(?P<elapsed>-?\d+)\s+(?P<client>\S+)\s+(?P<code>\S+)\s+"
    r"(?P<bytes>\d+)\s+(?P<method>\S+)\s+(?P<url>\S+)\s+(?P<user>\S+)"
)
USER_KEYS = ("user", "username", "cs-username", "userid", "user_name", "identity", "rfc931")
CLIENT_KEYS = ("client", "client_ip", "src", "src_ip", "c-ip", "source", "host_ip", "clientip")
URL_KEYS = (
    "url",
    "uri",
    "cs-uri",
    "request",
    "dest",
    "destination",
    "dst_host",
    "host",
    "cs-host",
    "domain",
)
BYTES_OUT_KEYS = (
    "bytes_out",
    "sent",
    "cs-bytes",
    "bytes_sent",
    "request_bytes",
    "out_bytes",
    "upload",
)
BYTES_KEYS = ("bytes", "sc-bytes", "size", "bytes_in", "response_bytes")
MAX_ERRORS = 20


def classify(host: str) -> tuple[str, str] | None:
    """(kind, service) for an AI or automation-SaaS host, else None."""
    host = host.lower().strip(".")
    provider = ai_provider_for(f"https://{host}")
    if provider:
        return "ai", provider
    for suffix, service in AUTOMATION_SAAS.items():
        if host == suffix or host.endswith("." + suffix):
            return "automation-saas", service
    return None


def _host(url: str) -> str:
    if "://" not in url:
        url = "https://" + url  # CONNECT host:port and bare hosts
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in row.items()}
    for key in keys:
        if lowered.get(key) not in (None, "", "-"):
            return lowered[key]
    return None


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


class _Usage:
    def __init__(self) -> None:
        self.requests = 0
        self.bytes = 0
        self.bytes_out = 0
        self.users: dict[str, int] = defaultdict(int)
        self.clients: dict[str, int] = defaultdict(int)
        self.first: float | None = None
        self.last: float | None = None


def scan_log(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Discoveries (one per AI / automation host) and problems found reading ``path``."""
    usage: dict[str, _Usage] = defaultdict(_Usage)
    problems: list[str] = []
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        return [], [f"unreadable: {exc.strerror}"]
    with handle:
        stream = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        first = stream.readline()
        rows = _rows(first, stream, problems)
        for row in rows:
            host = _host(str(row.get("url") or ""))
            if not host or not classify(host):
                continue
            u = usage[host]
            u.requests += 1
            u.bytes += _int(row.get("bytes"))
            u.bytes_out += _int(row.get("bytes_out"))
            if row.get("user"):
                u.users[str(row["user"])] += 1
            if row.get("client"):
                u.clients[str(row["client"])] += 1
            ts = row.get("ts")
            if isinstance(ts, float):
                u.first = ts if u.first is None else min(u.first, ts)
                u.last = ts if u.last is None else max(u.last, ts)
    return [_discovery(path, host, u) for host, u in sorted(usage.items())], problems


def _rows(first: str, stream, problems: list[str]):
    stripped = first.lstrip("\ufeff").strip()
    if stripped.startswith("{"):
        yield from _jsonl(first, stream, problems)
    elif SQUID.match(stripped):
        yield from _squid(first, stream, problems)
    elif "," in stripped or "\t" in stripped:
        yield from _csv(first, stream, problems)
    elif stripped:
        problems.append(
            "log format not recognised (expected Squid, CSV with header, or JSON Lines)"
        )


def _squid(first: str, stream, problems: list[str]):
    for number, line in enumerate(_chain(first, stream), 1):
        m = SQUID.match(line)
        if not m:
            if line.strip() and len(problems) < MAX_ERRORS:
                problems.append(f"line {number}: not a Squid access.log line")
            continue
        user = m.group("user")
        yield {
            "ts": float(m.group("ts")),
            "client": m.group("client"),
            "user": None if user == "-" else user,
            "url": m.group("url"),
            "bytes": m.group("bytes"),
        }


def _csv(first: str, stream, problems: list[str]):
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
    reader = csv.DictReader(_chain(first, stream), dialect=dialect)
    try:
        for row in reader:
            yield {
                "user": _pick(row, USER_KEYS),
                "client": _pick(row, CLIENT_KEYS),
                "url": _pick(row, URL_KEYS),
                "bytes": _pick(row, BYTES_KEYS),
                "bytes_out": _pick(row, BYTES_OUT_KEYS),
            }
    except csv.Error as exc:
        problems.append(f"CSV error: {exc}")


def _jsonl(first: str, stream, problems: list[str]):
    for number, line in enumerate(_chain(first, stream), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if len(problems) < MAX_ERRORS:
                problems.append(f"line {number}: not JSON")
            continue
        if not isinstance(row, dict):
            continue
        ts = row.get("timestamp") or row.get("ts") or row.get("time")
        yield {
            "user": _pick(row, USER_KEYS),
            "client": _pick(row, CLIENT_KEYS),
            "url": _pick(row, URL_KEYS),
            "bytes": _pick(row, BYTES_KEYS),
            "bytes_out": _pick(row, BYTES_OUT_KEYS),
            "ts": float(ts) if isinstance(ts, int | float) else None,
        }


def _chain(first: str, stream):
    yield first
    yield from stream


def _discovery(path: Path, host: str, u: _Usage) -> dict[str, Any]:
    kind, service = classify(host)  # type: ignore[misc]
    users = sorted(u.users.items(), key=lambda kv: -kv[1])
    clients = sorted(u.clients.items(), key=lambda kv: -kv[1])
    return {
        "location": f"egress://{path.name}/{host}",
        "platform": "saas-usage",
        "name": f"{service} via {host}",
        "detector": "egress",
        "scanner": "egress",
        "fingerprint": None,
        "content_hash": None,
        "confidence": 0.9,
        "triggers": [],
        "reads": [],
        "writes": [],
        "calls": [f"https://{host}"],
        "ai_services": [service] if kind == "ai" else [],
        "ai_models": [],
        "secrets": [],
        "credentials": [],
        "owner_hint": users[0][0] if users else (clients[0][0] if clients else None),
        "owner_hints": [name for name, _ in users[:10]],
        "runs": [],
        "files": [str(path)],
        "size": 0,
        "mtime": 0,
        "extra": {
            "kind": kind,
            "service": service,
            "host": host,
            "requests": u.requests,
            "bytes": u.bytes,
            "bytes_out": u.bytes_out,
            "users": [{"user": n, "requests": c} for n, c in users[:50]],
            "clients": [{"client": n, "requests": c} for n, c in clients[:50]],
            "distinct_users": len(users),
            "distinct_clients": len(clients),
            "first_seen": u.first,
            "last_seen": u.last,
        },
        "errors": [],
    }
