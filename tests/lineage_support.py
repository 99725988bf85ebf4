"""Helpers for lineage tests: register manifests through the real register path."""

from __future__ import annotations

from typing import Any

from conftest import automation_manifest

from govern.db import write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.register import register

CRM = "postgres://crm-db:5432/crm.public.customers"
XLSX = "file://fs01/sales/exports/customers.xlsx"
OPENAI = "https://api.openai.com"
HR = "postgres://hr-db:5432/hr.public.salaries"
BANDS = "file://fs01/hr/benchmarks/salary-bands.csv"
ANTHROPIC = "https://api.anthropic.com"


def register_docs(engine, *bodies: dict[str, Any]) -> list:
    """Register manifests as the local admin, all-or-nothing, like `govern register`."""
    loaded = LoadResult(documents=[Document("test", i, b) for i, b in enumerate(bodies)])
    with write_session(engine) as session:
        return register(session, loaded, principal=LOCAL_ADMIN)


def asset_manifest(uri: str, **spec) -> dict[str, Any]:
    name = uri.split("://", 1)[1].replace("/", "-").replace(":", "-").replace(".", "-")[:60]
    return {
        "apiVersion": "govern/v1",
        "kind": "Asset",
        "metadata": {"name": name.strip("-").lower()},
        "spec": {"uri": uri, **spec},
    }


def person_manifest(email: str, *, active: bool = True, department: str = "sales") -> dict:
    return {
        "apiVersion": "govern/v1",
        "kind": "Person",
        "metadata": {"name": email.split("@")[0].replace(".", "-")},
        "spec": {
            "email": email,
            "displayName": email.split("@")[0],
            "department": department,
            "active": active,
        },
    }


def two_hop_world(engine, *, mask_read: bool = False) -> None:
    """CRM (restricted, pii) -> export to xlsx -> lead scoring calls OpenAI (unapproved)."""
    register_docs(
        engine,
        person_manifest("ana@example.com"),
        person_manifest("bo@example.com", department="marketing"),
        asset_manifest(CRM, classification="restricted", tags=["pii"], systemOfRecord=True),
        automation_manifest(
            "crm-export",
            "sales",
            owner="ana@example.com",
            reads=[{"asset": CRM}],
            writes=[{"asset": XLSX}],
            triggers=["marketing/lead-scoring"],
        ),
        automation_manifest(
            "lead-scoring",
            "marketing",
            owner="bo@example.com",
            backupOwner="ana@example.com",
            reads=[{"asset": XLSX, "masking": mask_read}],
            calls=[{"asset": OPENAI, "purpose": "score leads"}],
        ),
    )
