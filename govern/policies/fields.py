"""The automation fields a ``field`` condition may compare, each with its value type.

A closed list (not attribute access by name) so a typo in a policy is an error, and
so each operator can be checked against the field's type before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT, BOOL, NUMBER, TIME, LIST = "text", "bool", "number", "time", "list"

# Operators each value type accepts; "exists"/"absent" take no value.
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    TEXT: ("eq", "ne", "in", "not-in", "regex", "exists", "absent"),
    BOOL: ("eq", "ne", "exists", "absent"),
    NUMBER: ("eq", "ne", "in", "not-in", "lt", "le", "gt", "ge", "exists", "absent"),
    TIME: ("lt", "le", "gt", "ge", "older-than-days", "exists", "absent"),
    LIST: ("in", "not-in", "exists", "absent"),
}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    description: str


def _f(name: str, type_: str, description: str) -> tuple[str, FieldInfo]:
    return name, FieldInfo(name, type_, description)


FIELDS: dict[str, FieldInfo] = dict(
    [
        _f("key", TEXT, "namespace/name"),
        _f("namespace", TEXT, "team or department that owns it"),
        _f("name", TEXT, "name within the namespace"),
        _f("title", TEXT, "display title"),
        _f("platform", TEXT, "where it runs: python, power-automate, n8n, ..."),
        _f("owner_email", TEXT, "accountable owner"),
        _f("backup_owner_email", TEXT, "backup owner"),
        _f("department", TEXT, "owner's department"),
        _f("justification", TEXT, "business justification"),
        _f("criticality", TEXT, "low, medium, high or critical"),
        _f("track", TEXT, "sandbox or production"),
        _f("lifecycle", TEXT, "draft, active, deprecated or retired"),
        _f("origin", TEXT, "declared, discovered or both"),
        _f("reconciliation_state", TEXT, "registered, shadow, unverified or missing"),
        _f("review_state", TEXT, "pending, approved, changes-requested or rejected"),
        _f("trigger.type", TEXT, "schedule, event, manual or webhook"),
        _f("trigger.cron", TEXT, "cron expression of a schedule trigger"),
        _f("trigger.event", TEXT, "what starts an event trigger"),
        _f("trigger.authenticated", BOOL, "webhook callers must authenticate"),
        _f("location", TEXT, "path, UNC path, URL or platform id"),
        _f("fingerprint", TEXT, "content fingerprint (same value = same automation)"),
        _f("uses_ai", BOOL, "uses an AI or LLM service"),
        _f("tags", LIST, "free tags from the manifest"),
        _f("first_seen", TIME, "when it was first declared or discovered"),
        _f("last_seen", TIME, "when a scanner last saw it"),
        _f("last_activity", TIME, "last_seen, or the last registry update when never scanned"),
        _f("created_at", TIME, "when the record was created"),
        _f("updated_at", TIME, "when the record last changed"),
        _f("reviewed_at", TIME, "when it was last reviewed"),
        _f("discovered_at", TIME, "earliest scanner discovery linked to it"),
        _f("secret_count", NUMBER, "hard-coded secrets scanners found in its files"),
        _f("duplicate_count", NUMBER, "other live automations with the same fingerprint"),
        _f("access_count", NUMBER, "assets it reads, writes or calls"),
    ]
)
