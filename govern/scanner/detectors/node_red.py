"""Node-RED flows: a JSON array of nodes with id/type (and z, wires on flow nodes)."""

from __future__ import annotations

import json

from govern.registry.ai_providers import ai_provider_for
from govern.scanner import fingerprint, schedule, signals
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import add_mode, service_asset
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

IOT_ONLY = {
    "mqtt in",
    "mqtt out",
    "debug",
    "inject",
    "function",
    "change",
    "switch",
    "template",
    "tab",
    "comment",
    "mqtt-broker",
    "ui_button",
    "ui_group",
    "ui_tab",
    "ui_base",
    "ui_text",
    "ui_gauge",
    "ui_chart",
    "ui_switch",
    "rpi-gpio in",
    "rpi-gpio out",
    "delay",
    "trigger",
    "link in",
    "link out",
    "json",
    "rbe",
    "split",
    "join",
}
DB_NODES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mssql": "mssql",
    "mssql-plus": "mssql",
    "sqlite": "sqlite",
    "mongodb out": "mongodb",
    "mongodb in": "mongodb",
    "mongodb4": "mongodb",
    "influxdb out": "influxdb",
    "influxdb in": "influxdb",
}


def is_flow(doc) -> bool:
    if not isinstance(doc, list) or not doc:
        return False
    nodes = [n for n in doc if isinstance(n, dict)]
    if len(nodes) < len(doc) * 0.9 or not all("id" in n and "type" in n for n in nodes):
        return False
    return any("wires" in n or "z" in n for n in nodes) or any(
        n.get("type") == "tab" for n in nodes
    )


@register
class NodeRed(Detector):
    """Node-RED flows: a JSON array of nodes with id/type (and z, wires on flow nodes)."""

    name = "node-red"
    platform = "node-red"
    extensions = (".json",)
    priority = 22
    keywords = (
        ('"wires"', "det:nodered"),
        ('"type":"tab"', "det:nodered"),
        ('"type": "tab"', "det:nodered"),
    )

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:nodered"):
            return []
        doc = art.json()
        if isinstance(doc, dict) and isinstance(doc.get("flows"), list):
            doc = doc["flows"]
        if not is_flow(doc):
            return []
        tabs = [n.get("label") for n in doc if n.get("type") == "tab" and n.get("label")]
        f = self.finding(art, tabs[0] if len(tabs) == 1 else None)
        f.confidence = 0.9
        f.fingerprint = fingerprint.of_json(doc)
        f.extra["tabs"] = tabs[:20]
        configs = {n["id"]: n for n in doc if "wires" not in n}
        for node in doc:
            if node.get("d"):
                continue
            self._node(f, node, configs)
        package = art.sibling("package.json", 500_000)
        if package:
            try:
                meta = json.loads(package.decode("utf-8", "replace"))
                if isinstance(meta, dict):
                    if meta.get("author"):
                        f.owner(
                            5,
                            str(
                                meta["author"]
                                if isinstance(meta["author"], str)
                                else meta["author"].get("name", "")
                            ),
                        )
                    if meta.get("name"):
                        f.name = str(meta["name"])[:300]
            except ValueError:
                pass
        if not f.triggers:
            f.triggers.append(trigger("manual"))
        return [f]

    def _node(self, f: Finding, node: dict, configs: dict) -> None:
        ntype = str(node.get("type", "")).lower()
        if ntype == "inject":
            crontab = str(node.get("crontab") or "").strip()
            repeat = str(node.get("repeat") or "").strip()
            if crontab:
                f.triggers.append(
                    trigger(
                        "schedule", schedule.normalise_cron(crontab), f"inject crontab {crontab}"
                    )
                )
            elif repeat and repeat.replace(".", "").isdigit() and float(repeat) > 0:
                f.triggers.append(
                    trigger(
                        "schedule",
                        schedule.seconds_to_cron(int(float(repeat))),
                        f"inject every {repeat}s",
                    )
                )
            elif node.get("once"):
                f.triggers.append(trigger("event", None, "inject once at start"))
        elif ntype == "cronplus":
            for opt in node.get("options") or []:
                if isinstance(opt, dict) and opt.get("expressionType", "cron") == "cron":
                    expr = str(opt.get("expression", ""))
                    f.triggers.append(
                        trigger(
                            "schedule", schedule.normalise_cron(expr), f"cronplus {expr.strip()}"
                        )
                    )
                elif isinstance(opt, dict):
                    f.triggers.append(
                        trigger("schedule", None, f"cronplus {opt.get('expressionType')}")
                    )
        elif ntype == "http in":
            f.triggers.append(
                trigger(
                    "webhook",
                    None,
                    f"http in {node.get('method', '')} {node.get('url', '')}".strip(),
                )
            )
        elif ntype in ("mqtt in", "e-mail in", "watch", "tcp in", "udp in", "websocket in"):
            f.triggers.append(trigger("event", None, ntype))
            if ntype == "e-mail in" and node.get("server"):
                f.reads.add(f"imap://{str(node['server']).lower()}")
        elif ntype == "e-mail" and node.get("server"):
            f.writes.add(f"smtp://{str(node['server']).lower()}")
        elif ntype == "http request":
            asset = signals.url_asset(str(node.get("url") or ""))
            if asset:
                provider = ai_provider_for(asset)
                if provider:
                    f.ai_services.add(provider)
                add_mode(f, asset, None)
        elif ntype in ("file", "file in"):
            name = str(node.get("filename") or "")
            if name and not name.startswith(("{", "$")):
                add_mode(
                    f,
                    "file://localhost/" + name.lstrip("/"),
                    "write" if ntype == "file" else "read",
                )
        elif ntype in DB_NODES:
            cfg = configs.get(
                node.get("server")
                or node.get("postgresdb")
                or node.get("mydb")
                or node.get("connection")
                or node.get("mongodb")
                or "",
                {},
            )
            host = cfg.get("hostname") or cfg.get("host") or cfg.get("server") or "unknown"
            db = cfg.get("db") or cfg.get("database") or ""
            add_mode(
                f, f"{DB_NODES[ntype]}://{str(host).lower()}" + (f"/{db}" if db else ""), "read"
            )
        elif (
            "openai" in ntype
            or "chatgpt" in ntype
            or "llm" in ntype
            or "ollama" in ntype
            or "gemini" in ntype
            or "anthropic" in ntype
            or "claude" in ntype
        ):
            provider = (
                "ollama"
                if "ollama" in ntype
                else "google-gemini"
                if "gemini" in ntype
                else "anthropic"
                if ("anthropic" in ntype or "claude" in ntype)
                else "openai"
            )
            f.ai_services.add(provider)
            svc = configs.get(node.get("service") or "", {})
            base = str(svc.get("apiBase") or svc.get("baseUrl") or "")
            asset = signals.url_asset(base) if base else None
            if asset:
                f.calls.add(asset)
                f.ai_services.add(ai_provider_for(asset) or provider)
        elif ntype == "mqtt-broker" and node.get("broker"):
            f.calls.add(f"mqtt://{str(node['broker']).split('://')[-1].lower()}")
        elif (
            ntype not in IOT_ONLY
            and not ntype.startswith(("ui_", "subflow"))
            and " " not in ntype
            and "-" in ntype
        ):
            add_mode(f, service_asset(ntype), None)
        if ntype == "change":
            for rule in node.get("rules") or []:
                if isinstance(rule, dict) and rule.get("tot") == "env":
                    f.credentials.add(f"env:{rule.get('to')}")
