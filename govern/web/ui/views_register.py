"""The registration desk (a guided form that checks before it submits) and "my automations"."""

from __future__ import annotations

import yaml
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlmodel import col

from govern.registry import automations
from govern.registry.auth import Forbidden
from govern.registry.manifest import LoadResult, ManifestInvalid, parse_text
from govern.registry.models import Automation, PolicyResult
from govern.registry.models.vocab import CRITICALITIES, PLATFORMS, TRIGGER_TYPES
from govern.registry.register import register as register_manifests
from govern.web.context import Services, reading, writing
from govern.web.ui import register_form, session_auth
from govern.web.ui.blueprint import bp
from govern.web.ui.helpers import automation_url


def preview_findings(manifest: dict) -> list[dict] | None:
    """The policy engine's verdict on a manifest not yet registered (None: no engine)."""
    try:
        from govern.policies.preview import evaluate_manifest
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.policies.preview".startswith(exc.name):
            raise
        return None
    domains = Services.current().settings.internal_domains
    with writing() as session:  # the preview registers in a savepoint it rolls back
        return evaluate_manifest(session, manifest, internal_domains=domains)


def _defaults(who) -> dict[str, str]:
    namespace = next((n for n in who.namespaces if n != "*"), "")
    return {
        "owner": who.email or "",
        "track": "sandbox",
        "criticality": "low",
        "trigger_type": "manual",
        "namespace": namespace,
    }


@bp.route("/register", methods=["GET", "POST"])
@session_auth.role_required("developer")
def register():
    who = session_auth.current()
    mode = request.values.get("mode", "form")
    form = _defaults(who)
    checked = None
    findings = None
    yaml_text = ""
    status = 200
    if request.method == "GET" and request.args.get("from"):
        with reading() as session:
            existing = automations.get(session, request.args["from"])
        if existing.manifest:
            form.update(register_form.form_from_manifest(existing.manifest))
    if request.method == "POST":
        action = request.form.get("action", "check")
        if mode == "yaml":
            yaml_text = request.form.get("manifest", "")
            checked = _check_yaml(yaml_text)
        else:
            form = {k: request.form.get(k, "") for k in register_form.FIELDS}
            checked = register_form.check(register_form.manifest_from_form(form))
        if checked.problems:
            status = 422
        elif action == "submit":
            outcome = _submit(checked.manifest, who)
            if outcome is not None:
                return outcome
            status = 403
        else:
            findings = preview_findings(checked.manifest)
    manifest_yaml = (
        yaml.safe_dump(checked.manifest, sort_keys=False, allow_unicode=True)
        if checked is not None and checked.manifest
        else ""
    )
    return (
        render_template(
            "ui/register.html",
            mode=mode,
            form=form,
            yaml_text=yaml_text,
            checked=checked,
            findings=findings,
            failing=[f for f in findings or [] if f["status"] == "fail"],
            manifest_yaml=manifest_yaml,
            platforms=[(p, register_form.PLATFORM_LABELS.get(p, p)) for p in PLATFORMS],
            criticalities=CRITICALITIES,
            trigger_types=TRIGGER_TYPES,
        ),
        status,
    )


def _check_yaml(text: str) -> register_form.Checked:
    loaded = parse_text(text, "manifest")
    if loaded.problems:
        return register_form.Checked(
            manifest={}, problems=loaded.problems, general=[p.message for p in loaded.problems]
        )
    if len(loaded.documents) != 1 or loaded.documents[0].kind != "Automation":
        from govern.registry.manifest import Problem

        problem = Problem("manifest", "kind", "paste exactly one manifest of kind: Automation")
        return register_form.Checked(manifest={}, problems=[problem], general=[problem.message])
    return register_form.check(loaded.documents[0].body)


def _submit(manifest: dict, who):
    from govern.registry.manifest import Document

    key = f"{manifest['metadata'].get('namespace') or 'default'}/{manifest['metadata']['name']}"
    domains = Services.current().settings.internal_domains
    try:
        with writing() as session:
            outcomes = register_manifests(
                session,
                LoadResult(documents=[Document("form", 0, manifest)]),
                principal=who,
                internal_domains=domains,
            )
    except Forbidden as exc:
        flash(f"Not submitted: {exc}.", "bad")
        return None
    except ManifestInvalid as exc:  # pragma: no cover - checked just before
        flash(f"Not submitted: {exc}", "bad")
        return None
    action = outcomes[-1].action if outcomes else "unchanged"
    if action == "unchanged":
        flash(f"{key} is already registered exactly like this; nothing changed.", "info")
    else:
        flash(
            f"{key} was {action} and is waiting for review. You can follow it under "
            "My automations.",
            "good",
        )
    return redirect(automation_url(key))


NEXT_STEPS = {
    "pending": "Waiting for a reviewer. Nothing to do unless a finding below fails.",
    "changes-requested": "A reviewer asked for changes: read the comment, fix, and resubmit.",
    "rejected": "Rejected: read the comment; talk to the reviewer or retire it.",
    "approved": "Approved. Keep it up to date when it changes.",
}


def next_step(a: Automation, open_findings: int) -> tuple[str, str]:
    """(tone, plain advice) for an owner looking at one of their automations."""
    if a.reconciliation_state == "shadow":
        return "bad", "Found by a scanner but never declared: register it so it can be reviewed."
    if a.review_state == "changes-requested":
        return "warn", NEXT_STEPS["changes-requested"]
    if a.review_state == "rejected":
        return "bad", NEXT_STEPS["rejected"]
    plural = "s" if open_findings != 1 else ""
    if open_findings and a.review_state == "approved":
        return "warn", (
            f"Approved, but {open_findings} policy finding{plural} are open: "
            "fix them to stay compliant."
        )
    if open_findings:
        return "warn", (
            f"{open_findings} policy finding{'s' if open_findings != 1 else ''} to "
            "fix before approval: open it to see how."
        )
    return ("good" if a.review_state == "approved" else "info"), NEXT_STEPS.get(a.review_state, "")


@bp.get("/mine")
@session_auth.role_required("developer")
def mine():
    who = session_auth.current()
    clauses = []
    if who.email:
        clauses.append(col(Automation.owner_email) == who.email)
        clauses.append(col(Automation.backup_owner_email) == who.email)
    granted = [n for n in who.namespaces if n != "*"]
    if granted:
        clauses.append(col(Automation.namespace).in_(granted))
    rows: list[Automation] = []
    counts: dict[int, int] = {}
    if clauses:
        with reading() as session:
            rows = list(
                session.scalars(
                    select(Automation)
                    .where(or_(*clauses), col(Automation.lifecycle) != "retired")
                    .order_by(col(Automation.updated_at).desc())
                    .limit(500)
                )
            )
            ids = [a.id for a in rows]
            if ids:
                counts = {
                    aid: int(n)
                    for aid, n in session.execute(
                        select(PolicyResult.automation_id, func.count())
                        .where(
                            col(PolicyResult.automation_id).in_(ids),
                            PolicyResult.status == "fail",
                            PolicyResult.state == "open",
                        )
                        .group_by(PolicyResult.automation_id)
                    )
                }
    items = [(a, counts.get(a.id, 0), *next_step(a, counts.get(a.id, 0))) for a in rows]
    return render_template(
        "ui/mine.html", items=items, who=who, register_url=url_for("ui.register")
    )
