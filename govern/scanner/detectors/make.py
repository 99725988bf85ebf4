"""Make (Integromat) scenario blueprints; tolerant of hand-redacted invalid JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from govern.scanner import fingerprint, schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import add_mode, service_asset, verb_mode
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

AI_APPS = {
    "openai-gpt-3": "openai",
    "openai": "openai",
    "anthropic-claude": "anthropic",
    "gemini-ai": "google-gemini",
    "google-gemini-ai": "google-gemini",
    "perplexity-ai": "perplexity",
    "mistral-ai": "mistral",
    "azure-openai": "azure-openai",
    "hugging-face": "huggingface",
    "cohere": "cohere",
}
MODULE_RE = re.compile(r'"module"\s*:\s*"([\w\-]+):(\w+)"')
NAME_RE = re.compile(r'^\s*\{\s*"name"\s*:\s*"([^"]+)"')
SEND_APPS = (
    "email",
    "gmail",
    "slack",
    "microsoft-email",
    "telegram",
    "discord",
    "microsoft-teams",
    "twilio",
)


def modules(flow) -> Iterator[dict]:
    stack = [flow]
    while stack:
        current = stack.pop()
        if not isinstance(current, list):
            continue
        for module in current:
            if not isinstance(module, dict):
                continue
            yield module
            for route in module.get("routes") or []:
                if isinstance(route, dict):
                    stack.append(route.get("flow"))
            if isinstance(module.get("onerror"), list):
                stack.append(module["onerror"])


@register
class MakeBlueprint(Detector):
    """Make (Integromat) scenario blueprints; tolerant of hand-redacted invalid JSON."""

    name = "make"
    platform = "make"
    extensions = (".json",)
    priority = 23
    keywords = (('"module"', "det:make"),)

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:make"):
            return []
        doc = art.json()
        if isinstance(doc, dict) and isinstance(doc.get("response"), dict):
            doc = doc["response"]  # the API's envelope: {"code": "OK", "response": {...}}
        scheduling = doc.get("scheduling") if isinstance(doc, dict) else None
        if isinstance(doc, dict) and isinstance(doc.get("blueprint"), dict):
            doc = doc["blueprint"]
        if isinstance(doc, dict) and (
            isinstance(doc.get("flow"), list) or isinstance(doc.get("subflows"), list)
        ):
            f = self._blueprint(art, doc)
            if isinstance(scheduling, dict) and f.triggers:
                f.triggers = [_scheduling(scheduling, f.triggers[0])]
            return [f]
        if doc is None and '"flow"' in art.text and '"metadata"' in art.text:
            return self._fallback(art)
        return []

    def _blueprint(self, art: Artifact, doc: dict) -> Finding:
        flow = doc.get("flow") or []
        for sub in doc.get("subflows") or []:
            if isinstance(sub, dict):
                flow = flow + (sub.get("flow") or [])
        f = self.finding(art, str(doc.get("name") or "") or None)
        f.confidence = 0.95
        f.fingerprint = fingerprint.of_json(flow)
        meta = doc.get("metadata") or {}
        mods = list(modules(flow))
        if not mods:
            return f
        first = mods[0]
        app = str(first.get("module", "")).split(":")[0]
        if meta.get("instant") or app in ("gateway", "webhook"):
            f.triggers.append(trigger("webhook", None, str(first.get("module"))))
        else:
            f.triggers.append(
                trigger("schedule", None, f"scheduled, interval unknown ({first.get('module')})")
            )
        for index, module in enumerate(mods):
            self._module(f, module, index == 0)
        if isinstance(meta, dict) and meta.get("zone"):
            f.extra["zone"] = meta["zone"]
        return f

    def _module(self, f: Finding, module: dict, first: bool) -> None:
        ident = str(module.get("module", ""))
        app, _, action = ident.partition(":")
        if app in (
            "builtin",
            "util",
            "regexp",
            "json",
            "flow-control",
            "gateway",
            "webhook",
            "",
        ) or app.startswith("builtin"):
            return
        restore = ((module.get("metadata") or {}).get("restore") or {}).get("parameters") or {}
        conn = restore.get("__IMTCONN__") if isinstance(restore, dict) else None
        if isinstance(conn, dict):
            label = conn.get("label")
            ctype = (
                (conn.get("data") or {}).get("connection")
                if isinstance(conn.get("data"), dict)
                else None
            )
            f.credentials.add(f"make-connection:{ctype or app}" + (f":{label}" if label else ""))
            if label:
                f.owner(1, str(label))
        mapper = module.get("mapper") if isinstance(module.get("mapper"), dict) else {}
        for key in ("to", "from", "sender"):
            value = mapper.get(key)
            if isinstance(value, str) and "@" in value and "{{" not in value:
                f.owner(4, value)
        if app in AI_APPS:
            f.ai_services.add(AI_APPS[app])
            model = mapper.get("model")
            if isinstance(model, str) and model and "{{" not in model:
                f.ai_models.add(model)
            return
        if app == "http":
            from govern.scanner import signals

            asset = signals.url_asset(str(mapper.get("url", "")))
            if asset:
                f.calls.add(asset)
            return
        mode = (
            "read"
            if first
            else verb_mode(action) or ("write" if app.startswith(SEND_APPS) else None)
        )
        add_mode(f, service_asset(app), mode)

    def _fallback(self, art: Artifact) -> list[Finding]:
        found = MODULE_RE.findall(art.text)
        if not found:
            return []
        name = NAME_RE.search(art.text)
        f = self.finding(art, name.group(1) if name else None)
        f.errors.append("blueprint is not valid JSON; read with a tolerant fallback")
        f.confidence = 0.7
        instant = re.search(r'"instant"\s*:\s*true', art.text)
        f.triggers.append(
            trigger("webhook" if instant else "schedule", None, "from fallback parse")
        )
        for index, (app, action) in enumerate(found):
            self._module(f, {"module": f"{app}:{action}"}, index == 0)
        return [f]


def _scheduling(sched: dict, default: dict) -> dict:
    """The ``scheduling`` object the API returns beside a blueprint (not in UI exports)."""
    kind = str(sched.get("type", "")).lower()
    at = re.fullmatch(r"(\d{1,2}):(\d{2})", str(sched.get("time") or ""))
    hour, minute = (int(at.group(1)), int(at.group(2))) if at else (0, 0)
    detail = json.dumps(sched, sort_keys=True)[:150]
    if kind == "indefinitely":
        try:
            seconds = int(sched.get("interval") or 900)
        except (TypeError, ValueError):
            seconds = 900
        return trigger("schedule", schedule.seconds_to_cron(seconds), detail)
    if kind == "daily":
        return trigger("schedule", schedule.every("day", hour=hour, minute=minute), detail)
    if kind == "weekly":
        days = [int(d) % 7 for d in sched.get("days") or [1] if str(d).isdigit()] or [1]
        return trigger(
            "schedule", schedule.every("week", hour=hour, minute=minute, weekdays=days), detail
        )
    if kind == "monthly":
        return trigger("schedule", schedule.every("month", hour=hour, minute=minute), detail)
    if kind == "immediately":
        return trigger("webhook", None, detail)
    if kind in ("on-demand", "once"):
        return trigger("manual", None, detail)
    return default
