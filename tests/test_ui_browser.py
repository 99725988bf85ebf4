"""End to end in real headless Chromium: a developer registers through the form and sees
a policy finding; a reviewer finds it in the queue, waives what blocks it and approves;
the dashboard counts change; the lineage view draws the restricted -> external path.
Screenshots land in test-artifacts/ui/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import automation_manifest
from ui_support import (
    PASSWORD,
    LiveServer,
    artifacts_dir,
    eventually,
    install_policies,
    launch_chromium,
    make_users,
)

from govern.db import utcnow, write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.register import register

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _seed(engine) -> None:
    """A small inventory so the dashboard has something to draw."""
    manifests = [
        automation_manifest(f"report-{i}", namespace=ns, platform=platform)
        for i, (ns, platform) in enumerate(
            [
                ("finance", "python"),
                ("finance", "vba"),
                ("hr", "power-automate"),
                ("sales", "zapier"),
                ("sales", "python"),
                ("marketing", "n8n"),
            ]
        )
    ]
    docs = [Document("seed", i, m) for i, m in enumerate(manifests)]
    with write_session(engine) as session:
        register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def _nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _pending(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM automation"
            " WHERE review_state = 'pending' AND lifecycle != 'retired'"
        )
        return conn.execute(text(query)).scalar_one()


def _kpi(page, name: str) -> int:
    return int(re.sub(r"\D", "", page.locator(f"#kpi-{name}").inner_text()) or 0)


def test_register_review_dashboard_lineage(engine, app):
    make_users(engine)
    if not install_policies(engine):
        pytest.skip("the policy engine is not installed")
    _seed(engine)
    shots = artifacts_dir()
    key = "finance/payslip-summariser"
    with LiveServer(app) as live, playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            base = live.url
            # -- the citizen developer registers through the guided form ---------------
            dev = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            _sign_in(dev, base, "dev")
            _nav(dev, "Register")
            dev.get_by_label("Short name").fill("payslip-summariser")
            dev.get_by_label("Team or department").fill("finance")
            dev.get_by_label("Title").fill("Payslip summariser")
            dev.get_by_label("What is it built with?").select_option("python")
            dev.get_by_label("It reads").fill(
                "postgres://hr-db:5432/hris.public.payroll restricted pii"
            )
            dev.get_by_label("It calls services").fill("https://api.openai.com summarise payslips")
            dev.get_by_role("button", name="Check").click()
            findings = dev.locator("#findings")
            findings.wait_for()
            assert "Sandbox automation touches confidential or restricted data" in (
                findings.inner_text()
            )
            assert "How to fix" in findings.inner_text()
            dev.screenshot(path=str(shots / "register.png"), full_page=True)
            dev.get_by_role("button", name="Submit for review").click()
            dev.wait_for_url(base + "/automations/" + key)
            assert "waiting for review" in dev.locator(".flash").first.inner_text()

            # -- the reviewer finds it, waives what blocks it, approves -----------------
            rev = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            _sign_in(rev, base, "rita")
            pending_before = _pending(engine)

            def shows(count: int):  # figures refresh in the background after a write
                def check() -> bool:
                    if _kpi(rev, "pending") == count:
                        return True
                    rev.reload()
                    return False

                return check

            eventually(shows(pending_before))
            expiring_before = _kpi(rev, "expiring")
            _nav(rev, "Review desk")
            row = rev.locator("tr", has=rev.locator(f'a:text-is("{key}")'))
            row.get_by_role("link", name="Review").click()
            rev.wait_for_url(re.compile(re.escape(key)))
            assert rev.locator("text=Approval is blocked").is_visible()
            assert rev.get_by_role("button", name="Approve").is_disabled()
            expiry = (utcnow() + timedelta(days=14)).date().isoformat()
            waived = 0
            while rev.locator("text=Approval is blocked").count() and waived < 6:
                form = rev.locator("#waive form")
                form.get_by_label("Why the risk is accepted").fill("Pilot on anonymised data")
                form.get_by_label("Expires").fill(expiry)
                form.get_by_label("Ticket").fill("SEC-42")
                form.get_by_role("button", name="Grant waiver").click()
                rev.wait_for_load_state()
                assert "Waiver granted" in rev.locator(".flash").first.inner_text()
                waived += 1
            assert waived >= 1
            rev.get_by_label("Comment").first.fill("Waived for the pilot; recheck in two weeks")
            rev.get_by_role("button", name="Approve").click()
            rev.wait_for_load_state()
            assert f"Approved {key}" in rev.locator(".flash").first.inner_text()
            assert "review: approved" in rev.locator(".pagehead").inner_text()
            rev.screenshot(path=str(shots / "automation.png"), full_page=True)

            _nav(rev, "Dashboard")
            eventually(shows(pending_before - 1))
            assert _kpi(rev, "expiring") == expiring_before + waived
            rev.screenshot(path=str(shots / "dashboard.png"), full_page=True)

            _nav(rev, "Inventory")
            rev.get_by_placeholder("Search key, title, owner, location…").fill("payslip")
            rev.get_by_role("button", name="Search").click()
            assert rev.locator("td.keycell a").all_inner_texts() == [key]
            rev.goto(base + "/automations?sort=-risk")
            rev.screenshot(path=str(shots / "inventory.png"), full_page=True)

            # -- lineage renders the restricted -> external path ---------------------------
            rev.goto(base + "/lineage")
            flow = rev.locator("tr.flow", has=rev.locator(f'a:text-is("{key}")'))
            assert "https://api.openai.com" in flow.inner_text()
            flow.get_by_role("link", name="Show").click()
            graph = rev.locator("#graph svg.lineage")
            graph.wait_for()
            assert graph.locator(f'g[data-node="automation:{key}"]').count() == 1
            assert graph.locator("path.edge.hot").count() >= 2
            hot = graph.locator('g.node.hot[data-node="asset:https://api.openai.com"]')
            assert hot.count() == 1
            rev.screenshot(path=str(shots / "lineage.png"), full_page=True)

            # -- the developer sees the outcome ------------------------------------------
            dev.goto(base + "/mine")
            mine = dev.locator("tr", has=dev.locator(f'a:text-is("{key}")')).inner_text()
            assert "approved" in mine and "Approved, but" in mine
        finally:
            browser.close()
    for name in ("dashboard", "inventory", "automation", "register", "lineage"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
