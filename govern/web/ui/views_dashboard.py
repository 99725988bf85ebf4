"""The dashboard: sprawl and compliance at a glance, as server-rendered SVG charts."""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from govern.db import read_session
from govern.registry.models import Policy
from govern.registry.models.vocab import SEVERITIES
from govern.web.context import Services, reading
from govern.web.ui import cache, charts, dashboard_data, session_auth
from govern.web.ui.blueprint import bp
from govern.web.ui.charts import TONE_COLOURS, Item


def _top(mapping: dict[str, int], n: int, link: str | None = None) -> list[Item]:
    pairs = sorted(mapping.items(), key=lambda kv: (-kv[1], kv[0]))
    items = [
        Item(k, v, url_for("ui.inventory", **{link: k}) if link else None) for k, v in pairs[:n]
    ]
    rest = sum(v for _, v in pairs[n:])
    if rest:
        items.append(Item(f"{len(pairs) - n} others", rest, colour="#9aa3b0"))
    return items


def build(fig: dict, titles: dict[str, str]) -> dict:
    s = fig["summary"]
    autos = s["automations"]
    total = autos["total"]
    viol = s["violations"]
    severity_items = [
        Item(sev, viol["open_by_severity"].get(sev, 0), colour=TONE_COLOURS.get(sev))
        for sev in reversed(SEVERITIES)
        if viol["open_by_severity"].get(sev)
    ]
    by_policy = sorted(
        ((pid, sum(sev.values())) for pid, sev in viol["open_by_policy"].items()),
        key=lambda kv: (-kv[1], kv[0]),
    )
    policy_items = [
        Item(titles.get(pid, pid), n, url_for("ui.policy", policy_id=pid))
        for pid, n in by_policy[:8]
    ]
    origin = autos.get("by_reconciliation", {})
    state_colours = {
        "registered": "#3f9d6b",
        "shadow": "#d9534f",
        "unverified": "#e0a030",
        "missing": "#9aa3b0",
    }
    reconciliation = [
        Item(k, origin.get(k, 0), url_for("ui.inventory", reconciliation=k), state_colours[k])
        for k in state_colours
        if origin.get(k)
    ]
    review = autos.get("by_review", {})
    review_colours = {
        "approved": "#3f9d6b",
        "pending": "#5b8fd9",
        "changes-requested": "#e0a030",
        "rejected": "#d9534f",
    }
    review_items = [
        Item(k, review.get(k, 0), url_for("ui.inventory", review=k), c)
        for k, c in review_colours.items()
        if review.get(k)
    ]
    dev = fig["developers"]
    shadow_pct = (autos.get("shadow", 0) / total * 100) if total else 0
    buckets = [
        Item(f"{k} automation{'s' if k != '1' else ''}", v) for k, v in dev["buckets"].items()
    ]
    return {
        "total": total,
        "shadow": autos.get("shadow", 0),
        "shadow_ratio": (autos.get("shadow", 0) / total) if total else 0.0,
        "ai": autos.get("uses_ai", 0),
        "ai_ratio": (autos.get("uses_ai", 0) / total) if total else 0.0,
        "duplicates": s["duplicates"],
        "orphans": s["orphans"],
        "compliance": s["compliance"],
        "violations": viol,
        "waivers": s["waivers"],
        "review": s["review"],
        "people": s["people"],
        "platform_chart": charts.hbars(
            _top(autos.get("by_platform", {}), 9, "platform"),
            title="Automations by platform",
            width=400,
            label_width=140,
            label_chars=19,
        ),
        "department_chart": charts.hbars(
            _top(autos.get("by_department", {}), 9, "department"),
            title="Automations by department",
            colour=charts.PALETTE[3],
            width=400,
            label_width=140,
            label_chars=19,
        ),
        "weekly_chart": charts.columns(
            [Item(label, n) for label, n in fig["weekly"]],
            title="New automations per week",
            width=560,
        ),
        "reconciliation_donut": charts.donut(
            reconciliation,
            title="Reconciliation state",
            centre=f"{shadow_pct:.0f}%",
            caption="shadow",
        ),
        "reconciliation_legend": charts.legend(reconciliation),
        "review_donut": charts.donut(
            review_items,
            title="Review state",
            centre=f"{s['review']['pending']:,}",
            caption="to review",
        ),
        "review_legend": charts.legend(review_items),
        "severity_bar": charts.stacked(severity_items, title="Open violations by severity"),
        "severity_legend": charts.legend(severity_items),
        "policy_chart": charts.hbars(
            policy_items,
            title="Open violations by policy",
            colour="#d9534f",
            width=400,
            label_width=210,
            label_chars=32,
        ),
        "developer_chart": charts.hbars(
            buckets,
            title="Owners by number of automations they own",
            colour=charts.PALETTE[2],
            width=560,
            label_width=120,
        ),
        "developers": dev,
        "top_risks": fig["top_risks"],
        "expiring": fig["expiring"],
        "oldest_pending": fig["oldest_pending"],
        "computed_at": fig["computed_at"],
    }


@bp.get("/")
@session_auth.login_required
def dashboard():
    engine = Services.current().engine

    def in_background() -> dict:
        with read_session(engine) as own:
            return dashboard_data.figures(own)

    with reading() as session:
        fig = cache.cached(
            session, "dashboard", lambda: dashboard_data.figures(session), in_background
        )
        titles = cache.cached(
            session,
            "policy_titles",
            lambda: {pid: t for pid, t in session.execute(select(Policy.policy_id, Policy.title))},
        )
    return render_template("ui/dashboard.html", d=build(fig, titles))
