"""GitHub Actions workflows that run on a schedule or on demand (not plain CI)."""

from __future__ import annotations

import re

import yaml

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
CI_EVENTS = {
    "push",
    "pull_request",
    "pull_request_target",
    "merge_group",
    "release",
    "create",
    "delete",
}


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads ``on:`` as True; keep it a string."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@register
class GitHubActions(Detector):
    """GitHub Actions workflows that run on a schedule or on demand (not plain CI)."""

    name = "github-actions"
    platform = "github-actions"
    extensions = (".yml", ".yaml")
    priority = 5

    def analyze(self, art: Artifact) -> list[Finding]:
        # a workflow copied out of .github/workflows is still one: recognise the structure
        text = art.text
        if "jobs" not in text or not ("runs-on" in text or "steps" in text or "uses:" in text):
            return []
        try:
            doc = yaml.load(art.text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError:
            return []
        if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
            return []
        if not any(
            isinstance(j, dict) and ("runs-on" in j or "steps" in j or "uses" in j)
            for j in doc["jobs"].values()
        ):  # noqa: E501
            return []
        on = doc.get("on", doc.get(True))
        events = (
            on
            if isinstance(on, dict)
            else {e: None for e in (on if isinstance(on, list) else [on])}
        )
        events = {str(k): v for k, v in (events or {}).items()}
        crons = [c.get("cron") for c in (events.get("schedule") or []) if isinstance(c, dict)]
        manual = bool({"workflow_dispatch", "repository_dispatch"} & set(events))
        if not crons and (not manual or CI_EVENTS & set(events)):
            return []
        f = self.finding(art, str(doc.get("name") or art.stem))
        f.confidence = 0.9
        for cron in crons:
            f.triggers.append(
                trigger("schedule", schedule.normalise_cron(str(cron)), f"cron {cron} (UTC)")
            )
        if manual:
            f.triggers.append(trigger("manual", None, "workflow_dispatch"))
        f.credentials |= {f"github-secret:{s}" for s in SECRET_REF.findall(art.text)}
        for job in (doc.get("jobs") or {}).values():
            for step in (job or {}).get("steps") or [] if isinstance(job, dict) else []:
                run = step.get("run") if isinstance(step, dict) else None
                if isinstance(run, str):
                    for s in re.findall(r"[\w./\-]+\.(?:py|sh|js|ps1)\b", run):
                        f.runs.add(s)
        return [f]
