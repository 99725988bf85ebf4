"""UiPath projects: project.json plus .xaml workflows (Integration Service configs decoded)."""

from __future__ import annotations

import base64
import gzip
import posixpath
import re

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

CONFIG = re.compile(r'Configuration="(H4sI[A-Za-z0-9+/=]+)"')
ACTIVITY = re.compile(r"<(\w+):(\w+)\b")
ASSET = re.compile(
    r'(?:GetRobotCredential|GetRobotAsset|GetCredential|GetAsset)[^>]*?AssetName="([^"]+)"'
)
SMTP = re.compile(r'SendSmtpMailMessage[^>]*?Server="([^"{\[]+)"')
ENDPOINT = re.compile(r'HttpClient[^>]*?EndPoint="([^"]+)"')
GENAI = re.compile(r"GenAI|generateChatCompletion|\bOpenAI\b|ChatGPT", re.I)
MAIL_WRITE = ("SendMail", "SendOutlookMail", "SendSmtpMail", "SendEmail", "SendExchangeMail")
DB = re.compile(r'ConnectionString="([^"]+)"')


def _decode_configs(text: str) -> str:
    decoded = []
    for blob in CONFIG.findall(text)[:50]:
        try:
            raw = gzip.decompress(base64.b64decode(blob))[:200_000]
            decoded.append(raw.decode("utf-8", "replace"))
        except (ValueError, OSError, EOFError):
            continue
    return "\n".join(decoded)


@register
class UiPath(Detector):
    """UiPath projects: project.json plus .xaml workflows (Integration Service configs decoded)."""

    name = "uipath"
    platform = "uipath"
    extensions = (".xaml",)
    filenames = ("project.json",)
    priority = 26

    def analyze(self, art: Artifact) -> list[Finding]:
        if art.lname == "project.json":
            return self._project(art)
        text = art.text
        if "schemas.uipath.com" not in text and "UiPath." not in text:
            return []
        if (
            art.name.startswith("~")
            or "(autosaved)" in art.lname
            or "/.local/" in f"/{art.relpath}"
        ):
            return []
        f = self.finding(art)
        f.group = self._project_dir(art)
        f.generic_signals = True
        configs = _decode_configs(text)
        if configs:
            if GENAI.search(configs):
                f.ai_services.add("uipath-genai")
            enrich_text(f, art, configs)
            for model in re.findall(r'"((?:gpt|claude|gemini)-[\w.\-]+)"', configs):
                f.ai_models.add(model)
        f.credentials |= {f"orchestrator-asset:{a}" for a in ASSET.findall(text)}
        for server in SMTP.findall(text):
            f.writes.add(f"smtp://{server.lower()}")
        for ep in ENDPOINT.findall(text):
            from govern.scanner import signals

            asset = signals.url_asset(ep)
            if asset:
                f.calls.add(asset)
        acts = {name for _, name in ACTIVITY.findall(text)}
        if acts & set(MAIL_WRITE):
            f.writes.add("exchange://outlook")
        f.extra["activities"] = sorted(a for a in acts if a[0].isupper())[:40]
        return [f]

    def _project_dir(self, art: Artifact) -> str | None:
        location_dir = posixpath.dirname(art.location)
        for up in ("", "../", "../../"):
            if art.sibling_exists(up + "project.json"):
                path = location_dir
                for _ in range(up.count("../")):
                    path = posixpath.dirname(path)
                return path
        return None

    def _project(self, art: Artifact) -> list[Finding]:
        doc = art.json()
        if not isinstance(doc, dict):
            return []
        deps = doc.get("dependencies") or doc.get("Dependencies") or {}
        main = doc.get("main") or doc.get("MainWorkflow")
        if not main or not (
            isinstance(deps, dict)
            and any(str(k).startswith("UiPath") for k in deps)
            or str(main).endswith(".xaml")
        ):
            return []
        f = self.finding(
            art,
            str(
                doc.get("name")
                or doc.get("Name")
                or posixpath.basename(posixpath.dirname(art.location))
            ),
        )
        f.group = posixpath.dirname(art.location)
        f.extra["primary"] = True
        f.confidence = 0.95
        runtime = doc.get("runtimeOptions") or {}
        attended = runtime.get("isAttended") if isinstance(runtime, dict) else None
        f.triggers.append(
            trigger(
                "manual" if attended else "schedule",
                None,
                "attended robot" if attended else "Orchestrator trigger (not in the project)",
            )
        )
        profile = (
            (doc.get("designOptions") or {}).get("projectProfile")
            if isinstance(doc.get("designOptions"), dict)
            else None
        )
        f.extra.update(
            {
                "dependencies": sorted(deps)[:40] if isinstance(deps, dict) else [],
                "profile": profile,
                "expression_language": doc.get("expressionLanguage"),
                "target_framework": doc.get("targetFramework"),
            }
        )
        if any("GenAI" in str(k) or "OpenAI" in str(k) for k in deps):
            f.ai_services.add("uipath-genai")
        if doc.get("description"):
            f.extra["description"] = str(doc["description"])[:300]
        return [f]
