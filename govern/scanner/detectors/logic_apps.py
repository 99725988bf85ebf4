"""Azure Logic Apps: Standard projects, ARM templates (Consumption), template gallery."""

from __future__ import annotations

import json
import posixpath
import re

from govern.scanner import fingerprint
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors import _wdl
from govern.scanner.detectors._common import enrich_text
from govern.scanner.detectors.power_automate import _is_logic_app
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register


@register
class LogicApps(Detector):
    """Azure Logic Apps: Standard projects, ARM templates (Consumption), template gallery."""

    name = "logic-apps"
    platform = "logic-apps"
    extensions = (".json",)
    priority = 24
    keywords = (("microsoft.logic/workflows", "det:logic"),)

    def analyze(self, art: Artifact) -> list[Finding]:
        if not (art.hits.get("det:logic") or art.hits.get("det:wdl")):
            return []
        doc = art.json()
        if not isinstance(doc, dict):
            return []
        if isinstance(doc.get("resources"), list):
            return self._arm(art, doc)
        definition = _wdl.find_definition(doc)
        if definition is None or not _is_logic_app(art, doc):
            return []
        name = posixpath.basename(art.dir) if art.lname == "workflow.json" else art.stem
        f = self.finding(art, name or art.stem)
        f.confidence = 0.9
        f.fingerprint = fingerprint.of_json(definition)
        _wdl.analyze(f, definition)
        f.extra["kind"] = doc.get("kind") or "definition"
        self._project(f, art)
        if not f.triggers:
            f.triggers.append(trigger("manual"))
        return [f]

    def _arm(self, art: Artifact, doc: dict) -> list[Finding]:
        out = []
        for res in doc["resources"]:
            if (
                not isinstance(res, dict)
                or str(res.get("type", "")).lower() != "microsoft.logic/workflows"
            ):
                continue
            props = res.get("properties") or {}
            definition = props.get("definition")
            if not _wdl.is_definition(definition):
                continue
            raw_name = str(res.get("name", art.stem))
            name = _arm_name(raw_name, doc) or art.stem
            f = self.finding(art, name)
            if (
                len(out)
                or sum(
                    1
                    for r in doc["resources"]
                    if isinstance(r, dict)
                    and str(r.get("type", "")).lower() == "microsoft.logic/workflows"
                )
                > 1
            ):
                f.location = f"{art.location}#{name}"
            f.confidence = 0.95
            f.fingerprint = fingerprint.of_json(definition)
            _wdl.analyze(f, definition)
            conns = ((props.get("parameters") or {}).get("$connections") or {}).get("value") or {}
            if isinstance(conns, dict):
                for key, conn in conns.items():
                    api = str((conn or {}).get("id", "")) if isinstance(conn, dict) else ""
                    m = _wdl.CONNECTOR.search(api)
                    f.credentials.add(f"connection:{m.group(1).lower() if m else key}")
            tags = res.get("tags")
            if isinstance(tags, dict):
                for k, v in tags.items():
                    if "owner" in k.lower() or "created" in k.lower():
                        f.owner(2, str(v))
            f.extra["state"] = props.get("state")
            f.extra["kind"] = "arm"
            if not f.triggers:
                f.triggers.append(trigger("manual"))
            out.append(f)
        return out

    def _project(self, f: Finding, art: Artifact) -> None:
        for rel in ("../connections.json", "connections.json"):
            raw = art.sibling(rel, 2_000_000)
            if not raw:
                continue
            try:
                conns = json.loads(raw.decode("utf-8-sig", "replace"))
            except ValueError:
                continue
            for section in (
                "managedApiConnections",
                "serviceProviderConnections",
                "functionConnections",
            ):
                for key, conn in (conns.get(section) or {}).items():
                    f.credentials.add(f"connection:{key}")
                    sp = (
                        str((conn or {}).get("serviceProvider", {}).get("id", ""))
                        if isinstance(conn, dict) and isinstance(conn.get("serviceProvider"), dict)
                        else ""
                    )
                    if "openai" in sp.lower() or "openai" in key.lower():
                        f.ai_services.add("azure-openai")
            break
        for rel in ("../local.settings.json", "local.settings.json"):
            raw = art.sibling(rel, 1_000_000)
            if raw:
                before = len(f.secrets)
                enrich_text(f, art, raw.decode("utf-8-sig", "replace"))
                for secret in f.secrets[before:]:
                    secret["file"] = posixpath.join(posixpath.dirname(art.location), rel)
                try:
                    values = json.loads(raw.decode("utf-8-sig", "replace")).get("Values") or {}
                except (ValueError, AttributeError):
                    values = {}
                path = values.get("ProjectDirectoryPath") if isinstance(values, dict) else None
                if path:
                    f.owner(3, str(path))
                break
        raw = art.sibling("manifest.json", 1_000_000)
        if raw:
            try:
                manifest = json.loads(raw.decode("utf-8-sig", "replace"))
                if isinstance(manifest, dict) and manifest.get("title"):
                    f.name = str(manifest["title"])[:300]
            except ValueError:
                pass


def _arm_name(raw: str, doc: dict) -> str | None:
    """``[parameters('x')]`` -> the parameter's default value, or its name."""
    if not raw.startswith("["):
        return raw
    m = re.search(r"parameters\('([^']+)'\)", raw)
    if not m:
        return None
    param = (doc.get("parameters") or {}).get(m.group(1)) or {}
    default = param.get("defaultValue") if isinstance(param, dict) else None
    return str(default) if isinstance(default, str) and not default.startswith("[") else m.group(1)
