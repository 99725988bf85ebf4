"""The automation page, and the review, waiver and lifecycle forms on it."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request

from govern.db import utcnow
from govern.registry import automations
from govern.registry.auth import can_change
from govern.web.context import reading, writing
from govern.web.ui import automation_page, graph_svg, session_auth
from govern.web.ui.blueprint import bp
from govern.web.ui.helpers import automation_url

REVIEW_ACTIONS = {
    "approve": ("approved", "Approved"),
    "request-changes": ("changes-requested", "Changes requested for"),
    "reject": ("rejected", "Rejected"),
}


def next_step(a, open_findings: int):
    from govern.web.ui.views_register import next_step as advise

    return advise(a, open_findings)


def waivers_service():
    """The policy engine's waiver service, when installed."""
    try:
        from govern.policies import waivers
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.policies.waivers".startswith(exc.name):
            raise
        return None
    return waivers


def blockers_for(results: list[dict]) -> list[str]:
    """What blocks approval, as the policy engine last recorded it: open (not waived)
    failures of enforce-mode policies. Approving re-checks live (``set_review``)."""
    return [
        f"{r['policy']} ({r['severity']}): {r['explanation']}"
        for r in results
        if r["status"] == "fail" and r["mode"] == "enforce" and not r["waived"]
    ]


@bp.get("/automations/<namespace>/<name>")
@session_auth.login_required
def automation(namespace: str, name: str):
    key = f"{namespace}/{name}"
    who = session_auth.current()
    with reading() as session:
        data = automation_page.load(session, key)
    blockers = (
        blockers_for(data.results)
        if who.at_least("reviewer") and data.automation.review_state != "approved"
        else []
    )
    nodes, edges = automation_page.neighbourhood(data)
    a = data.automation
    failing = [r for r in data.results if r["status"] == "fail" and not r["waived"]]
    mine = can_change(who, a.namespace, a.owner_email) and not who.at_least("reviewer")
    advice = next_step(a, len(failing)) if mine else None
    return render_template(
        "ui/automation.html",
        d=data,
        a=a,
        failing=failing,
        lineage_svg=graph_svg.render(nodes, edges, title=f"Lineage around {key}"),
        blockers=blockers,
        can_review=who.at_least("reviewer"),
        can_change=can_change(who, a.namespace, a.owner_email),
        advice=advice,
        can_waive=who.at_least("reviewer") and waivers_service() is not None,
        default_expiry=(utcnow() + timedelta(days=90)).date().isoformat(),
        max_expiry=(utcnow() + timedelta(days=365)).date().isoformat(),
        today=utcnow().date().isoformat(),
    )


def apply_review(session, key: str, action: str, comment: str, who) -> str:
    """Apply one review decision; returns the past-tense label. Raises Conflict/Forbidden."""
    if action not in REVIEW_ACTIONS:
        abort(400, description=f"unknown review action {action!r}")
    state, label = REVIEW_ACTIONS[action]
    if action != "approve" and not comment.strip():
        raise ValueError(
            "say what needs to change (a comment is required to request changes or reject)"
        )
    automations.set_review(session, key, state, principal=who, comment=comment.strip())
    return label


@bp.post("/automations/<namespace>/<name>/review")
@session_auth.role_required("reviewer")
def review(namespace: str, name: str):
    key = f"{namespace}/{name}"
    who = session_auth.current()
    action = request.form.get("action", "")
    try:
        with writing() as session:
            label = apply_review(session, key, action, request.form.get("comment", ""), who)
    except automations.Conflict as exc:
        flash(f"Not approved: {exc}. " + " ".join(exc.reasons), "bad")
        return redirect(automation_url(key) + "#review")
    except ValueError as exc:
        flash(f"Not saved: {exc}.", "bad")
        return redirect(automation_url(key) + "#review")
    flash(f"{label} {key}.", "good")
    back = request.form.get("back")
    if back == "queue":
        from flask import url_for

        return redirect(url_for("ui.review_queue"))
    return redirect(automation_url(key))


@bp.post("/automations/<namespace>/<name>/waive")
@session_auth.role_required("reviewer")
def waive(namespace: str, name: str):
    key = f"{namespace}/{name}"
    who = session_auth.current()
    service = waivers_service()
    if service is None:
        abort(404, description="waivers need the policy engine, which is not installed")
    try:
        with writing() as session:
            service.create(
                session,
                policy_id=request.form.get("policy", ""),
                automation_key=key,
                reason=request.form.get("reason", ""),
                approver=request.form.get("approver", "") or (who.email or ""),
                ticket=request.form.get("ticket", ""),
                expires=request.form.get("expires", ""),
                principal=who,
            )
            _reevaluate(session, key)
    except service.WaiverInvalid as exc:
        flash(f"Waiver not granted: {exc}.", "bad")
        return redirect(automation_url(key) + "#waive")
    flash(
        f"Waiver granted for {request.form.get('policy')} on {key} "
        f"until {request.form.get('expires')}.",
        "good",
    )
    return redirect(automation_url(key))


def _reevaluate(session, key: str) -> None:
    """Let the policy engine mark the waived result now rather than at its next run."""
    from govern.registry.register import evaluate_changed

    evaluate_changed(session, [key])


@bp.post("/automations/<namespace>/<name>/lifecycle")
@session_auth.role_required("developer")
def lifecycle(namespace: str, name: str):
    key = f"{namespace}/{name}"
    who = session_auth.current()
    state = request.form.get("lifecycle", "")
    try:
        with writing() as session:
            automations.set_lifecycle(
                session, key, state, principal=who, comment=request.form.get("comment", "")
            )
    except ValueError as exc:
        flash(f"Not changed: {exc}.", "bad")
    else:
        flash(f"{key} is now {state}.", "good")
    return redirect(automation_url(key))
