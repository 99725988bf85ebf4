"""systemd timers with the service they start (ExecStart, User, EnvironmentFile)."""

from __future__ import annotations

import posixpath
import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

KEY = re.compile(r"(?m)^\s*(\w+)\s*=\s*(.*?)\s*$")
SCRIPT = re.compile(r"(?P<s>[\w./~\-]+\.(?:py|sh|ps1|pl|rb|php|js|bash))\b")


def ini(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in KEY.findall(text):
        out.setdefault(key, []).append(value)
    return out


@register
class SystemdTimer(Detector):
    """systemd timers with the service they start (ExecStart, User, EnvironmentFile)."""

    name = "systemd-timer"
    platform = "systemd-timer"
    extensions = (".timer",)
    priority = 5

    def analyze(self, art: Artifact) -> list[Finding]:
        text = art.text
        if "[Timer]" not in text:
            return []
        keys = ini(text)
        f = self.finding(art)
        f.confidence = 0.95
        for spec in keys.get("OnCalendar", []):
            f.triggers.append(trigger("schedule", schedule.on_calendar(spec), f"OnCalendar={spec}"))
        for key in (
            "OnUnitActiveSec",
            "OnUnitInactiveSec",
            "OnBootSec",
            "OnStartupSec",
            "OnActiveSec",
        ):
            for spec in keys.get(key, []):
                seconds = _seconds(spec)
                cron = (
                    schedule.seconds_to_cron(seconds)
                    if key.startswith("OnUnit") and seconds
                    else None
                )
                f.triggers.append(trigger("schedule" if cron else "event", cron, f"{key}={spec}"))
        unit = (keys.get("Unit") or [art.stem + ".service"])[0]
        service = art.sibling(unit, 200_000)
        if service:
            body = service.decode("utf-8", "replace")
            svc = ini(body)
            for cmd in svc.get("ExecStart", []):
                f.runs |= set(SCRIPT.findall(cmd))
                f.extra.setdefault("exec", []).append(cmd[:300])
            for user in svc.get("User", []):
                f.owner(2, user)
            f.files = [art.location, posixpath.join(posixpath.dirname(art.location), unit)]
            enrich_text(f, art, body)
            for env_file in svc.get("EnvironmentFile", []):
                path = env_file.lstrip("-")
                f.credentials.add(f"environment-file:{path}")
                raw = art.sibling(posixpath.basename(path), 200_000)
                if raw:
                    enrich_text(f, art, raw.decode("utf-8", "replace"))
                    for s in f.secrets:
                        s.setdefault("file", posixpath.basename(path))
        return [f]


def _seconds(spec: str) -> int | None:
    total = 0
    for number, unit in re.findall(r"(\d+)\s*(d|h|min|m|s|sec|w)?", spec):
        mult = {"d": 86400, "h": 3600, "min": 60, "m": 60, "w": 604800}.get(unit or "s", 1)
        total += int(number) * mult
    return total or None
