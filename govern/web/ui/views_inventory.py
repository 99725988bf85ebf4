"""The inventory: filter, search, sort and page on the server; CSV of the current filter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, abort, render_template, request, stream_with_context
from sqlalchemy import select
from sqlmodel import col

from govern.registry import automations
from govern.registry.models import Automation, PolicyResult
from govern.registry.models.vocab import (
    CRITICALITIES,
    LIFECYCLES,
    ORIGINS,
    PLATFORMS,
    RECONCILIATION_STATES,
    REVIEW_STATES,
    RISK_TIERS,
    TRACKS,
)
from govern.registry.views import automation_dict
from govern.web.context import Services, reading
from govern.web.ui import cache, session_auth
from govern.web.ui.blueprint import bp

PAGE_SIZES = (25, 50, 100, 200)
SORT_LABELS = {
    "key": "Key",
    "-risk": "Highest risk",
    "risk": "Lowest risk",
    "-updated": "Recently changed",
    "updated": "Least recently changed",
    "-created": "Newest",
    "platform": "Platform",
    "owner": "Owner",
}
CSV_COLUMNS = (
    "key",
    "title",
    "platform",
    "owner",
    "backupOwner",
    "department",
    "track",
    "criticality",
    "lifecycle",
    "origin",
    "reconciliationState",
    "reviewState",
    "riskScore",
    "riskTier",
    "usesAI",
    "schedule",
    "updatedAt",
)


def facets(departments: list[str], namespaces: list[str]) -> list[tuple[str, str, tuple]]:
    """(query name, label, allowed values) for each filter the page offers."""
    return [
        ("platform", "Platform", PLATFORMS),
        ("namespace", "Namespace", tuple(namespaces)),
        ("department", "Department", tuple(departments)),
        ("reconciliation", "Reconciliation", RECONCILIATION_STATES),
        ("origin", "Origin", ORIGINS),
        ("review", "Review", REVIEW_STATES),
        ("risk", "Risk tier", RISK_TIERS),
        ("track", "Track", TRACKS),
        ("lifecycle", "Lifecycle", LIFECYCLES),
        ("criticality", "Criticality", CRITICALITIES),
    ]


def query_from_args() -> automations.Query:
    filters = {
        name: [v for v in request.args.getlist(name) if v]
        for name in automations.FILTER_COLUMNS
        if any(request.args.getlist(name))
    }
    sort = request.args.get("sort", "key")
    if sort not in automations.SORTS:
        sort = "key"
    q = automations.Query(
        filters=filters,
        search=request.args.get("q", "").strip()[:200],
        include_retired=request.args.get("retired") == "1",
        sort=sort,
    )
    ai = request.args.get("ai")
    if ai in ("yes", "no"):
        q.uses_ai = ai == "yes"
    return q


def distinct_values(session, column) -> list[str]:
    rows = session.execute(select(column).where(column.is_not(None)).distinct().order_by(column))
    return [r[0] for r in rows if r[0]]


def open_violation_counts(session, ids: list[int]) -> dict[int, int]:
    """Open failures per automation for one page of rows.

    Filtered on ``automation_id`` only (a page has a few hundred results), so the
    database walks that index rather than every open violation of the inventory."""
    counts: dict[int, int] = {}
    if not ids:
        return counts
    query = select(PolicyResult.automation_id, PolicyResult.status, PolicyResult.state).where(
        col(PolicyResult.automation_id).in_(ids)
    )
    for automation_id, status, state in session.execute(query):
        if status == "fail" and state == "open":
            counts[automation_id] = counts.get(automation_id, 0) + 1
    return counts


def _int_arg(name: str, default: int, allowed: tuple[int, ...] | None = None) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    if allowed is not None and value not in allowed:
        return default
    return max(value, 0)


@bp.get("/automations")
@session_auth.login_required
def inventory():
    q = query_from_args()
    size = _int_arg("size", Services.current().settings.page_size or 50, PAGE_SIZES)
    page_no = max(_int_arg("page", 1), 1)
    with reading() as session:
        try:
            # A free-text search scans every row; counting its matches would scan them
            # twice, so searches page with "next" instead of an exact total.
            page = automations.list_automations(
                session, q, offset=(page_no - 1) * size, limit=size, with_total=not q.search
            )
        except ValueError as exc:
            abort(400, description=str(exc))
        departments = cache.cached(
            session, "departments", lambda: distinct_values(session, Automation.department)
        )
        namespaces = cache.cached(
            session, "namespaces", lambda: distinct_values(session, Automation.namespace)
        )
        violations = open_violation_counts(session, [a.id for a in page.items])
    exact = page.total >= 0
    if not exact:
        page.total = page.offset + len(page.items) + (1 if page.next_cursor else 0)
    pages = max((page.total + size - 1) // size, 1)
    return render_template(
        "ui/inventory.html",
        page=page,
        rows=page.items,
        violations=violations,
        q=q,
        facets=facets(departments, namespaces),
        sort_labels=SORT_LABELS,
        page_no=page_no,
        pages=pages,
        exact=exact,
        size=size,
        sizes=PAGE_SIZES,
        active_filters=sum(len(v) for v in q.filters.values())
        + (q.uses_ai is not None)
        + bool(q.search),
    )


@bp.get("/automations.csv")
@session_auth.login_required
def inventory_csv():
    q = query_from_args()
    engine = Services.current().engine

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        cursor = None
        from govern.db import read_session

        with read_session(engine) as session:
            while True:
                page = automations.list_automations(
                    session, q, cursor=cursor, limit=1000, with_total=False
                )
                for a in page.items:
                    data = automation_dict(a, full=False)
                    writer.writerow([_cell(data.get(c)) for c in CSV_COLUMNS])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                if not page.next_cursor:
                    break
                cursor = page.next_cursor

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="automations.csv"'
    return response


def _cell(value) -> str:
    """CSV cells that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text
