"""VBA modules exported from Office (.bas/.cls/.frm) and VBScript (.vbs)."""

from __future__ import annotations

import re

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

PROC = re.compile(r"(?im)^\s*(?:\d+\s+)?(?:public\s+|private\s+)?(?:sub|function)\s+(\w+)")
HEADER = re.compile(r"(?i)^\s*(?:Attribute\s+VB_Name|VERSION\s+\d|Begin\s+VB\.)")
ON_TIME = re.compile(r"(?i)Application\.OnTime\s+(?P<when>[^,\r\n]+)")
WORKBOOKS_OPEN = re.compile(r"""(?i)Workbooks\.Open\s*\(?\s*(?:Filename:=)?["']([^"']+)["']""")
ADO = re.compile(r"(?i)ADODB\.Connection|\.ConnectionString|\.Open\s+\"Provider=")
VB_NAME = re.compile(r"""(?i)Attribute\s+VB_Name\s*=\s*["']([^"']+)""")


def vba_triggers(f: Finding, code: str) -> None:
    """Triggers from event handlers and OnTime (FORMATS.md section 10)."""
    procs = {p.lower() for p in PROC.findall(code)}
    if procs & {"workbook_open", "auto_open", "document_open", "autoopen", "autoexec"}:
        f.triggers.append(trigger("event", None, "runs when the document opens"))
    if ON_TIME.search(code):
        f.triggers.append(
            trigger(
                "schedule",
                None,
                "Application.OnTime " + ON_TIME.search(code).group("when").strip()[:80],
            )
        )
    if any(
        p.startswith(("worksheet_", "workbook_", "document_"))
        and p not in {"workbook_open", "document_open"}
        for p in procs
    ):
        f.triggers.append(trigger("event", None, "document event handler"))
    if any(p.endswith("_click") for p in procs) or not f.triggers:
        f.triggers.append(trigger("manual", None, "button or macro run by a person"))
    for path in WORKBOOKS_OPEN.findall(code):
        if ":" in path or path.startswith("\\\\"):
            f.reads.add("file:///" + path.replace("\\", "/").lstrip("/"))
    if "outlook.application" in code.lower():
        f.writes.add("exchange://outlook")


@register
class VbaModule(Detector):
    """VBA modules exported from Office (.bas/.cls/.frm) and VBScript (.vbs)."""

    name = "vba"
    platform = "vba"
    extensions = (".bas", ".cls", ".frm", ".vba", ".vbs")
    priority = 55

    def analyze(self, art: Artifact) -> list[Finding]:
        code = art.text
        procs = PROC.findall(code)
        if not procs and not (art.ext == ".vbs" and re.search(r"(?i)CreateObject\(", code)):
            return []
        if art.ext == ".bas" and not (
            HEADER.search(code[:500]) or re.search(r"(?im)^\s*end\s+(sub|function)", code)
        ):
            return []
        name = VB_NAME.search(code)
        f = self.finding(art, name.group(1) if name else None)
        f.confidence = 0.85 if HEADER.search(code[:500]) else 0.7
        vba_triggers(f, code)
        if ADO.search(code):
            f.extra["uses_ado"] = True
        return [f]
