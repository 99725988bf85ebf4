"""Demo data for the scanner: a small file share with shadow automations, scanned for real.

``govern demo`` calls ``extend`` after the base inventory. The share is deterministic
for a given ``rng`` seed, holds automations of several platforms in department
folders, the same script copied into several folders (sprawl), and planted FAKE
secrets; it is scanned with the real scanner and ingested like any scan target.
"""

from __future__ import annotations

import random
import shutil
import uuid
from pathlib import Path

from sqlmodel import Session, select

from govern.config import Settings
from govern.registry.auth import Principal

DEMO_TARGET = "demo-share"
DEMO_PRINCIPAL = Principal(name="demo", role="admin")
LAYOUT = (
    ("finance", "python", "ledger_summary"),
    ("finance", "vba", "close_macros"),
    ("finance", "power-automate", "invoice_flags"),
    ("finance", "windows-task", "nightly_close"),
    ("hr", "power-automate-desktop", "onboarding_bot"),
    ("hr", "apps-script", "leave_tracker"),
    ("hr", "zapier", "candidate_sync"),
    ("marketing", "n8n", "research_digest"),
    ("marketing", "make", "weekly_digest"),
    ("marketing", "notebook", "ticket_triage"),
    ("sales", "node-red", "crm_report"),
    ("sales", "powershell", "pipeline_export"),
    ("it", "shell", "db_backup"),
    ("it", "cron", "backup_schedule"),
    ("it", "systemd-timer", "log_rotate"),
    ("operations", "uipath", "invoice_robot"),
    ("operations", "logic-apps", "doc_summary"),
    ("data", "airflow", "orders_etl"),
)
COPIES = ("finance/team-a", "finance/team-b", "sales/emea", "sales/apac")


def build_share(root: Path, rng: random.Random) -> Path:
    """Write the demo share under ``root`` (replacing an older one)."""
    from govern.scanner import synthetic

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for folder, platform, name in LAYOUT:
        synthetic.generate(root, platform, name, rng, folder=folder)
    template = synthetic.generate(root, "python", "fx_rates_refresh", rng, folder="shared/scripts")
    source = root / template.location
    for folder in COPIES:
        target = root / folder / "fx_rates_refresh.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        # a copy with re-indented whitespace is still the same automation
        target.write_text(source.read_text().replace("    ", "  "))
    (root / "finance" / "README.md").write_text("Month-end close procedures. Not an automation.\n")
    (root / "finance" / "ledger.csv").write_text("account,amount\n4000,12.50\n")
    (root / "marketing" / "logo.png").write_bytes(bytes(range(256)) * 4)
    return root


def extend(session: Session, rng: random.Random, settings: Settings) -> None:
    """Add scan targets, discoveries, shadow automations and duplicates to the demo."""
    from govern.registry.ingest import ingest
    from govern.registry.models import ScanTarget
    from govern.scanner.api import scan

    root = build_share(settings.data_dir / "demo-share", rng)
    target = session.exec(select(ScanTarget).where(ScanTarget.name == DEMO_TARGET)).first()
    if target is None:
        target = ScanTarget(
            name=DEMO_TARGET, kind="path", location=str(root), interval_seconds=3600
        )
        session.add(target)
        session.flush()
    run_uid = uuid.UUID(int=rng.getrandbits(128)).hex
    result = scan([root], secret_key=settings.secret_key, run_uid=run_uid)
    ingest(
        session,
        result.as_dict(),
        target_name=DEMO_TARGET,
        agent="demo",
        run_uid=run_uid,
        principal=DEMO_PRINCIPAL,
        internal_domains=settings.internal_domains,
    )
