"""Windows Task Scheduler XML (UTF-16 with BOM; extension-less under System32\\Tasks)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

NS = re.compile(r"\{[^}]*\}")
SCRIPT = re.compile(r"(?P<s>[\w:./\\~\- ]+?\.(?:py|ps1|bat|cmd|vbs|js|xlsm|exe))\b", re.I)


def _strip(root: ET.Element) -> ET.Element:
    for el in root.iter():
        el.tag = NS.sub("", el.tag)
    return root


def _text(el: ET.Element | None, path: str) -> str:
    found = el.find(path) if el is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


@register
class WindowsTask(Detector):
    """Windows Task Scheduler XML (UTF-16 with BOM; extension-less in the Tasks folder)."""

    name = "windows-task"
    platform = "windows-task"
    extensions = (".xml", ".job")
    priority = 5
    sniffs = True

    def claims(self, relpath_lower: str, name: str, ext: str) -> bool:
        return "system32/tasks/" in relpath_lower or relpath_lower.startswith("tasks/")

    def sniff(self, head: str) -> bool:
        return "<Task" in head and "mit/task" in head

    def analyze(self, art: Artifact) -> list[Finding]:
        text = art.text
        if "<Task" not in text or "mit/task" not in text:
            return []
        try:
            root = _strip(
                ET.fromstring(
                    text.encode("utf-8")
                    if text.startswith("<?xml") is False
                    else re.sub(r"^<\?xml[^>]*\?>", "", text).encode("utf-8")
                )
            )
        except ET.ParseError:
            f = self.finding(art)
            f.errors.append("task XML is malformed")
            f.triggers.append(trigger("schedule"))
            return [f]
        # one task, or several in a <Tasks> root (``schtasks /query /xml`` of many)
        tasks = [root] if root.tag == "Task" else [t for t in root if t.tag == "Task"]
        out = []
        for index, task in enumerate(tasks):
            f = self._task(art, task)
            if len(tasks) > 1:
                # several tasks in one file: signals come from each task's own XML
                f.location = f"{art.location}#{index}"
                f.generic_signals = False
                enrich_text(f, art, ET.tostring(task, encoding="unicode"))
            out.append(f)
        return out

    def _task(self, art: Artifact, root: ET.Element) -> Finding:
        uri = _text(root, "RegistrationInfo/URI")
        f = self.finding(art, uri.strip("\\").rsplit("\\", 1)[-1] if uri else None)
        f.confidence = 0.95
        author = _text(root, "RegistrationInfo/Author")
        if author:
            f.owner(2, author)
        user = _text(root, "Principals/Principal/UserId")
        if user:
            f.owner(2, user)
        if _text(root, "Principals/Principal/LogonType") == "Password":
            f.credentials.add("windows-task:stored-password")
        desc = _text(root, "RegistrationInfo/Description")
        if desc:
            f.extra["description"] = desc[:300]
        self._triggers(f, root.find("Triggers"))
        for ex in root.findall("Actions/Exec"):
            cmd, args = _text(ex, "Command"), _text(ex, "Arguments")
            f.extra.setdefault("exec", []).append(f"{cmd} {args}".strip()[:400])
            for s in SCRIPT.findall(f"{cmd} {args}"):
                if not s.lower().endswith(
                    (
                        "python.exe",
                        "pwsh.exe",
                        "powershell.exe",
                        "cmd.exe",
                        "wscript.exe",
                        "cscript.exe",
                    )
                ):
                    f.runs.add(s.strip().replace("\\", "/"))
            users = re.search(r"(?i)\\Users\\([^\\]+)\\", cmd + args)
            if users:
                f.owner(3, users.group(1))
        if not f.triggers:
            f.triggers.append(trigger("manual"))
        if f.runs and not uri:
            f.name = sorted(f.runs)[0].rsplit("/", 1)[-1]
        return f

    def _triggers(self, f: Finding, triggers: ET.Element | None) -> None:
        if triggers is None:
            return
        for t in triggers:
            tag = t.tag
            start = _text(t, "StartBoundary")
            hour, minute = 0, 0
            m = re.search(r"T(\d{2}):(\d{2})", start)
            if m:
                hour, minute = int(m.group(1)), int(m.group(2))
            rep = _text(t, "Repetition/Interval")
            rep_seconds = schedule.iso_duration_seconds(rep) if rep else None
            if tag == "CalendarTrigger":
                if t.find("ScheduleByDay") is not None:
                    n = int(_text(t, "ScheduleByDay/DaysInterval") or 1)
                    cron = schedule.every("day", n, hour=hour, minute=minute)
                elif t.find("ScheduleByWeek") is not None:
                    days_el = t.find("ScheduleByWeek/DaysOfWeek")
                    days = (
                        [schedule.day_number(d.tag) for d in days_el]
                        if days_el is not None
                        else [1]
                    )
                    cron = f"{minute} {hour} * * {','.join(str(d) for d in days if d is not None) or '1'}"  # noqa: E501
                elif t.find("ScheduleByMonth") is not None:
                    days = [d.text for d in t.findall("ScheduleByMonth/DaysOfMonth/Day") if d.text]
                    cron = f"{minute} {hour} {','.join(days) or '1'} * *"
                else:
                    cron = None
                if rep_seconds and cron:
                    cron = schedule.seconds_to_cron(rep_seconds)
                f.triggers.append(trigger("schedule", cron, f"CalendarTrigger {start}"))
            elif tag == "TimeTrigger":
                cron = schedule.seconds_to_cron(rep_seconds) if rep_seconds else None
                f.triggers.append(
                    trigger(
                        "schedule", cron, f"TimeTrigger {start}" + (f" every {rep}" if rep else "")
                    )
                )
            elif tag in (
                "BootTrigger",
                "LogonTrigger",
                "IdleTrigger",
                "EventTrigger",
                "RegistrationTrigger",
                "SessionStateChangeTrigger",
            ):
                f.triggers.append(trigger("event", None, tag))
