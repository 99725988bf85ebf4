"""The registration desk, the review desk, waivers, "my automations" and escaping."""

from __future__ import annotations

import pytest
from conftest import automation_manifest
from ui_support import form_manifest, install_policies, sign_in, token_of, ui_users  # noqa: F401

from govern.db import read_session, write_session
from govern.registry import automations
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.register import register

LEAKY = {
    "reads": "postgres://hr-db:5432/hris.public.payroll restricted pii",
    "calls": "https://api.openai.com summarise payslips",
}

pytestmark = pytest.mark.usefixtures("ui_users")


@pytest.fixture
def policies(engine):
    if not install_policies(engine):
        pytest.skip("the policy engine is not installed")
    return True


def seed(engine, *manifests):
    docs = [Document("test", i, m) for i, m in enumerate(manifests)]
    with write_session(engine) as session:
        register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN)


def post_form(client, action: str, **overrides):
    data = {**form_manifest(**overrides), "action": action}
    data["csrf_token"] = token_of(client, "/register")
    return client.post("/register", data=data)


def test_form_problems_are_shown_next_to_their_fields(client):
    sign_in(client, "dev")
    response = post_form(client, "check", name="Bad Name!", owner="not-an-email", cron="61 * * *")
    assert response.status_code == 422
    html = response.text
    assert 'id="err-name"' in html and 'id="err-owner"' in html and 'id="err-cron"' in html
    assert 'aria-invalid="true"' in html
    assert "nothing" not in html.lower() or "to fix" in html


def test_production_needs_a_justification_like_the_api(client):
    sign_in(client, "dev")
    response = post_form(client, "check", track="production")
    assert response.status_code == 422
    assert 'id="err-justification"' in response.text


def test_check_shows_findings_and_saves_nothing(client, engine, policies):
    sign_in(client, "dev")
    response = post_form(client, "check", **LEAKY)
    assert response.status_code == 200
    html = response.text
    assert "What the policies say" in html
    assert "sandbox-sensitive-data" in html
    assert "How to fix" in html
    assert "apiVersion: govern/v1" in html  # the manifest it stands for
    with read_session(engine) as session:
        assert automations.list_automations(session, automations.Query()).total == 0


def test_submit_registers_and_shows_next_steps(client, engine, policies):
    sign_in(client, "dev")
    response = post_form(client, "submit", **LEAKY)
    assert response.status_code == 302
    assert response.headers["Location"] == "/automations/finance/invoice-reminder"
    with read_session(engine) as session:
        a = automations.get(session, "finance/invoice-reminder")
        assert a.review_state == "pending" and a.owner_email == "dev@example.com"
    page = client.get("/automations/finance/invoice-reminder").text
    assert "waiting for review" in page
    assert "What to do next:" in page and "to fix before approval" in page
    mine = client.get("/mine").text
    assert "finance/invoice-reminder" in mine
    assert "to fix before approval" in mine


def test_developer_may_not_register_for_someone_else(client):
    sign_in(client, "dev")
    response = post_form(client, "submit", owner="someone.else@example.com")
    assert response.status_code == 403
    assert "may not change" in response.text


