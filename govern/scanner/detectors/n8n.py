"""n8n workflow exports: UI download, clipboard copy, instance backups, --all arrays."""

from __future__ import annotations

import json
import re
from typing import Any

from govern.registry.ai_providers import ai_provider_for
from govern.scanner import fingerprint, schedule, signals
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import (
    add_mode,
    enrich_text,
    is_expression,
    service_asset,
    verb_mode,
)
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

AI_NODES = {
    "lmchatopenai": "openai",
    "lmopenai": "openai",
    "openai": "openai",
    "embeddingsopenai": "openai",
    "lmchatanthropic": "anthropic",
    "lmchatazureopenai": "azure-openai",
    "embeddingsazureopenai": "azure-openai",
    "lmchatgooglegemini": "google-gemini",
    "lmchatgooglevertex": "google-vertex",
    "googlegemini": "google-gemini",
    "lmchatollama": "ollama",
    "lmollama": "ollama",
    "embeddingsollama": "ollama",
    "lmchatmistralcloud": "mistral",
    "embeddingsmistralcloud": "mistral",
    "lmcohere": "cohere",
    "embeddingscohere": "cohere",
    "lmchatgroq": "groq",
    "lmchatdeepseek": "deepseek",
    "lmchatopenrouter": "openrouter",
    "lmopenhuggingfaceinference": "huggingface",
    "embeddingshuggingfaceinference": "huggingface",
    "perplexity": "perplexity",
    "anthropic": "anthropic",
    "mistralai": "mistral",
}
CRED_AI = {
    "openaiapi": "openai",
    "anthropicapi": "anthropic",
    "azureopenaiapi": "azure-openai",
    "googlepalmapi": "google-gemini",
    "ollamaapi": "ollama",
    "mistralcloudapi": "mistral",
    "perplexityapi": "perplexity",
    "groqapi": "groq",
    "cohereapi": "cohere",
    "huggingfaceapi": "huggingface",
    "openrouterapi": "openrouter",
    "deepseekapi": "deepseek",
}
TOKEN_PREFIX_SERVICE = (
    ("pplx-", "perplexity"),
    ("sk-ant-", "anthropic"),
    ("sk-", "openai"),
    ("apify_api_", "apify"),
    ("xoxb-", "slack"),
)
SKIP_SERVICE = {
    "set",
    "if",
    "switch",
    "merge",
    "code",
    "function",
    "functionitem",
    "noop",
    "stickynote",
    "splitinbatches",
    "itemlists",
    "wait",
    "filter",
    "aggregate",
    "splitout",
    "sort",
    "limit",
    "datetime",
    "html",
    "markdown",
    "xml",
    "crypto",
    "respondtowebhook",
    "executeworkflow",
    "stopanderror",
    "removeduplicates",
    "summarize",
    "comparedatasets",
    "renamekeys",
    "movebinarydata",
    "converttofile",
    "extractfromfile",
    "spreadsheetfile",
    "readbinaryfile",
    "writebinaryfile",
    "editimage",
    "start",
    "manualtrigger",
    "agent",
    "chainllm",
    "textclassifier",
    "informationextractor",
    "memorybufferwindow",
    "outputparserstructured",
    "toolcode",
    "toolworkflow",
    "chainsummarization",
    "sentimentanalysis",
    "chat",
    "chattrigger",
    "executeworkflowtrigger",
    "loopoveritems",
    "form",
    "noOp",
    "errortrigger",
    "scheduletrigger",
    "cron",
    "interval",
    "webhook",
    "formtrigger",
}


def is_workflow(doc: Any) -> bool:
    """``nodes`` + ``connections``, with n8n node types, or nodes shaped like n8n's
    (parameters, position, typeVersion) wired by node name; a generic graph is not one."""
    if not isinstance(doc, dict):
        return False
    nodes, conns = doc.get("nodes"), doc.get("connections")
    if not isinstance(nodes, list) or not isinstance(conns, dict) or not nodes:
        return False
    typed = [n for n in nodes if isinstance(n, dict) and isinstance(n.get("type"), str)]
    if not typed:
        return False
    if any("n8n-nodes-" in n["type"] for n in typed):
        return True
    names = {n.get("name") for n in typed}
    return (
        all({"parameters", "position", "typeVersion"} <= set(n) for n in typed)
        and set(conns) <= names
    )


WRAPPERS = ("data", "workflows", "workflow", "items")


def workflows(doc: Any) -> list[dict]:
    """The workflows in a document: one export, an ``export:workflow --all`` array, or an
    API/backup envelope (``{"data": [...]}`` from the REST API, ``{"workflow": {...}}``)."""
    docs = doc if isinstance(doc, list) else [doc]
    found = [d for d in docs if is_workflow(d)]
    if found or not isinstance(doc, dict):
        return found
    for key in WRAPPERS:
        inner = doc.get(key)
        inner = inner if isinstance(inner, list) else [inner]
        found = [d for d in inner if is_workflow(d)]
        if found:
            return found
    return []


