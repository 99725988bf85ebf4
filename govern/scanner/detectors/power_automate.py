"""Power Automate cloud flows: package definitions, solution workflows, bare definitions."""

from __future__ import annotations

import json
import posixpath
import re

from govern.scanner import fingerprint
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors import _wdl
from govern.scanner.model import Finding
from govern.scanner.registry import register

PUBLISHER = re.compile(r"<Publisher>.*?<UniqueName>([^<]+)</UniqueName>", re.S)
CATEGORY = re.compile(r"<Category>(\d+)</Category>")
PA_MARKERS = re.compile(
    r"connectionReferences|shared_[a-z]|Microsoft\.Flow|Microsoft\.PowerApps|\$connections|OpenApiConnection|flowSystemMetadata|aibuilderpredict",
    re.I,
)
LOGIC_MARKERS = re.compile(
    r"#workflowname#|/serviceProviders/|Microsoft\.Logic/workflows|managedApiConnections|"
    r"/managedApis/|Microsoft\.Web/connections",
    re.I,
)


@register
class PowerAutomate(Detector):
    """Power Automate cloud flows: package definitions, solution workflows, bare definitions."""

    name = "power-automate"
    platform = "power-automate"
    extensions = (".json",)
    priority = 25
    keywords = (
        ("workflowdefinition.json", "det:wdl"),
        ('"triggers"', "det:wdl"),
        ('"definition"', "det:wdl"),
    )

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:wdl"):
            return []
        doc = art.json()
        definition = _wdl.find_definition(doc)
        if definition is None or _is_logic_app(art, doc):
            return []
        if not PA_MARKERS.search(art.text) and not art.hits.get("det:wdl"):
            return []
        props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
        title = props.get("displayName") or doc.get("name") if isinstance(doc, dict) else None
        if not title or re.fullmatch(r"[0-9a-f\-]{36}", str(title)):
            title = re.sub(r"-[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$", "", art.stem, flags=re.I)
        f = self.finding(art, str(title))
        f.confidence = 0.95
        f.fingerprint = fingerprint.of_json(definition)
        _wdl.analyze(f, definition)
        _wdl.connection_references(f, props)
        self._package(f, art)
        self._solution(f, art)
        if not f.triggers:
            f.triggers.append({"type": "manual", "schedule": None})
        return [f]

    def _package(self, f: Finding, art: Artifact) -> None:
        """Legacy package: manifest.json three folders up holds creator and connection owners."""
        for up in ("../../../manifest.json", "../../manifest.json", "../manifest.json"):
            raw = art.sibling(up, 2_000_000)
            if not raw:
                continue
            try:
                manifest = json.loads(raw.decode("utf-8-sig", "replace"))
            except ValueError:
                continue
            if not isinstance(manifest, dict) or "resources" not in manifest:
                continue
            details = manifest.get("details") or {}
            if details.get("displayName"):
                f.name = str(details["displayName"])[:300]
            creator = details.get("creator")
            if creator:
                f.owner(5, str(creator))
            for res in (manifest.get("resources") or {}).values():
                if (
                    isinstance(res, dict)
                    and res.get("type") == "Microsoft.PowerApps/apis/connections"
                ):
                    owner = (res.get("details") or {}).get("displayName")
                    if owner and "@" in str(owner):
                        f.owner(1, str(owner))
            f.extra["packaging"] = "package"
            return

    def _solution(self, f: Finding, art: Artifact) -> None:
        data_xml = art.sibling(art.name + ".data.xml", 200_000)
        if data_xml:
            text = data_xml.decode("utf-8-sig", "replace")
            cat = CATEGORY.search(text)
            if cat:
                f.extra["category"] = int(cat.group(1))
            state = re.search(r"<StateCode>(\d)</StateCode>", text)
            if state:
                f.extra["active"] = state.group(1) == "1"
        for rel in ("../Other/Solution.xml", "../solution.xml", "../Solution.xml"):
            raw = art.sibling(rel, 2_000_000)
            if raw:
                pub = PUBLISHER.search(raw.decode("utf-8-sig", "replace"))
                if pub:
                    f.owner(5, f"publisher:{pub.group(1)}")
                f.extra["packaging"] = "solution"
                break


def _is_logic_app(art: Artifact, doc) -> bool:
    if not isinstance(doc, dict):
        return False
    if doc.get("kind") in ("Stateful", "Stateless", "Agent"):
        return True
    if LOGIC_MARKERS.search(art.text):
        return True
    for rel in ("../host.json", "host.json"):
        raw = art.sibling(rel, 200_000)
        if raw and b"Workflows" in raw:
            return True
    if art.lname == "workflow.json" and art.sibling_exists("manifest.json"):
        return True
    return posixpath.basename(art.dir).lower() == "logicapps"
