"""Demo lineage: real multi-hop data flows added to the demo enterprise.

Registered through the real register path (Automation manifests with reads, writes,
calls and triggers), so the graph, the policy engine and the UI see them as they would
see any declared automation. The stories:

- payroll (restricted) -> Excel export -> an assistant calling Mistral (unapproved AI)
- legal contracts (restricted) -> clause spreadsheet -> pasted to Pastebin (external)
- absences (restricted, health) -> anonymiser (masking read) -> Gemini: stopped by masking
- CRM customers -> weekly xlsx -> lead scoring on OpenAI (approved), and a duplicate export
- ledger -> extract -> consolidation -> board narrative on DeepSeek: three hops, triggers
"""

from __future__ import annotations

import random
from typing import Any

from sqlmodel import Session, col, select

from govern.config import Settings
from govern.registry.auth import Principal
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Person
from govern.registry.register import register

SEEDER = Principal(name="demo-seed", role="admin", email="demo-seed@example.com")

PAYROLL = "postgres://hr-db:5432/hris.public.payroll"
ABSENCES = "postgres://hr-db:5432/hris.public.absences"
CONTRACTS = "file://fs01/legal/contracts"
CUSTOMERS = "postgres://crm-db:5432/crm.public.customers"
LEDGER = "mssql://erp-sql01:1433/ERP.dbo.gl_balances"
PAYROLL_XLSX = "file://fs01/hr/exports/payroll-2026.xlsx"
ABSENCE_CSV = "file://fs01/hr/analytics/absence-trends.csv"
CLAUSES_XLSX = "file://fs01/legal/work/clauses.xlsx"
CUSTOMERS_XLSX = "file://fs01/sales/exports/customers-weekly.xlsx"
GL_CSV = "file://fs01/finance/close/gl-extract.csv"
CLOSE_PACK = "sharepoint://acme.sharepoint.com/sites/finance/close-pack.xlsx"
MISTRAL = "https://api.mistral.ai"
GEMINI = "https://generativelanguage.googleapis.com"
DEEPSEEK = "https://api.deepseek.com"
OPENAI = "https://api.openai.com"
PASTEBIN = "https://pastebin.com"

DEPARTMENT_NAMES = {
    "hr": "Human Resources",
    "legal": "Legal",
    "sales": "Sales",
    "marketing": "Marketing",
    "finance": "Finance",
}


def _source(uri: str, classification: str, tags: list[str]) -> dict[str, Any]:
    """A read of a system of record; inline attributes only fill what its owner left open."""
    return {"asset": uri, "classification": classification, "tags": tags}


def _external(uri: str) -> dict[str, Any]:
    return {"asset": uri, "external": True, "approved": False}


def _owners(session: Session, rng: random.Random) -> dict[str, list[str]]:
    people = session.exec(
        select(Person).where(Person.active == True).order_by(col(Person.email))  # noqa: E712
    ).all()
    owners: dict[str, list[str]] = {}
    for ns, dept in DEPARTMENT_NAMES.items():
        mine = [p.email for p in people if p.department in (dept, ns)]
        owners[ns] = mine or [p.email for p in people] or [f"{ns}.lead@example.com"]
        rng.shuffle(owners[ns])
    return owners


def _automation(ns: str, name: str, owner: str, title: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "govern/v1",
        "kind": "Automation",
        "metadata": {"name": name, "namespace": ns, "title": title},
        "spec": {"owner": owner, "track": "sandbox", **spec},
    }


