"""The published JSON Schema of policy documents, generated from the condition registry."""

from __future__ import annotations

from typing import Any

from govern.policies.conditions import conditions, load_plugins
from govern.policies.model import MODES, SEVERITIES

SCHEMA_ID = "https://govern.dev/schemas/policy-v1.json"
ID_PATTERN = "^[a-z0-9]([a-z0-9.-]{0,118}[a-z0-9])?$"


def envelope(condition: dict[str, Any]) -> dict[str, Any]:
    """The policy document itself; ``condition`` is how selector/conditions are described."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "apiVersion",
            "kind",
            "id",
            "title",
            "severity",
            "mode",
            "selector",
            "conditions",
            "remediation",
        ],
        "properties": {
            "$schema": {"type": "string"},
            "apiVersion": {"const": "govern/v1"},
            "kind": {"const": "Policy"},
            "id": {
                "type": "string",
                "pattern": ID_PATTERN,
                "description": "stable id, lower case, e.g. prod-certified-owner",
            },
            "title": {"type": "string", "minLength": 3, "maxLength": 300},
            "description": {"type": "string", "maxLength": 5000},
            "severity": {"enum": list(SEVERITIES)},
            "mode": {
                "enum": list(MODES),
                "description": "audit records; enforce also blocks approval and promotion",
            },
            "enabled": {"type": "boolean"},
            "selector": {
                **condition,
                "description": "which automations it applies to (others: not-applicable)",
            },
            "conditions": {
                **condition,
                "description": "what a compliant automation satisfies (otherwise: fail)",
            },
            "remediation": {"type": "string", "minLength": 3, "maxLength": 5000},
            "references": {"type": "array", "items": {"type": "string", "maxLength": 200}},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 60}},
        },
    }


def condition_def(name: str, cls) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name],
        "properties": {name: {"$ref": f"#/$defs/{name}"}},
        "description": cls.summary,
    }


def policy_schema() -> dict[str, Any]:
    """The whole schema: every condition a one-key mapping whose value has its own schema."""
    load_plugins()
    defs: dict[str, Any] = {}
    for name, cls in conditions.items():
        defs[name] = {**cls.schema, "description": cls.summary}
    defs["condition"] = {"oneOf": [condition_def(n, c) for n, c in conditions.items()]}
    schema = envelope({"$ref": "#/$defs/condition"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "govern Policy document (govern/v1)",
        **schema,
        "$defs": defs,
    }
