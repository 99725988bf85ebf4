"""The review desk: the queue, and bulk decisions over it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlmodel import col

from govern.registry import automations
from govern.registry.auth import Forbidden
from govern.registry.models import PolicyResult
from govern.web.context import reading, writing
from govern.web.ui import session_auth
from govern.web.ui.blueprint import bp
from govern.web.ui.views_automation import REVIEW_ACTIONS, apply_review

QUEUE_STATES = ("pending", "changes-requested")
QUEUE_SORTS = {"-risk": "Highest risk first", "updated": "Waiting longest", "key": "Key"}
PAGE = 50
MAX_BULK = 200


def finding_counts(session, ids: list[int]) -> dict[int, dict[str, int]]:
    """Open failures per automation, and how many of them are enforce-mode (filtered on
    ``automation_id`` only, so the page's rows are found through that index)."""
    out: dict[int, dict[str, int]] = {}
    if not ids:
        return out
    query = select(
        PolicyResult.automation_id, PolicyResult.status, PolicyResult.state, PolicyResult.mode
    ).where(col(PolicyResult.automation_id).in_(ids))
    for aid, status, state, mode in session.execute(query):
        if status != "fail" or state != "open":
            continue
        entry = out.setdefault(aid, {"open": 0, "enforce": 0})
        entry["open"] += 1
        if mode == "enforce":
            entry["enforce"] += 1
    return out


@bp.get("/review")
@session_auth.role_required("reviewer")
def review_queue():
    state = request.args.get("state", "pending")
    if state not in QUEUE_STATES:
        state = "pending"
    sort = request.args.get("sort", "-risk")
    if sort not in QUEUE_SORTS:
        sort = "-risk"
    search = request.args.get("q", "").strip()[:200]
    try:
        page_no = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page_no = 1
    filters = {"review": [state]}
    for name in ("namespace", "platform", "track", "risk"):
        values = [v for v in request.args.getlist(name) if v]
        if values:
            filters[name] = values
    q = automations.Query(filters=filters, search=search, sort=sort)
    with reading() as session:
        page = automations.list_automations(session, q, offset=(page_no - 1) * PAGE, limit=PAGE)
        counts = finding_counts(session, [a.id for a in page.items])
        other = automations.list_automations(
            session,
            automations.Query(filters={"review": [s for s in QUEUE_STATES if s != state]}),
            limit=1,
        ).total
    return render_template(
        "ui/review.html",
        page=page,
        rows=page.items,
        counts=counts,
        state=state,
        states=QUEUE_STATES,
        other_total=other,
        sort=sort,
        sorts=QUEUE_SORTS,
        search=search,
        page_no=page_no,
        pages=max((page.total + PAGE - 1) // PAGE, 1),
        size=PAGE,
    )


@bp.post("/review/bulk")
@session_auth.role_required("reviewer")
def review_bulk():
    who = session_auth.current()
    keys = list(dict.fromkeys(request.form.getlist("keys")))[:MAX_BULK]
    action = request.form.get("action", "")
    comment = request.form.get("comment", "")
    if action not in REVIEW_ACTIONS:
        flash("Choose approve, request changes or reject.", "bad")
        return redirect(url_for("ui.review_queue"))
    if not keys:
        flash("Select at least one automation first.", "warn")
        return redirect(url_for("ui.review_queue"))
    done: list[str] = []
    refused: list[str] = []
    for key in keys:  # one transaction each: a blocked item does not undo the others
        try:
            with writing() as session:
                apply_review(session, key, action, comment, who)
            done.append(key)
        except automations.Conflict as exc:
            refused.append(f"{key}: {'; '.join(exc.reasons) or exc}")
        except (ValueError, automations.NotFound, Forbidden) as exc:
            refused.append(f"{key}: {exc}")
    label = REVIEW_ACTIONS[action][1]
    if done:
        flash(
            f"{label} {len(done)} automation{'s' if len(done) != 1 else ''}: "
            f"{', '.join(done[:10])}{' …' if len(done) > 10 else ''}.",
            "good",
        )
    if refused:
        flash(f"{len(refused)} not changed — " + " | ".join(refused[:10]), "bad")
    return redirect(url_for("ui.review_queue", **request.args))
