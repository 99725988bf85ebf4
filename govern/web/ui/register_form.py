"""The registration desk's form <-> an Automation manifest, in plain words.

The form is a friendlier way to write the same manifest the API takes; validation is
the API's (``govern.registry.manifest.validate``), and each problem is shown next to
the field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govern.registry.manifest import Document, LoadResult, Problem, validate
from govern.registry.models.vocab import CLASSIFICATIONS

FIELDS = (
    "name",
    "namespace",
    "title",
    "description",
    "platform",
    "location",
    "owner",
    "backupOwner",
    "track",
    "criticality",
    "justification",
    "trigger_type",
    "cron",
    "event",
    "reads",
    "writes",
    "calls",
    "triggers",
    "usesAI",
)
PLATFORM_LABELS = {
    "python": "Python script",
    "powershell": "PowerShell script",
    "shell": "Shell script",
    "batch": "Windows batch file",
    "vba": "Excel / Office macro (VBA)",
    "notebook": "Jupyter notebook",
    "n8n": "n8n workflow",
    "power-automate": "Power Automate flow",
    "power-automate-desktop": "Power Automate Desktop flow",
    "node-red": "Node-RED flow",
    "apps-script": "Google Apps Script",
    "uipath": "UiPath robot",
    "zapier": "Zapier zap",
    "make": "Make scenario",
    "logic-apps": "Azure Logic App",
    "github-actions": "GitHub Actions workflow",
    "cron": "cron job",
    "systemd-timer": "systemd timer",
    "windows-task": "Windows scheduled task",
    "airflow": "Airflow DAG",
    "saas-usage": "SaaS tool usage",
    "other": "Something else",
}
# Where a manifest path's problem is shown on the form.
PATH_FIELDS = (
    ("metadata.name", "name"),
    ("metadata.namespace", "namespace"),
    ("metadata.title", "title"),
    ("metadata.description", "description"),
    ("spec.platform", "platform"),
    ("spec.location", "location"),
    ("spec.owner", "owner"),
    ("spec.backupOwner", "backupOwner"),
    ("spec.track", "track"),
    ("spec.criticality", "criticality"),
    ("spec.justification", "justification"),
    ("spec.trigger.cron", "cron"),
    ("spec.trigger.event", "event"),
    ("spec.trigger", "trigger_type"),
    ("spec.reads", "reads"),
    ("spec.writes", "writes"),
    ("spec.calls", "calls"),
    ("spec.triggers", "triggers"),
    ("spec.usesAI", "usesAI"),
)


@dataclass
class Checked:
    manifest: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _data_refs(text: str) -> list[dict[str, Any]]:
    """'mssql://erp/ERP.dbo.gl confidential financial,pii' -> {asset, classification, tags}."""
    refs = []
    for line in _lines(text):
        parts = line.split()
        ref: dict[str, Any] = {"asset": parts[0]}
        tags: list[str] = []
        for word in parts[1:]:
            word = word.strip(",")
            if word.lower() in CLASSIFICATIONS and "classification" not in ref:
                ref["classification"] = word.lower()
            else:
                tags.extend(t.strip().lower() for t in word.split(",") if t.strip())
        if tags:
            ref["tags"] = list(dict.fromkeys(tags))
        refs.append(ref)
    return refs


def _call_refs(text: str) -> list[dict[str, Any]]:
    """'https://api.openai.com summarise tickets' -> {asset, purpose}."""
    refs = []
    for line in _lines(text):
        asset, _, purpose = line.partition(" ")
        ref: dict[str, Any] = {"asset": asset}
        if purpose.strip():
            ref["purpose"] = purpose.strip()
        refs.append(ref)
    return refs


def manifest_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The manifest a filled-in form stands for; empty fields are left out."""
    get = lambda name: (form.get(name) or "").strip()  # noqa: E731
    metadata: dict[str, Any] = {"name": get("name")}
    for key in ("namespace", "title", "description"):
        if get(key):
            metadata[key] = get(key)
    spec: dict[str, Any] = {"platform": get("platform"), "owner": get("owner")}
    for key in ("backupOwner", "track", "criticality", "justification", "location"):
        if get(key):
            spec[key] = get(key)
    trigger_type = get("trigger_type")
    if trigger_type:
        trigger: dict[str, Any] = {"type": trigger_type}
        if trigger_type == "schedule" and get("cron"):
            trigger["cron"] = get("cron")
        if trigger_type in ("event", "webhook") and get("event"):
            trigger["event"] = get("event")
        spec["trigger"] = trigger
    for key, parse in (("reads", _data_refs), ("writes", _data_refs), ("calls", _call_refs)):
        refs = parse(form.get(key, ""))
        if refs:
            spec[key] = refs
    starts = [t.strip() for t in re.split(r"[,\s]+", get("triggers")) if t.strip()]
    if starts:
        spec["triggers"] = starts
    if form.get("usesAI") in ("on", "true", "1", "yes"):
        spec["usesAI"] = True
    return {"apiVersion": "govern/v1", "kind": "Automation", "metadata": metadata, "spec": spec}


def form_from_manifest(body: dict[str, Any]) -> dict[str, str]:
    """Pre-fill the form from a stored manifest (to fix and resubmit)."""
    meta, spec = body.get("metadata", {}), body.get("spec", {})
    trigger = spec.get("trigger") or {}

    def data_lines(refs: list[dict]) -> str:
        out = []
        for r in refs:
            words = [r["asset"]]
            if r.get("classification"):
                words.append(r["classification"])
            if r.get("tags"):
                words.append(",".join(r["tags"]))
            out.append(" ".join(words))
        return "\n".join(out)

    return {
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "title": meta.get("title", ""),
        "description": meta.get("description", ""),
        "platform": spec.get("platform", ""),
        "location": spec.get("location", ""),
        "owner": spec.get("owner", ""),
        "backupOwner": spec.get("backupOwner", ""),
        "track": spec.get("track", "sandbox"),
        "criticality": spec.get("criticality", "low"),
        "justification": spec.get("justification", ""),
        "trigger_type": trigger.get("type", ""),
        "cron": trigger.get("cron", ""),
        "event": trigger.get("event", ""),
        "reads": data_lines(spec.get("reads", [])),
        "writes": data_lines(spec.get("writes", [])),
        "calls": "\n".join(
            " ".join(x for x in (r["asset"], r.get("purpose", "")) if x)
            for r in spec.get("calls", [])
        ),
        "triggers": ", ".join(spec.get("triggers", [])),
        "usesAI": "on" if spec.get("usesAI") else "",
    }


def check(manifest: dict[str, Any]) -> Checked:
    """Validate exactly as the API does, then file each problem under its form field."""
    loaded = validate(LoadResult(documents=[Document("form", 0, manifest)]))
    result = Checked(manifest=manifest, problems=list(loaded.problems))
    for problem in loaded.problems:
        target = field_for(problem.path)
        message = problem.message
        if target:
            result.by_field.setdefault(target, []).append(message)
        else:
            result.general.append(message)
    return result


def field_for(path: str) -> str | None:
    for prefix, name in PATH_FIELDS:
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return name
    return None
