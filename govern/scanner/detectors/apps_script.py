"""Google Apps Script: .gs/.js code using the global services, appsscript.json manifests."""

from __future__ import annotations

import json
import posixpath
import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

GLOBALS = re.compile(
    r"\b(SpreadsheetApp|GmailApp|MailApp|DriveApp|UrlFetchApp|ScriptApp|PropertiesService|FormApp|"
    r"CalendarApp|DocumentApp|SlidesApp|ContentService|HtmlService|CacheService|LockService)\."
)
# the handler is a name in quotes or a constant/expression holding it
HANDLER = r"newTrigger\(\s*['\"`]?([\w.$\[\]]+)['\"`]?\s*\)"
TIME_BASED = re.compile(HANDLER + r"\s*\.timeBased\(\)(?P<chain>[^;]{0,300})")
EVENT_TRIGGER = re.compile(HANDLER + r"\s*\.(?:for\w+\((?:[^()]|\([^()]*\))*\)\s*\.)?(on\w+)\(\)")
SIMPLE = re.compile(
    r"(?m)^\s*(?:async\s+)?function\s+(onOpen|onEdit|onFormSubmit|onInstall|onChange|doGet|doPost|onSelectionChange)\s*\("
)
EVERY = re.compile(r"\.every(Minutes|Hours|Days|Weeks)\(\s*(\d+)\s*\)")
AT_HOUR = re.compile(r"\.atHour\(\s*(\d+)\s*\)")
NEAR_MINUTE = re.compile(r"\.nearMinute\(\s*(\d+)\s*\)")
ON_WEEKDAY = re.compile(r"onWeekDay\(\s*ScriptApp\.WeekDay\.(\w+)\s*\)")
SEND = re.compile(r"\b(?:MailApp|GmailApp)\.send(?:Email)?\(")
GMAIL_READ = re.compile(r"\bGmailApp\.(?:search|getInboxThreads|getUserLabelByName)")
SHEET_NAME = re.compile(r"getSheetByName\(\s*['\"]([^'\"]+)['\"]")
PROPERTY = re.compile(r"getProperty\(\s*['\"]([^'\"]+)['\"]")


def _project_dir(art: Artifact) -> str | None:
    for name in ("appsscript.json", ".clasp.json"):
        if art.sibling_exists(name):
            return posixpath.dirname(art.location)
    return None


@register
class AppsScript(Detector):
    """Google Apps Script: .gs/.js code using the global services, appsscript.json manifests."""

    name = "apps-script"
    platform = "apps-script"
    extensions = (".gs", ".js")
    filenames = ("appsscript.json", ".clasp.json")
    priority = 30
    sniffs = True

    def sniff(self, head: str) -> bool:
        return bool(re.search(r"(?m)^\s*function\s+\w+\s*\(", head)) and bool(GLOBALS.search(head))

    def analyze(self, art: Artifact) -> list[Finding]:
        if art.lname in ("appsscript.json", ".clasp.json"):
            return self._manifest(art)
        text = art.text
        if not GLOBALS.search(text) and not (art.ext == ".gs" and "function " in text):
            return []
        if art.ext == ".js" and len(GLOBALS.findall(text)) < 1:
            return []
        f = self.finding(art)
        f.group = _project_dir(art)
        self._triggers(f, text)
        if SEND.search(text):
            f.writes.add("smtp://gmail.com")
        if GMAIL_READ.search(text):
            f.reads.add("imap://gmail.com")
        for sheet in SHEET_NAME.findall(text):
            f.extra.setdefault("sheets", []).append(sheet)
        f.credentials |= {f"script-property:{p}" for p in PROPERTY.findall(text)}
        return [f]

    def _triggers(self, f: Finding, text: str) -> None:
        for m in TIME_BASED.finditer(text):
            chain = m.group("chain")
            every = EVERY.search(chain)
            hour = AT_HOUR.search(chain)
            minute = NEAR_MINUTE.search(chain)
            h = int(hour.group(1)) if hour else 0
            mi = int(minute.group(1)) if minute else 0
            day = ON_WEEKDAY.search(chain)
            cron = None
            if day:
                cron = f"{mi} {h} * * {schedule.day_number(day.group(1))}"
            elif every:
                cron = schedule.every(every.group(1), int(every.group(2)), hour=h, minute=mi)
            f.triggers.append(trigger("schedule", cron, f"time-based trigger for {m.group(1)}()"))
        for m in EVENT_TRIGGER.finditer(text):
            f.triggers.append(trigger("event", None, f"{m.group(2)} -> {m.group(1)}()"))
        for fn in SIMPLE.findall(text):
            kind = "webhook" if fn in ("doGet", "doPost") else "event"
            f.triggers.append(trigger(kind, None, f"simple trigger {fn}()"))
        if not f.triggers:
            f.triggers.append(trigger("manual"))

    def _manifest(self, art: Artifact) -> list[Finding]:
        doc = art.json()
        if not isinstance(doc, dict):
            return []
        if art.lname == ".clasp.json":
            if "scriptId" not in doc:
                return []
            f = self.finding(
                art, posixpath.basename(posixpath.dirname(art.location)) or "apps-script"
            )
            f.group = posixpath.dirname(art.location)
            f.owner(5, f"scriptId:{doc['scriptId']}")
            f.triggers = []
            return [f]
        if not (
            {"timeZone", "runtimeVersion", "oauthScopes", "dependencies", "exceptionLogging"}
            & set(doc)
        ):
            return []
        f = self.finding(art, posixpath.basename(posixpath.dirname(art.location)) or "apps-script")
        f.group = posixpath.dirname(art.location)
        f.extra["primary"] = True
        f.extra["oauth_scopes"] = doc.get("oauthScopes") or []
        if doc.get("webapp"):
            f.triggers.append(trigger("webhook", None, "deployed as a web app"))
        add_ons = doc.get("addOns")
        if isinstance(add_ons, dict):
            f.triggers.append(
                trigger("event", None, "add-on: " + json.dumps(sorted(add_ons))[:100])
            )
        if doc.get("timeZone"):
            f.extra["timezone"] = doc["timeZone"]
        return [f]
