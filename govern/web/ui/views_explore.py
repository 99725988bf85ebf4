"""Policies (with results and waivers), scans (targets and runs), the lineage explorer,
and user administration."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlmodel import col

from govern.db import utcnow
from govern.registry.automations import NotFound
from govern.registry.models import (
    Automation,
    Discovery,
    Policy,
    PolicyResult,
    ScanRun,
    ScanTarget,
    Waiver,
)
from govern.registry.models.vocab import ROLES, SEVERITY_RANK
from govern.web.context import Services, reading, writing
from govern.web.ui import graph_svg, lineage_view, session_auth, users
from govern.web.ui.blueprint import bp

RESULTS_PAGE = 100


@bp.get("/policies")
@session_auth.login_required
def policies():
    with reading() as session:
        rows = list(session.scalars(select(Policy)))
        counts: dict[str, dict[str, int]] = {}
        for pid, state, n in session.execute(
            select(PolicyResult.policy_id, PolicyResult.state, func.count())
            .where(PolicyResult.status == "fail")
            .group_by(PolicyResult.policy_id, PolicyResult.state)
        ):
            counts.setdefault(pid, {})[state or "open"] = int(n)
        now = utcnow()
        waivers = {
            pid: int(n)
            for pid, n in session.execute(
                select(Waiver.policy_id, func.count())
                .where(col(Waiver.revoked_at).is_(None), col(Waiver.expires_at) > now)
                .group_by(Waiver.policy_id)
            )
        }
    rows.sort(
        key=lambda p: (
            not p.enabled,
            -counts.get(p.policy_id, {}).get("open", 0),
            -SEVERITY_RANK.get(p.severity, 0),
            p.policy_id,
        )
    )
    return render_template("ui/policies.html", rows=rows, counts=counts, waivers=waivers)


@bp.get("/policies/<policy_id>")
@session_auth.login_required
def policy(policy_id: str):
    state = request.args.get("state", "open")
    if state not in ("open", "waived", "resolved"):
        state = "open"
    with reading() as session:
        row = session.scalars(select(Policy).where(Policy.policy_id == policy_id)).first()
        if row is None:
            raise NotFound(f"no policy {policy_id!r}")
        results = session.execute(
            select(PolicyResult, Automation.key, Automation.owner_email)
            .join(Automation, col(Automation.id) == col(PolicyResult.automation_id))
            .where(
                PolicyResult.policy_id == policy_id,
                PolicyResult.status == "fail",
                PolicyResult.state == state,
            )
            .order_by(col(PolicyResult.first_seen))
            .limit(RESULTS_PAGE)
        ).all()
        totals = dict(
            session.execute(
                select(PolicyResult.state, func.count())
                .where(PolicyResult.policy_id == policy_id, PolicyResult.status == "fail")
                .group_by(PolicyResult.state)
            ).all()
        )
        waivers = session.execute(
            select(Waiver, Automation.key)
            .outerjoin(Automation, col(Automation.id) == col(Waiver.automation_id))
            .where(Waiver.policy_id == policy_id)
            .order_by(col(Waiver.expires_at).desc())
            .limit(100)
        ).all()
    return render_template(
        "ui/policy.html",
        p=row,
        doc=row.document or {},
        results=results,
        totals=totals,
        state=state,
        waivers=waivers,
        now=utcnow(),
    )


@bp.get("/scans")
@session_auth.login_required
def scans():
    with reading() as session:
        targets = list(session.scalars(select(ScanTarget).order_by(col(ScanTarget.name))))
        runs = list(session.scalars(select(ScanRun).order_by(col(ScanRun.id).desc()).limit(50)))
        by_status = dict(
            session.execute(select(Discovery.status, func.count()).group_by(Discovery.status)).all()
        )
        recent = session.execute(
            select(Discovery, Automation.key)
            .outerjoin(Automation, col(Automation.id) == col(Discovery.automation_id))
            .order_by(col(Discovery.last_seen).desc(), col(Discovery.id).desc())
            .limit(50)
        ).all()
        unlinked = session.execute(
            select(func.count())
            .select_from(Discovery)
            .where(col(Discovery.automation_id).is_(None))
        ).scalar_one()
    return render_template(
        "ui/scans.html",
        targets=targets,
        runs=runs,
        by_status=by_status,
        unlinked=unlinked,
        recent=recent,
    )


@bp.get("/lineage")
@session_auth.login_required
def lineage():
    service = lineage_view.lineage_service()
    node = request.args.get("node", "").strip()[:1100]
    direction = request.args.get("direction", "both")
    if direction not in ("up", "down", "both"):
        direction = "both"
    try:
        depth = min(max(int(request.args.get("depth", 2)), 1), 6)
    except ValueError:
        depth = 2
    svg = None
    error = ""
    paths = []
    counts = {}
    if service is not None:
        graph = service.graph_for(Services.current().engine, min_check_interval=2.0)
        counts = graph.counts()
        paths = lineage_view.hot_paths(graph)
        if node:
            try:
                nb = graph.neighbourhood(node, direction, depth)
            except (NotFound, ValueError) as exc:
                error = str(exc)
            else:
                hot = lineage_view.hot_edges(paths)
                nodes, edges = lineage_view.drawing(nb, hot)
                svg = graph_svg.render(nodes, edges, title=f"Lineage of {nb['root']}")
    return render_template(
        "ui/lineage.html",
        service=service is not None,
        node=node,
        direction=direction,
        depth=depth,
        svg=svg,
        error=error,
        paths=paths[:50],
        path_total=len(paths),
        counts=counts,
    )


@bp.route("/users", methods=["GET", "POST"])
@session_auth.role_required("admin")
def users_admin():
    who = session_auth.current()
    if request.method == "POST":
        action = request.form.get("action", "create")
        try:
            with writing() as session:
                if action == "create":
                    users.create_user(
                        session,
                        username=request.form.get("username", ""),
                        password=request.form.get("password", ""),
                        role=request.form.get("role", "viewer"),
                        email=request.form.get("email") or None,
                        namespaces=request.form.get("namespaces", "").replace(",", " ").split(),
                        actor=who,
                    )
                    flash(f"User {request.form.get('username')} created.", "good")
                elif action in ("disable", "enable"):
                    users.update_user(
                        session,
                        request.form.get("username", ""),
                        active=action == "enable",
                        actor=who,
                    )
                    flash(f"User {request.form.get('username')} {action}d.", "good")
                else:
                    abort(400, description="unknown action")
        except users.UserError as exc:
            flash(f"Not saved: {exc}.", "bad")
        return redirect(url_for("ui.users_admin"))
    with reading() as session:
        rows = users.list_users(session)
    return render_template("ui/users.html", rows=rows, roles=ROLES)