def manifests(owners: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The demo flows as Automation manifests (owners picked per namespace)."""

    def owner(ns: str, index: int = 0) -> str:
        return owners[ns][index % len(owners[ns])]

    return [
        _automation(
            "hr", "payroll-export-to-excel", owner("hr"), "Monthly payroll export to Excel",
            platform="vba", trigger={"type": "schedule", "cron": "0 7 1 * *"},
            reads=[_source(PAYROLL, "restricted", ["pii", "financial"])],
            writes=[{"asset": PAYROLL_XLSX}],
            triggers=["hr/payroll-insights-assistant"],
        ),
        _automation(
            "hr", "payroll-insights-assistant", owner("hr", 1), "Pay-gap summary with an LLM",
            platform="python", usesAI=True,
            reads=[{"asset": PAYROLL_XLSX}],
            calls=[{**_external(MISTRAL), "purpose": "summarise pay gaps per team"}],
        ),
        _automation(
            "hr", "absence-anonymiser", owner("hr", 2), "Absence trends, anonymised",
            platform="python", trigger={"type": "schedule", "cron": "0 5 * * 1"},
            reads=[{**_source(ABSENCES, "restricted", ["pii", "health"]), "masking": True,
                    "purpose": "k-anonymised weekly counts per site"}],
            writes=[{"asset": ABSENCE_CSV, "classification": "internal"}],
        ),
        _automation(
            "hr", "absence-trends-gemini", owner("hr", 3), "Absence trend commentary",
            platform="apps-script", usesAI=True,
            reads=[{"asset": ABSENCE_CSV}],
            calls=[{**_external(GEMINI), "purpose": "write the weekly commentary"}],
        ),
        _automation(
            "legal", "contract-clause-extractor", owner("legal"), "Clause extraction",
            platform="python",
            reads=[_source(CONTRACTS, "restricted", ["pii"])],
            writes=[{"asset": CLAUSES_XLSX}],
        ),
        _automation(
            "legal", "clause-share", owner("legal", 1), "Share clauses with outside counsel",
            platform="power-automate",
            reads=[{"asset": CLAUSES_XLSX}],
            calls=[{**_external(PASTEBIN), "purpose": "quick sharing link"}],
        ),
        _automation(
            "sales", "crm-weekly-export", owner("sales"), "Weekly CRM customer export",
            platform="python", trigger={"type": "schedule", "cron": "0 6 * * 1"},
            reads=[_source(CUSTOMERS, "confidential", ["pii"])],
            writes=[{"asset": CUSTOMERS_XLSX}],
            triggers=["marketing/lead-scoring-assistant"],
        ),
        _automation(
            "marketing", "crm-customer-pull", owner("marketing"), "Customer list for campaigns",
            platform="power-automate",
            reads=[_source(CUSTOMERS, "confidential", ["pii"])],
            writes=[{"asset": CUSTOMERS_XLSX}],
        ),
        _automation(
            "marketing", "lead-scoring-assistant", owner("marketing", 1), "Lead scoring with GPT",
            platform="python", usesAI=True,
            reads=[{"asset": CUSTOMERS_XLSX}],
            calls=[{"asset": OPENAI, "purpose": "score leads"}],
        ),
        _automation(
            "finance", "gl-extract", owner("finance"), "Ledger extract for the close",
            platform="powershell", trigger={"type": "schedule", "cron": "0 5 1 * *"},
            reads=[_source(LEDGER, "confidential", ["financial"])],
            writes=[{"asset": GL_CSV}],
            triggers=["finance/close-consolidation"],
        ),
        _automation(
            "finance", "close-consolidation", owner("finance", 1), "Close consolidation",
            platform="python",
            reads=[{"asset": GL_CSV}],
            writes=[{"asset": CLOSE_PACK}],
            triggers=["finance/board-narrative"],
        ),
        _automation(
            "finance", "board-narrative", owner("finance", 2), "Board pack narrative",
            platform="python", usesAI=True,
            reads=[{"asset": CLOSE_PACK}],
            calls=[{**_external(DEEPSEEK), "purpose": "draft the CFO commentary"}],
        ),
    ]  # fmt: skip


def extend(session: Session, rng: random.Random, settings: Settings) -> None:
    """Add the demo flows to the demo registry (the caller commits)."""
    bodies = manifests(_owners(session, rng))
    loaded = LoadResult(documents=[Document("demo-lineage", i, b) for i, b in enumerate(bodies)])
    register(
        session,
        loaded,
        principal=SEEDER,
        internal_domains=settings.internal_domains,
        evaluate=False,
    )
