"""crontab files: user crontabs (5 fields), /etc/crontab and cron.d (6th user field)."""

from __future__ import annotations

import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

FIELD = r"[\d*/,\-A-Za-z?]+"
LINE = re.compile(
    rf"^\s*(?P<sched>@\w+|{FIELD}\s+{FIELD}\s+{FIELD}\s+{FIELD}\s+{FIELD})\s+(?P<rest>\S.*)$"
)
VAR = re.compile(r"^\s*[A-Z_][A-Z0-9_]*\s*=")
SCRIPT = re.compile(r"(?P<s>[\w./~\-]+\.(?:py|sh|ps1|pl|rb|php|js|r|bash))\b")
REBOOT = "@reboot"
USERS = re.compile(r"^(?:root|[a-z_][a-z0-9_\-]{0,31})$")


def parse_line(line: str, with_user: bool):
    m = LINE.match(line)
    if not m:
        return None
    sched = m.group("sched")
    # @reboot is an event, not a time: kept apart by the caller
    cron = REBOOT if sched.lower() == "@reboot" else schedule.normalise_cron(sched)
    if cron is None:
        return None
    rest = m.group("rest")
    user = None
    if with_user:
        user, _, rest = rest.partition(" ")
        if not USERS.match(user):
            return None
    return cron, user, rest.strip()


@register
class Crontab(Detector):
    """crontab files: user crontabs (5 fields), /etc/crontab and cron.d (6th user field)."""

    name = "crontab"
    platform = "cron"
    extensions = (".cron", ".crontab")
    filenames = ("crontab", "root", "cron")
    priority = 5
    sniffs = True

    def claims(self, relpath_lower: str, name: str, ext: str) -> bool:
        return (
            "/cron.d/" in f"/{relpath_lower}"
            or "/spool/cron/" in f"/{relpath_lower}"
            or "cron.d/" in relpath_lower[:8]
        )

    def sniff(self, head: str) -> bool:
        """Every line a comment, a variable or a cron line (stops at the first that is not:
        prose is rejected on its first line), and at least one cron line."""
        scheduled = False
        for line in head.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#") or VAR.match(line):
                continue
            if stripped[0] not in "0123456789*@":
                return False
            if parse_line(line, False):
                scheduled = True
            elif not parse_line(line, True):
                return False
        return scheduled

    def analyze(self, art: Artifact) -> list[Finding]:
        lines = art.text.splitlines()
        system = (
            art.lname == "crontab"
            and "/etc/" in f"/{art.relpath.lower()}"
            or self.claims(art.relpath.lower(), art.lname, art.ext)
            and "spool" not in art.relpath.lower()
        )
        entries = []
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#") or VAR.match(line):
                continue
            parsed = parse_line(line, system) or (parse_line(line, not system))
            if parsed:
                entries.append((number, *parsed))
        if not entries:
            return []
        f = self.finding(art)
        f.confidence = 0.9
        for number, cron, user, command in entries:
            if cron == REBOOT:
                f.triggers.append(trigger("event", None, f"line {number} @reboot: {command[:120]}"))
            else:
                f.triggers.append(trigger("schedule", cron, f"line {number}: {command[:120]}"))
            for s in SCRIPT.findall(command):
                f.runs.add(s)
            if user and user != "root":
                f.owner(2, user)
        scripts = sorted(f.runs)
        if scripts:
            f.name = scripts[0].rsplit("/", 1)[-1]
        mailto = re.search(r"(?m)^\s*MAILTO\s*=\s*\"?([^\s\"]+@[^\s\"]+)", art.text)
        if mailto:
            f.owner(4, mailto.group(1))
        return [f]
