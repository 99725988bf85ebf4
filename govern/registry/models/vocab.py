"""Closed vocabularies shared by the data model, manifests, API and UI."""

from __future__ import annotations

PLATFORMS = (
    "python",
    "powershell",
    "shell",
    "batch",
    "vba",
    "notebook",
    "n8n",
    "power-automate",
    "power-automate-desktop",
    "node-red",
    "apps-script",
    "uipath",
    "zapier",
    "make",
    "logic-apps",
    "github-actions",
    "cron",
    "systemd-timer",
    "windows-task",
    "airflow",
    "saas-usage",
    "other",
)
TRIGGER_TYPES = ("schedule", "event", "manual", "webhook")
CRITICALITIES = ("low", "medium", "high", "critical")
TRACKS = ("sandbox", "production")
LIFECYCLES = ("draft", "active", "deprecated", "retired")
ORIGINS = ("declared", "discovered", "both")
RECONCILIATION_STATES = ("registered", "shadow", "unverified", "missing")
REVIEW_STATES = ("pending", "approved", "changes-requested", "rejected")
RISK_TIERS = ("low", "medium", "high", "critical")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
ASSET_KINDS = (
    "database",
    "table",
    "file",
    "folder",
    "spreadsheet",
    "mailbox",
    "api",
    "ai-service",
    "saas",
    "queue",
    "other",
)
ACCESS_MODES = ("read", "write", "call")
LEARNED_FROM = ("declared", "scanned", "manual")
ROLES = ("viewer", "developer", "reviewer", "admin")
SEVERITIES = ("info", "low", "medium", "high", "critical")
RESULT_STATUSES = ("pass", "fail", "not-applicable")
VIOLATION_STATES = ("open", "waived", "resolved")

CLASSIFICATION_RANK = {name: rank for rank, name in enumerate(CLASSIFICATIONS)}
ROLE_RANK = {name: rank for rank, name in enumerate(ROLES)}
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
