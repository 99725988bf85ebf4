"""Windows batch files: often the wrapper a scheduled task runs; records what they run."""

from __future__ import annotations

import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

RUNS = re.compile(
    r"""(?i)(?:python[\d.]*(?:\.exe)?|pwsh(?:\.exe)?|powershell(?:\.exe)?|cscript|wscript|Rscript(?:\.exe)?|node(?:\.exe)?)["']?\s+(?:-\w+\s+)*(?:["'.\s]*)?["']?(?P<script>[^"'\s]+\.(?:py|ps1|vbs|js|r|bat|cmd))"""
)
SETTING = re.compile(
    r"(?i)\s*@?(?:rem\b|::|echo\b|set\s|setlocal\b|endlocal\b|pause\b|exit\b|cls\b|"
    r"title\s|chcp\s|goto\s|:\w)"
)
SCHTASKS = re.compile(r"(?i)schtasks\s+/create\b[^\r\n]*")
SC = re.compile(r"(?i)/sc\s+(\w+)")
ST = re.compile(r"(?i)/st\s+(\d{1,2}):(\d{2})")
MO = re.compile(r"(?i)/mo\s+(\d+)")


@register
class Batch(Detector):
    """Windows batch files: often the wrapper a scheduled task runs; records what they run."""

    name = "batch"
    platform = "batch"
    extensions = (".bat", ".cmd")
    priority = 65

    def analyze(self, art: Artifact) -> list[Finding]:
        text = art.text
        lines = [ln for ln in text.splitlines() if ln.strip() and not SETTING.match(ln)]
        if not lines:
            return []  # comments, echo and variables only: settings another script calls
        f = self.finding(art)
        for m in RUNS.finditer(text):
            f.runs.add(m.group("script").replace("\\", "/"))
        task = SCHTASKS.search(text)
        if task:
            sc = SC.search(task.group(0))
            st = ST.search(task.group(0))
            mo = MO.search(task.group(0))
            hour, minute = (int(st.group(1)), int(st.group(2))) if st else (0, 0)
            unit = (sc.group(1).lower() if sc else "").replace("ly", "").replace("dai", "day")
            cron = (
                schedule.every(unit, int(mo.group(1)) if mo else 1, hour=hour, minute=minute)
                if unit in {"minute", "hour", "day", "week", "month"}
                else None
            )
            f.triggers.append(trigger("schedule", cron, task.group(0)))
        else:
            f.triggers.append(trigger("manual", None, "run by hand or by a scheduled task"))
        return [f]
