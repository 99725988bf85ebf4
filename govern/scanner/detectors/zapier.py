"""Zapier "Export Zaps" files (zapfile.json, also inside a zip)."""

from __future__ import annotations

import re

from govern.scanner import fingerprint, schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import add_mode, service_asset, verb_mode
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

AI_APIS = {
    "openaicliapi": "openai",
    "chatgptcliapi": "openai",
    "anthropiccliapi": "anthropic",
    "claudecliapi": "anthropic",
    "googlegeminicliapi": "google-gemini",
    "perplexitycliapi": "perplexity",
    "mistralcliapi": "mistral",
    "azureopenaicliapi": "azure-openai",
    "aibyzapiercliapi": "openai",
}


def _is_zap(doc) -> bool:
    """A zap: ``nodes`` keyed by id, each step naming its app in ``selected_api``."""
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    return (
        isinstance(nodes, dict)
        and bool(nodes)
        and all(isinstance(n, dict) and "selected_api" in n for n in nodes.values())
    )


@register
class Zapier(Detector):
    """Zapier "Export Zaps" files (zapfile.json, also inside a zip)."""

    name = "zapier"
    platform = "zapier"
    extensions = (".json",)
    priority = 21
    keywords = (('"zaps"', "det:zapier"), ("selected_api", "det:zapier"))

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:zapier"):
            return []
        doc = art.json()
        if isinstance(doc, dict) and _is_zap(doc):
            doc = {"zaps": [doc]}  # one zap on its own, not wrapped in an export
        elif isinstance(doc, list) and doc and all(_is_zap(z) for z in doc):
            doc = {"zaps": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("zaps"), list):
            return []
        out = []
        zaps = [z for z in doc["zaps"] if isinstance(z, dict) and isinstance(z.get("nodes"), dict)]
        for zap in zaps:
            f = self.finding(art, str(zap.get("title") or f"zap {zap.get('id')}"))
            if len(zaps) > 1:
                f.location = f"{art.location}#{zap.get('id')}"
            f.confidence = 0.95
            f.fingerprint = fingerprint.of_json(zap.get("nodes"))
            f.extra["status"] = zap.get("status")
            for node in zap["nodes"].values():
                if isinstance(node, dict):
                    self._node(f, node)
            if not f.triggers:
                f.triggers.append(trigger("event"))
            out.append(f)
        return out

    def _node(self, f: Finding, node: dict) -> None:
        api = str(node.get("selected_api") or "")
        app = re.sub(r"(?:V\d+)?CLIAPI.*$|API@.*$|@.*$", "", api) or api
        action = str(node.get("action") or "")
        ai = AI_APIS.get(api.split("@")[0].lower())
        if node.get("customuser_id"):
            f.owner(5, f"zapier-user:{node['customuser_id']}")
        if node.get("authentication_id"):
            f.credentials.add(f"zapier-auth:{app}:{node['authentication_id']}")
        if node.get("parent_id") is None:
            if "schedule" in api.lower():
                f.triggers.append(
                    trigger("schedule", _zap_schedule(node.get("params") or {}), f"{api} {action}")
                )
            else:
                stores = node.get("triple_stores") or {}
                interval = (
                    stores.get("polling_interval_override") if isinstance(stores, dict) else None
                )
                detail = f"{app} {action}" + (
                    f" (polling every {interval} min)" if interval else ""
                )
                f.triggers.append(trigger("event", None, detail))
        if ai:
            f.ai_services.add(ai)
            model = (node.get("params") or {}).get("model")
            if isinstance(model, str) and model:
                f.ai_models.add(model)
            return
        if not app or app.lower() in (
            "filter",
            "formatter",
            "delay",
            "paths",
            "code",
            "utilities",
            "zapierformatter",
        ):
            return
        params = node.get("params") or {}
        parammap = (
            ((node.get("meta") or {}).get("parammap") or {})
            if isinstance(node.get("meta"), dict)
            else {}
        )
        resource = ""
        for key in (
            "spreadsheet",
            "worksheet",
            "channel",
            "project",
            "board",
            "base",
            "table",
            "list",
        ):
            if parammap.get(key) or params.get(key):
                resource = str(parammap.get(key) or params.get(key))
                break
        if app.lower().startswith("googlesheets") and params.get("spreadsheet"):
            asset = f"gsheets://docs.google.com/{params['spreadsheet']}"
        else:
            asset = service_asset(app, resource)
        mode = (
            "read"
            if node.get("type_of") == "read"
            else "write"
            if node.get("type_of") == "write"
            else verb_mode(action)
        )
        add_mode(f, asset, mode)


def _zap_schedule(params: dict) -> str | None:
    freq = str(params.get("frequency") or params.get("trigger") or "").lower()
    hour = (
        int(params.get("time_of_day", 0) or 0)
        if str(params.get("time_of_day", "0")).isdigit()
        else 0
    )
    if "hour" in freq:
        return "0 * * * *"
    if "week" in freq:
        return schedule.every("week", hour=hour)
    if "month" in freq:
        return schedule.every("month", hour=hour)
    if "day" in freq:
        return schedule.every("day", hour=hour)
    return None
