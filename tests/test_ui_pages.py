"""The inventory (filters, search, sort, pages, CSV), the dashboard, policies, scans,
the lineage explorer, and HTML error pages."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import automation_manifest
from ui_support import eventually, install_policies, sign_in, ui_users  # noqa: F401

from govern.db import write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.register import register

pytestmark = pytest.mark.usefixtures("ui_users")


def seed(engine, manifests):
    docs = [Document("test", i, m) for i, m in enumerate(manifests)]
    with write_session(engine) as session:
        register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN)


@pytest.fixture
def inventory(engine):
    manifests = []
    for i in range(60):
        ns = ("finance", "hr", "sales")[i % 3]
        platform = ("python", "vba", "zapier", "n8n")[i % 4]
        manifests.append(
            automation_manifest(
                f"job-{i:02d}",
                namespace=ns,
                platform=platform,
                owner=f"owner{i % 5}@example.com",
                usesAI=i % 10 == 0,
            )
        )
    manifests.append(
        automation_manifest(
            "payroll-summary",
            namespace="hr",
            reads=[
                {
                    "asset": "postgres://hr-db:5432/hris.public.payroll",
                    "classification": "restricted",
                }
            ],
            calls=[{"asset": "https://api.openai.com"}],
        )
    )
    seed(engine, manifests)
    return manifests


def keys_in(html: str) -> list[str]:
    import re

    return re.findall(r'<td class="keycell"><a href="/automations/[^"]+">([^<]+)</a>', html)


def test_inventory_filters_search_sort_and_pages(client, inventory):
    sign_in(client, "vic")
    first = client.get("/automations?size=25").text
    assert "61 automations" in first and len(keys_in(first)) == 25
    second = client.get("/automations?size=25&page=3").text
    assert len(keys_in(second)) == 11
    assert not set(keys_in(first)) & set(keys_in(second))
    python = keys_in(client.get("/automations?platform=python&size=100").text)
    assert python and all(
        k.split("/")[1] in {f"job-{i:02d}" for i in range(0, 60, 4)} or k == "hr/payroll-summary"
        for k in python
    )
    both = client.get("/automations?platform=python&platform=vba&namespace=hr&size=100").text
    assert all(k.startswith("hr/") for k in keys_in(both))
    found = client.get("/automations?q=payroll").text
    assert keys_in(found) == ["hr/payroll-summary"]
    assert "search: payroll" in found  # the active filter chip
    ai = keys_in(client.get("/automations?ai=yes&size=100").text)
    assert len(ai) == 7  # six jobs plus the one calling an AI provider
    ordered = keys_in(client.get("/automations?sort=-risk&size=100").text)
    assert len(ordered) == 61
    bad = client.get("/automations?sort=nonsense&page=x&size=7")
    assert bad.status_code == 200  # unknown values fall back to defaults


def test_csv_export_follows_the_filter(client, inventory):
    sign_in(client, "vic")
    response = client.get("/automations.csv?namespace=finance&platform=python")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and all(r["key"].startswith("finance/") and r["platform"] == "python" for r in rows)
    everything = list(csv.DictReader(io.StringIO(client.get("/automations.csv").text)))
    assert len(everything) == 61


def test_dashboard_shows_sprawl_and_compliance(client, engine, inventory):
    install_policies(engine)
    sign_in(client, "vic")
    html = client.get("/").text
    assert 'id="kpi-total">61<' in html
    assert 'aria-label="Automations by platform"' in html
    assert 'aria-label="New automations per week"' in html
    assert "Open violations" in html and "Top risks" in html
    assert "<script" not in html  # charts are server-rendered SVG


def test_dashboard_figures_refresh_after_a_write(client, engine, inventory):
    sign_in(client, "vic")
    assert 'id="kpi-total">61<' in client.get("/").text
    seed(engine, [automation_manifest("one-more")])
    # served at once from the previous figures while they are recomputed in the background
    eventually(lambda: 'id="kpi-total">62<' in client.get("/").text)


def test_policies_and_policy_page(client, engine, inventory):
    if not install_policies(engine):
        pytest.skip("the policy engine is not installed")
    sign_in(client, "vic")
    listing = client.get("/policies").text
    assert "restricted-data-to-external-ai" in listing
    page = client.get("/policies/restricted-data-to-external-ai")
    assert page.status_code == 200
    assert "hr/payroll-summary" in page.text
    assert client.get("/policies/no-such-policy").status_code == 404


def test_scans_page_lists_runs_and_errors(client, engine):
    from govern.db import utcnow
    from govern.registry.models import ScanRun, ScanTarget

    with write_session(engine) as session:
        session.add(ScanTarget(name="finance-share", location="/srv/finance"))
        session.add(
            ScanRun(
                run_uid="run-abc-123456789",
                target_name="finance-share",
                status="partial",
                files_seen=10,
                files_read=9,
                discoveries=4,
                finished_at=utcnow(),
                errors=[{"location": "/srv/finance/locked.xlsm", "message": "permission denied"}],
            )
        )
    sign_in(client, "vic")
    html = client.get("/scans").text
    assert "finance-share" in html and "permission denied" in html and "1 error" in html
    assert "Nothing discovered yet." in html


def test_lineage_explorer_highlights_restricted_to_external(client, inventory):
    sign_in(client, "vic")
    html = client.get("/lineage").text
    assert "Restricted data reaching external services" in html
    assert "hr/payroll-summary" in html and "https://api.openai.com" in html
    graph = client.get("/lineage?node=hr/payroll-summary&depth=2").text
    assert 'data-node="automation:hr/payroll-summary"' in graph
    assert 'class="edge hot"' in graph
    missing = client.get("/lineage?node=hr/nothing-here").text
    assert "not in the lineage graph" in missing


def test_automation_page_sections(client, engine, inventory):
    install_policies(engine)
    sign_in(client, "rita")
    html = client.get("/automations/hr/payroll-summary").text
    for section in (
        "Policy findings",
        "Lineage",
        "Declared and discovered",
        "History",
        "Risk factors",
        "Waivers",
    ):
        assert section in html
    assert "Approval is blocked" in html
    assert client.get("/automations/hr/nope").status_code == 404


def test_unknown_pages_are_html_for_people_and_json_for_the_api(client):
    sign_in(client, "vic")
    assert client.get("/automations/a/b").status_code == 404
    assert "Not found" in client.get("/automations/a/b").text
    api = client.get("/api/v1/automations/a/b")
    assert api.mimetype in ("application/problem+json", "application/json")