def test_yaml_mode_uses_the_same_validation(client):
    sign_in(client, "dev")
    token = token_of(client, "/register?mode=yaml")
    text = "apiVersion: govern/v1\nkind: Automation\nmetadata: {name: x}\nspec: {platform: cobol}\n"
    response = client.post(
        "/register?mode=yaml",
        data={"mode": "yaml", "manifest": text, "action": "check", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "spec.owner is missing" in response.text or "owner" in response.text
    assert "cobol" in response.text


def test_edit_prefills_from_the_manifest(client, engine):
    seed(
        engine,
        automation_manifest(
            "ledger",
            owner="dev@example.com",
            track="production",
            justification="Saves a day a month.",
        ),
    )
    sign_in(client, "dev")
    html = client.get("/register?from=finance/ledger").text
    assert 'value="ledger"' in html and "Saves a day a month." in html


def test_developer_cannot_approve_even_by_posting(client, engine):
    seed(engine, automation_manifest("ledger", owner="dev@example.com"))
    sign_in(client, "dev")
    token = token_of(client, "/automations/finance/ledger")
    html = client.get("/automations/finance/ledger").text
    assert 'value="approve"' not in html  # not shown ...
    response = client.post(
        "/automations/finance/ledger/review", data={"action": "approve", "csrf_token": token}
    )
    assert response.status_code == 403  # ... and not accepted
    bulk = client.post(
        "/review/bulk", data={"action": "approve", "keys": "finance/ledger", "csrf_token": token}
    )
    assert bulk.status_code == 403
    waive = client.post("/automations/finance/ledger/waive", data={"csrf_token": token})
    assert waive.status_code == 403
    with read_session(engine) as session:
        assert automations.get(session, "finance/ledger").review_state == "pending"


def test_reviewer_decides_with_comments(client, engine):
    seed(engine, automation_manifest("a1"), automation_manifest("a2"), automation_manifest("a3"))
    sign_in(client, "rita")
    queue = client.get("/review").text
    assert "finance/a1" in queue and "finance/a3" in queue
    token = token_of(client, "/review")
    no_comment = client.post(
        "/automations/finance/a1/review", data={"action": "reject", "csrf_token": token}
    )
    assert no_comment.status_code == 302
    with read_session(engine) as session:
        assert automations.get(session, "finance/a1").review_state == "pending"
    client.post(
        "/automations/finance/a1/review",
        data={"action": "request-changes", "comment": "Add a backup owner", "csrf_token": token},
    )
    bulk = client.post(
        "/review/bulk",
        data={"action": "approve", "keys": ["finance/a2", "finance/a3"], "csrf_token": token},
    )
    assert bulk.status_code == 302
    with read_session(engine) as session:
        a1 = automations.get(session, "finance/a1")
        assert a1.review_state == "changes-requested"
        assert a1.review_comment == "Add a backup owner" and a1.reviewed_by == "rita@example.com"
        assert automations.get(session, "finance/a2").review_state == "approved"
        assert automations.get(session, "finance/a3").review_state == "approved"
    client.get("/review")  # the flash message is shown once
    assert 'value="finance/a2"' not in client.get("/review").text
    assert 'value="finance/a1"' in client.get("/review?state=changes-requested").text


def test_enforce_failures_block_approval_until_waived(client, engine, policies):
    sign_in(client, "dev")
    post_form(client, "submit", **LEAKY)
    client.get("/logout")
    reviewer = client.application.test_client()
    sign_in(reviewer, "rita")
    key_url = "/automations/finance/invoice-reminder"
    page = reviewer.get(key_url).text
    assert "Approval is blocked" in page
    token = token_of(reviewer, key_url)
    refused = reviewer.post(key_url + "/review", data={"action": "approve", "csrf_token": token})
    assert refused.status_code == 302
    followed = reviewer.get(key_url).text
    assert "Not approved" in followed and "sandbox-sensitive-data" in followed
    with read_session(engine) as session:
        blockers = automations.approval_blockers(session, "finance/invoice-reminder")
    assert blockers
    for reason in blockers:
        policy_id = reason.split(" ", 1)[0]
        granted = reviewer.post(
            key_url + "/waive",
            data={
                "policy": policy_id,
                "reason": "Pilot with anonymised copies; ends with the quarter",
                "expires": "2099-01-01",
                "approver": "rita@example.com",
                "ticket": "SEC-1",
                "csrf_token": token,
            },
        )
        assert granted.status_code == 302
        text = reviewer.get(key_url).text
        assert "Waiver not granted" in text and "at most one year" in text
        from datetime import timedelta

        from govern.db import utcnow

        soon = (utcnow() + timedelta(days=20)).date().isoformat()
        granted = reviewer.post(
            key_url + "/waive",
            data={
                "policy": policy_id,
                "reason": "Pilot with anonymised copies; ends with the quarter",
                "expires": soon,
                "approver": "rita@example.com",
                "csrf_token": token,
            },
        )
        assert granted.status_code == 302
    approved = reviewer.post(key_url + "/review", data={"action": "approve", "csrf_token": token})
    assert approved.status_code == 302
    with read_session(engine) as session:
        assert automations.get(session, "finance/invoice-reminder").review_state == "approved"
    dashboard = reviewer.get("/").text
    import re

    found = re.search(r"id=\"kpi-expiring\">(\d+)", dashboard)
    assert found and int(found.group(1)) == len(blockers)


def test_user_strings_render_inert(client, engine):
    evil = "<script>alert('x')</script>"
    seed(
        engine,
        automation_manifest(
            "evil",
            owner="dev@example.com",
            justification=evil,
            location=f"//fs01/{evil}",
            reads=[{"asset": "file://fs01/share/<img/src=x/onerror=alert(1)>.xlsx"}],
        ),
    )
    with write_session(engine) as session:
        a = automations.get(session, "finance/evil")
        a.title = evil
        a.description = evil
        session.add(a)
    sign_in(client, "rita")
    for path in (
        "/",
        "/automations",
        "/automations?q=" + evil,
        "/automations/finance/evil",
        "/review",
        "/lineage?node=finance/evil",
        "/lineage?node=" + evil,
    ):
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img/src" not in html, path
    response = client.get("/automations/finance/evil")
    assert "&lt;script&gt;alert(" in response.text
    # and no script could run anyway: the pages allow none
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_csv_cells_are_not_formulas(client, engine):
    seed(engine, automation_manifest("sheet", owner="dev@example.com"))
    with write_session(engine) as session:
        a = automations.get(session, "finance/sheet")
        a.title = '=HYPERLINK("http://evil")'
        session.add(a)
    sign_in(client, "vic")
    body = client.get("/automations.csv").text
    assert "'=HYPERLINK" in body
