"""The Workflow Definition Language shared by Power Automate and Logic Apps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from govern.registry.ai_providers import ai_provider_for
from govern.scanner import schedule, signals
from govern.scanner.detectors._common import add_mode, service_asset, verb_mode
from govern.scanner.model import Finding, trigger

CONNECTOR = re.compile(r"(?:managedApis|apis)/(shared_[\w\-]+|[\w\-]+)", re.I)
PARAM_CONN = re.compile(r"\['(shared_[\w\-]+|[\w\-]+)'\]\['connectionId'\]")
SERVICE_PROVIDER = re.compile(r"/serviceProviders/([\w\-]+)", re.I)
AI_CONNECTORS = {
    "shared_openai": "openai",
    "shared_azureopenai": "azure-openai",
    "shared_commondataserviceforapps_aibuilder": "ai-builder",
    "openai": "azure-openai",
    "azureopenai": "azure-openai",
    "shared_anthropic": "anthropic",
}
WRITE_CONNECTORS = {"office365", "teams", "sendmail", "smtp", "outlook", "slack", "twilio"}


def _typed(items: Any) -> bool:
    """WDL triggers/actions: a non-empty object of objects that each have a ``type``."""
    return (
        isinstance(items, dict)
        and bool(items)
        and all(isinstance(v, dict) and "type" in v for v in items.values())
    )


def is_definition(obj: Any) -> bool:
    """A Workflow Definition Language document: its ``$schema``, or triggers/actions shaped
    like WDL (any JSON with a ``triggers`` or ``actions`` key is not one)."""
    if not isinstance(obj, dict) or not ("triggers" in obj or "actions" in obj):
        return False
    if "workflowdefinition" in str(obj.get("$schema", "")).lower():
        return True
    return _typed(obj.get("triggers")) or _typed(obj.get("actions"))


def find_definition(doc: Any) -> dict | None:
    """The definition object inside any of the packagings."""
    if not isinstance(doc, dict):
        return None
    for path in (("properties", "definition"), ("definition",), ()):
        node: Any = doc
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if is_definition(node):
            return node
    return None


def iter_actions(actions: Any) -> Iterator[tuple[str, dict]]:
    stack = [actions]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        for name, action in current.items():
            if not isinstance(action, dict):
                continue
            yield name, action
            stack.append(action.get("actions"))
            stack.append(
                (action.get("else") or {}).get("actions")
                if isinstance(action.get("else"), dict)
                else None
            )
            stack.append(
                action.get("default", {}).get("actions")
                if isinstance(action.get("default"), dict)
                else None
            )
            for case in (
                (action.get("cases") or {}).values()
                if isinstance(action.get("cases"), dict)
                else []
            ):
                if isinstance(case, dict):
                    stack.append(case.get("actions"))


def connector_of(host: Any) -> str | None:
    if not isinstance(host, dict):
        return None
    for key in ("apiId", "connectionName", "connection", "api"):
        value = host.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("referenceName") or value.get("id") or ""
        if not isinstance(value, str) or not value:
            continue
        m = CONNECTOR.search(value) or PARAM_CONN.search(value)
        if m:
            return _clean(m.group(1))
        if key in ("connectionName", "connection") and re.fullmatch(r"[\w\-]+", value):
            return _clean(value)
    return None


def _clean(name: str) -> str:
    name = re.sub(r"[-_]\d+$", "", name.lower())
    return re.sub(r"-[0-9a-f]{6,}.*$", "", name)


def analyze(f: Finding, definition: dict) -> None:
    """Triggers, reads, writes, calls and AI from a WDL definition."""
    for name, trig in (definition.get("triggers") or {}).items():
        if not isinstance(trig, dict):
            continue
        kind = str(trig.get("type", ""))
        rec = trig.get("recurrence")
        if kind.lower() in ("recurrence", "slidingwindow") or (
            isinstance(rec, dict) and kind.lower().startswith("apiconnection") is False
        ):
            f.triggers.append(trigger("schedule", schedule.recurrence(rec or {}), f"{kind} {name}"))
        elif kind.lower() == "request":
            trig_kind = str(trig.get("kind", "Http"))
            f.triggers.append(
                trigger(
                    "manual"
                    if trig_kind.lower() in ("button", "powerappv2", "powerapp")
                    else "webhook",
                    None,
                    f"Request ({trig_kind})",
                )
            )
        else:
            inputs = trig.get("inputs") if isinstance(trig.get("inputs"), dict) else {}
            host = inputs.get("host") or {}
            op = str((host.get("operationId") if isinstance(host, dict) else "") or "")
            path = (
                ((inputs.get("fetch") or {}).get("pathTemplate") or {}).get("template", "")
                if isinstance(inputs.get("fetch"), dict)
                else ""
            )
            conn = connector_of(host)
            detail = " ".join(x for x in (kind, conn or "", op or path) if x)
            if isinstance(rec, dict):
                f.triggers.append(
                    trigger("schedule", schedule.recurrence(rec), "polling " + detail)
                )
            else:
                f.triggers.append(trigger("event", None, detail))
            if conn:
                add_mode(f, service_asset(conn.replace("shared_", "")), "read")
    for name, action in iter_actions(definition.get("actions")):
        _action(f, name, action)


def _action(f: Finding, name: str, action: dict) -> None:
    kind = str(action.get("type", "")).lower()
    inputs = action.get("inputs") if isinstance(action.get("inputs"), dict) else {}
    if kind == "http":
        uri = str(inputs.get("uri", ""))
        asset = signals.url_asset(uri)
        if asset:
            provider = ai_provider_for(asset)
            if provider:
                f.ai_services.add(provider)
            f.calls.add(asset)
        return
    if kind == "serviceprovider":
        cfg = inputs.get("serviceProviderConfiguration") or {}
        sp = SERVICE_PROVIDER.search(str(cfg.get("serviceProviderId", "")))
        if sp:
            provider = sp.group(1).lower()
            if provider in AI_CONNECTORS:
                f.ai_services.add(AI_CONNECTORS[provider])
                f.calls.add("https://openai.azure.com")
            else:
                add_mode(f, service_asset(provider), verb_mode(str(cfg.get("operationId", ""))))
        return
    host = inputs.get("host")
    conn = connector_of(host)
    if not conn:
        return
    op = str((host or {}).get("operationId") or inputs.get("path") or "")
    if (
        conn in AI_CONNECTORS
        or op.lower().startswith("aibuilderpredict")
        or op.lower().startswith("aibuilder")
    ):
        f.ai_services.add(
            "ai-builder" if "aibuilder" in op.lower() else AI_CONNECTORS.get(conn, conn)
        )
        f.extra.setdefault("ai_operations", []).append(op)
        return
    params = inputs.get("parameters") if isinstance(inputs.get("parameters"), dict) else {}
    short = conn.replace("shared_", "")
    site = params.get("dataset") or params.get("site")
    if short == "sharepointonline" and isinstance(site, str) and site.startswith("http"):
        asset = signals.sharepoint_asset(site) or service_asset(short)
        table = params.get("table")
        if isinstance(table, str) and not table.startswith("@"):
            asset = f"{asset}/{table}"
    else:
        asset = service_asset(short)
    method = str(inputs.get("method", "")).lower()
    mode = verb_mode(op.split("/")[-1]) or (
        "write" if method in ("post", "patch", "put") else "read" if method == "get" else None
    )
    if mode is None and any(w in short for w in WRITE_CONNECTORS):
        mode = "write"
    add_mode(f, asset, mode)


def connection_references(f: Finding, props: dict) -> None:
    refs = props.get("connectionReferences")
    if not isinstance(refs, dict):
        return
    for key, ref in refs.items():
        if not isinstance(ref, dict):
            continue
        api = ref.get("api", {}).get("name") if isinstance(ref.get("api"), dict) else None
        logical = (
            (ref.get("connection") or {}).get("connectionReferenceLogicalName")
            if isinstance(ref.get("connection"), dict)
            else None
        )
        name = api
        if not name:
            m = CONNECTOR.search(str(ref.get("id", "")))
            name = m.group(1) if m else key
        label = logical or ref.get("connectionName")
        f.credentials.add(f"connection:{_clean(str(name))}" + (f":{label}" if label else ""))
        if _clean(str(name)) in AI_CONNECTORS:
            f.ai_services.add(AI_CONNECTORS[_clean(str(name))])