def _int(value: Any, default: int) -> int:
    """A number from a parameter that may be an expression (``={{ $env.H }}``)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@register
class N8nWorkflow(Detector):
    """n8n workflow exports: UI download, clipboard copy, instance backups, --all arrays."""

    name = "n8n"
    platform = "n8n"
    extensions = (".json",)
    priority = 20
    keywords = (("n8n-nodes-", "det:n8n"), ('"connections"', "det:n8n"))

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:n8n"):
            return []
        flows = workflows(art.json())
        out = []
        for index, flow in enumerate(flows):
            f = self._flow(art, flow)
            if len(flows) > 1:
                # several workflows in one file: signals come from each workflow's own text
                f.location = f"{art.location}#{index}"
                f.generic_signals = False
                enrich_text(f, art, json.dumps(flow, indent=1))
            out.append(f)
        return out

    def _flow(self, art: Artifact, flow: dict) -> Finding:
        f = self.finding(art, flow.get("name") or None)
        f.confidence = 0.95
        f.fingerprint = fingerprint.of_json(
            {"nodes": flow.get("nodes"), "connections": flow.get("connections")}
        )
        settings = flow.get("settings") if isinstance(flow.get("settings"), dict) else {}
        tz = settings.get("timezone")
        f.extra.update({"active": flow.get("active"), "timezone": tz, "export": _variant(flow)})
        notes: list[str] = []
        for node in flow["nodes"]:
            if not isinstance(node, dict):
                continue
            ntype = str(node.get("type", ""))
            short = ntype.rsplit(".", 1)[-1]
            params = node.get("parameters") if isinstance(node.get("parameters"), dict) else {}
            if short.lower() == "stickynote":
                notes.append(json.dumps(params))
                if not flow.get("name") and params.get("content"):
                    heading = re.search(r"#+\s*(.+)", str(params["content"]))
                    if heading and f.name == art.stem:
                        f.name = heading.group(1).strip()[:200]
                continue
            if node.get("disabled"):
                continue
            self._trigger(f, short, params)
            self._ai(f, short, params)
            self._service(f, short, params)
            for cred_type, cred in (node.get("credentials") or {}).items():
                label = cred.get("name") if isinstance(cred, dict) else None
                f.credentials.add(f"n8n:{cred_type}" + (f":{label}" if label else ""))
                provider = CRED_AI.get(cred_type.lower())
                if provider:
                    f.ai_services.add(provider)
        for share in flow.get("shared") or []:
            if isinstance(share, dict) and share.get("role") == "workflow:owner":
                f.owner(5, f"n8n-project:{share.get('projectId')}")
        if flow.get("pinData"):
            notes.append(json.dumps(flow["pinData"]))  # sample records, not configuration
        f.ignore_text = notes
        if not f.triggers:
            f.triggers.append(trigger("manual"))
        return f

    def _trigger(self, f: Finding, short: str, params: dict) -> None:
        low = short.lower()
        if low == "scheduletrigger":
            rules = (
                ((params.get("rule") or {}).get("interval") or [{}])
                if isinstance(params.get("rule"), dict)
                else [{"field": "cronExpression", "expression": params["cronExpression"]}]
                if params.get("cronExpression")
                else [{}]
            )
            for rule in rules:
                f.triggers.append(trigger("schedule", _interval_cron(rule), json.dumps(rule)[:150]))
        elif low == "cron":
            items = (
                ((params.get("triggerTimes") or {}).get("item") or [{}])
                if isinstance(params.get("triggerTimes"), dict)
                else [{}]
            )
            for item in items:
                f.triggers.append(trigger("schedule", _legacy_cron(item), json.dumps(item)[:150]))
        elif low == "interval":
            unit = params.get("unit", "seconds")
            f.triggers.append(
                trigger(
                    "schedule",
                    schedule.every(unit, _int(params.get("interval", 1), 1)),
                    "interval",
                )
            )
        elif low in ("webhook", "formtrigger"):
            f.triggers.append(trigger("webhook", None, f"{short} {params.get('path', '')}".strip()))
        elif low == "manualtrigger":
            f.triggers.append(trigger("manual"))
        elif low == "executeworkflowtrigger":
            f.triggers.append(trigger("event", None, "called by another workflow"))
        elif low.endswith("trigger"):
            f.triggers.append(trigger("event", None, short))

    def _ai(self, f: Finding, short: str, params: dict) -> None:
        provider = AI_NODES.get(short.lower())
        if provider:
            f.ai_services.add(provider)
            model = params.get("model")
            if isinstance(model, dict):
                model = model.get("value") or model.get("cachedResultName")
            if isinstance(model, str) and model and not is_expression(model):
                f.ai_models.add(model)

    def _service(self, f: Finding, short: str, params: dict) -> None:
        low = short.lower()
        if low in ("httprequest", "httprequesttool"):
            url = str(params.get("url") or params.get("requestUrl") or "")
            asset = signals.url_asset(url.lstrip("="))
            if asset:
                provider = ai_provider_for(asset)
                if provider:
                    f.ai_services.add(provider)
                method = str(params.get("method") or params.get("requestMethod") or "GET").upper()
                add_mode(
                    f,
                    asset,
                    "write" if method in ("POST", "PUT", "PATCH") and not provider else None,
                )
            else:
                hay = json.dumps(params)
                for prefix, service in TOKEN_PREFIX_SERVICE:
                    if prefix in hay:
                        f.calls.add(service_asset(service))
                        if service in ("perplexity", "anthropic", "openai"):
                            f.ai_services.add(service)
                        break
            return
        if low in SKIP_SERVICE or low.startswith(
            (
                "lm",
                "embeddings",
                "memory",
                "tool",
                "outputparser",
                "vectorstore",
                "textsplitter",
                "document",
            )
        ):
            return
        service = low[:-4] if low.endswith("tool") else low
        resource = ""
        for key in (
            "documentId",
            "sheetName",
            "channelId",
            "channel",
            "base",
            "table",
            "database",
            "folderId",
            "listId",
        ):
            value = params.get(key)
            if isinstance(value, dict):
                value = value.get("cachedResultName") or value.get("value")
            if value and not is_expression(value):
                resource = str(value)
                break
        doc = params.get("documentId")
        if (
            service == "googlesheets"
            and isinstance(doc, dict)
            and doc.get("value")
            and not is_expression(doc.get("value"))
        ):
            asset = f"gsheets://docs.google.com/{doc['value']}"
        else:
            asset = service_asset(service, resource)
        operation = str(params.get("operation") or "")
        mode = verb_mode(operation) or (
            "write"
            if service
            in (
                "slack",
                "gmail",
                "telegram",
                "discord",
                "microsoftteams",
                "emailsend",
                "microsoftoutlook",
            )
            else "read"
        )
        add_mode(f, asset, mode)


def _variant(flow: dict) -> str:
    if "createdAt" in flow or "shared" in flow:
        return "instance"
    if "name" not in flow:
        return "clipboard"
    return "download"


def _interval_cron(rule: dict) -> str | None:
    if not isinstance(rule, dict):
        return None
    if any(is_expression(v) for v in rule.values()):
        return None  # the time is computed when the workflow runs
    field_ = rule.get("field", "days")
    if field_ == "cronExpression" or "cronExpression" in rule:
        expr = rule.get("expression") or rule.get("value") or rule.get("cronExpression")
        return schedule.normalise_cron(str(expr or ""))
    hour = _int(rule.get("triggerAtHour", 0), 0)
    minute = _int(rule.get("triggerAtMinute", 0), 0)
    if field_ == "seconds":
        return schedule.every("second", _int(rule.get("secondsInterval", 30), 30))
    if field_ == "minutes":
        return schedule.every("minute", _int(rule.get("minutesInterval", 5), 5))
    if field_ == "hours":
        return schedule.every("hour", _int(rule.get("hoursInterval", 1), 1), minute=minute)
    if field_ == "weeks":
        days = rule.get("triggerAtDay") or rule.get("triggerOnSpecificDays") or [1]
        days = days if isinstance(days, list) else [days]
        numbers = [d if isinstance(d, int) else schedule.day_number(str(d)) for d in days]
        return f"{minute} {hour} * * {','.join(str(d) for d in numbers if d is not None) or 1}"
    if field_ == "months":
        return f"{minute} {hour} {_int(rule.get('triggerAtDayOfMonth', 1), 1)} * *"
    return schedule.every("day", _int(rule.get("daysInterval", 1), 1), hour=hour, minute=minute)


def _legacy_cron(item: dict) -> str | None:
    if not isinstance(item, dict):
        return None
    mode = item.get("mode", "everyDay")
    hour = _int(item.get("hour", 14), 0)
    minute = _int(item.get("minute", 0), 0)
    if mode == "everyMinute":
        return "* * * * *"
    if mode == "everyHour":
        return f"{minute} * * * *"
    if mode == "everyX":
        return schedule.every(item.get("unit", "hours"), _int(item.get("value", 1), 1))
    if mode == "everyWeek":
        return f"{minute} {hour} * * {_int(item.get('weekday', 1), 0)}"
    if mode == "everyMonth":
        return f"{minute} {hour} {_int(item.get('dayOfMonth', 1), 1)} * *"
    if mode == "custom":
        return schedule.normalise_cron(str(item.get("cronExpression", "")))
    return f"{minute} {hour} * * *"
