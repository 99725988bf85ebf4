"""Power Automate Desktop: Robin scripts (copied from the designer) and solution definitions."""

from __future__ import annotations

import contextlib
import json
import re

from govern.registry.ai_providers import ai_provider_for
from govern.scanner import signals
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text, service_asset
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

ACTION = re.compile(r"(?m)^\s*(?:[A-Z][A-Za-z]+\.){1,3}[A-Z][A-Za-z]+\b[^\r\n]*(?:=>|:)")
ROBIN_HINT = re.compile(
    r"(?m)^\s*(SET\s+\w+\s+TO\b|\*\*REGION|@@\w+:|IF\s.+\sTHEN\s*$|LOOP\s+\w+|CALL\s+\w+|IMPORT\s+')"
)
CONNECTOR = re.compile(r"ConnectorId:\s*'([^']+)'[^\r\n]*?OperationId:\s*'([^']+)'")
LLM = re.compile(r"LLM\.InvokeLLM[^\r\n]*?EndpointUrl:\s*\$?'{0,3}([^'\s]+)")
# '@@copilotGeneratedAction: 'False'' marks an action a person wrote
COPILOT = re.compile(
    r"@@copilotGeneratedAction:\s*'?True|Copilot\.|AIBuilder\.|AI\.GenerateText", re.I
)
WEB = re.compile(r"Web\.InvokeWebService[^\r\n]*?Url:\s*\$?'([^']+)'")
SQL = re.compile(r"Database\.\w+[^\r\n]*?ConnectionString:\s*\$?'([^']+)'")
SMTP = re.compile(r"Email\.SendEmail[^\r\n]*?SMTPServer:\s*\$?'([^']+)'")
EXCEL = re.compile(r"Excel\.LaunchExcel[^\r\n]*?Path:\s*\$?'([^']+)'")
CATEGORY6 = re.compile(r"<Category>\s*6\s*</Category>")
DEFINITION = re.compile(r"<Definition>(.*?)</Definition>", re.S)
WF_NAME = re.compile(r'<Workflow[^>]*\bName="([^"]+)"')


def is_robin(text: str) -> bool:
    return len(ACTION.findall(text)) >= 2 and bool(ROBIN_HINT.search(text))


def robin(f: Finding, text: str) -> None:
    for cid, _op in CONNECTOR.findall(text):
        name = cid.rsplit("/", 1)[-1].replace("shared_", "")
        f.calls.add(service_asset(name))
        f.credentials.add(f"connection:{name}")
    for url in LLM.findall(text):
        asset = signals.url_asset(url) or url
        f.calls.add(asset)
        f.ai_services.add(ai_provider_for(asset) or ("ollama" if ":11434" in url else "local-llm"))
    if "LLM.InvokeLLM" in text and not f.ai_services:
        f.ai_services.add("local-llm")
    if COPILOT.search(text):
        f.ai_services.add("copilot")
    for url in WEB.findall(text):
        asset = signals.url_asset(url)
        if asset:
            f.calls.add(asset)
    for server in SMTP.findall(text):
        f.writes.add(f"smtp://{server.lower()}")
    for path in EXCEL.findall(text):
        f.reads.add("file:///" + path.replace("\\", "/").lstrip("/"))
    for _conn in SQL.findall(text):
        f.extra.setdefault("connection_strings", 0)
        f.extra["connection_strings"] += 1
    sensitive = re.search(r"@SENSITIVE:\s*\[([^\]]*)\]", text)
    if sensitive:
        f.credentials |= {
            f"pad-sensitive:{v.strip()}" for v in sensitive.group(1).split(",") if v.strip()
        }


@register
class PowerAutomateDesktop(Detector):
    """Power Automate Desktop: Robin scripts (copied from the designer) and solution definitions."""

    name = "power-automate-desktop"
    platform = "power-automate-desktop"
    extensions = (".txt", ".robin")
    filenames = ("customizations.xml",)
    priority = 40
    sniffs = True

    def sniff(self, head: str) -> bool:
        return is_robin(head)

    def analyze(self, art: Artifact) -> list[Finding]:
        if art.lname == "customizations.xml":
            return self._solution(art)
        text = art.text
        named = art.ext == ".robin" and bool(ACTION.search(text))  # the name says Robin
        if not (named or is_robin(text)):
            return []
        f = self.finding(art)
        f.confidence = 0.85
        f.triggers.append(
            trigger(
                "manual", None, "desktop flow: started by a person, a cloud flow or Task Scheduler"
            )
        )
        robin(f, text)
        return [f]

    def _solution(self, art: Artifact) -> list[Finding]:
        text = art.text
        if not CATEGORY6.search(text):
            return []
        out = []
        for block in re.split(r"(?=<Workflow\s)", text)[1:]:
            if not CATEGORY6.search(block):
                continue
            m = DEFINITION.search(block)
            if not m:
                continue
            body = m.group(1)
            with contextlib.suppress(ValueError):
                body = json.loads(body) if body.strip().startswith('"') else body
            body = (
                str(body)
                .replace("&#xD;", "\r")
                .replace("&#xA;", "\n")
                .replace("&apos;", "'")
                .replace("&quot;", '"')
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
            )
            name = WF_NAME.search(block)
            f = self.finding(art, name.group(1) if name else None)
            f.location = f"{art.location}#{name.group(1) if name else len(out)}"
            f.generic_signals = False
            f.triggers.append(trigger("manual", None, "desktop flow"))
            robin(f, body)
            enrich_text(f, art, body)
            f.extra["packaging"] = "solution"
            out.append(f)
        return out
