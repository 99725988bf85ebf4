"""PowerShell scripts: any .ps1 with commands; scheduled-task registration is its trigger."""

from __future__ import annotations

import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

COMMAND = re.compile(
    r"(?m)^\s*(?!#)(?:\$\w+\s*=\s*)?[A-Za-z]+-[A-Za-z]+\b|^\s*\$\w+\s*=|^\s*&\s|^\s*\w+\.exe\b"
)
TASK_TRIGGER = re.compile(r"New-ScheduledTaskTrigger\s+(?P<args>[^\r\n]+)", re.I)
AT = re.compile(r"-At\s+['\"]?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", re.I)
SQL = re.compile(
    r"(?i)Invoke-Sqlcmd[^\r\n]*-ServerInstance\s+['\"]?([\w.\\\-]+)['\"]?(?:[^\r\n]*-Database\s+['\"]?([\w.\-]+))?"
)
SFTP = re.compile(r"(?i)New-SFTPSession[^\r\n]*-ComputerName\s+['\"]?([\w.\-]+)")
SMTP_SERVER = re.compile(r"(?i)-SmtpServer\s+['\"]?([\w.\-]+)")
DECLARATION = re.compile(
    r"(?i)^(?:function|filter|workflow|configuration|class|enum)\s|^param\s*\(|^\[|^using\s|"
    r"^(?:Set-Alias|New-Alias|Import-Module|Export-ModuleMember|Set-StrictMode|Add-Type|"
    r"Set-PSReadLineOption|Set-PSReadLineKeyHandler|Register-ArgumentCompleter|Set-Location)\b|"
    r"^\$(?:env:|ErrorActionPreference|VerbosePreference|ProgressPreference|"
    r"InformationPreference|WarningPreference|global:|script:)|^\.\s|^[})\]]"
)
ASSIGNMENT = re.compile(r"^\$[\w:]+\s*[+\-]?=\s*(?P<rhs>.*)$")
ACTIVE_RHS = re.compile(r"[A-Za-z]+-[A-Za-z]+\b|::|^\s*&|\.exe\b|\.\w+\(")


def top_level_commands(text: str) -> list[str]:
    """Statements outside function bodies that do something when the script runs: not
    function definitions, aliases, imports, preferences or constants (a profile or a
    library of functions dot-sourced by others automates nothing)."""
    out, depth, comment = [], 0, False
    for line in text.splitlines():
        stripped = line.strip()
        if comment:
            comment = "#>" not in stripped
            continue
        if stripped.startswith("<#"):
            comment = "#>" not in stripped
            continue
        if depth == 0 and stripped and not stripped.startswith("#"):
            assign = ASSIGNMENT.match(stripped)
            if assign:
                if ACTIVE_RHS.search(assign.group("rhs")):
                    out.append(stripped)
            elif not DECLARATION.match(stripped):
                out.append(stripped)
        depth = max(0, depth + line.count("{") - line.count("}"))
    return out


@register
class PowerShell(Detector):
    """PowerShell scripts: any .ps1 with commands; scheduled-task registration is its trigger."""

    name = "powershell"
    platform = "powershell"
    extensions = (".ps1",)
    priority = 60
    sniffs = True

    def sniff(self, head: str) -> bool:
        first = head.split("\n", 1)[0]
        return first.startswith("#!") and "pwsh" in first

    def analyze(self, art: Artifact) -> list[Finding]:
        text = art.text
        if art.lname.endswith(("profile.ps1", ".tests.ps1")):
            return []  # a profile configures sessions; Pester tests test code
        if len(COMMAND.findall(text)) < 1 or not top_level_commands(text):
            return []
        f = self.finding(art)
        m = TASK_TRIGGER.search(text)
        if m:
            args = m.group("args")
            at = AT.search(args)
            hour = (
                int(at.group(1)) % 12 + (12 if at and (at.group(3) or "").lower() == "pm" else 0)
                if at
                else 0
            )
            minute = int(at.group(2) or 0) if at else 0
            if "-daily" in args.lower():
                f.triggers.append(
                    trigger("schedule", schedule.every("day", hour=hour, minute=minute), args)
                )
            elif "-weekly" in args.lower():
                f.triggers.append(
                    trigger("schedule", schedule.every("week", hour=hour, minute=minute), args)
                )
            elif "-atlogon" in args.lower() or "-atstartup" in args.lower():
                f.triggers.append(trigger("event", None, args))
            else:
                f.triggers.append(trigger("schedule", None, args))
        else:
            f.triggers.append(trigger("manual"))
        for m in SQL.finditer(text):
            f.reads.add(f"mssql://{m.group(1).lower()}" + (f"/{m.group(2)}" if m.group(2) else ""))
        for m in SFTP.finditer(text):
            f.writes.add(f"sftp://{m.group(1).lower()}")
        for m in SMTP_SERVER.finditer(text):
            if not m.group(1).startswith("$"):
                f.writes.add(f"smtp://{m.group(1).lower()}")
        return [f]
