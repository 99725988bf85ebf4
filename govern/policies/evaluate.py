"""The one evaluation path. The API, the CLI, the scheduler, incremental evaluation after
a registration and approval checks all come through ``evaluate``/``compute``, so a
waiver's expiry is honoured everywhere (compare Kyverno #17473, where an exception's
expiry was honoured on one code path and not another).

Only failures are stored (a PolicyResult row is a violation: open or waived); when a
stored failure passes again, or stops applying, the row is kept and marked resolved.
Every change of outcome is written to the decision log with the policy revision.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from govern import gc_pause
from govern.db import utcnow
from govern.policies import facts as facts_mod
from govern.policies import risk
from govern.policies.engine import Context, apply, explain_failure
from govern.policies.facts import AutomationFacts
from govern.policies.model import CompiledPolicy, Result
from govern.policies.neighbourhood import subgraph
from govern.policies.same_flows import graph_if_same_flows
from govern.policies.store import active_policies
from govern.policies.waivers import ActiveWaivers
from govern.registry.models import Access, AuditEvent, Automation, Decision, PolicyResult
from govern.registry.rollup_bulk import bulk_results

_PREVIEWING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "govern_policy_preview", default=False
)
PR = PolicyResult.__table__
AUT = Automation.__table__
CHUNK = 900
NEIGHBOUR_LIMIT = 100
BLAST_HOPS = 0  # incremental blast radius looks this many hops past the policies' limit


def _lineage_terms(policy: CompiledPolicy):
    for root in (policy.selector, policy.condition):
        for c in root.walk():
            if c.uses_lineage:
                yield c


@dataclass
class EvaluationSummary:
    kind: str
    automations: int = 0
    policies: int = 0
    results: dict[str, int] = field(
        default_factory=lambda: {"pass": 0, "fail": 0, "not-applicable": 0, "waived": 0}
    )
    opened: int = 0
    resolved: int = 0
    decisions: int = 0
    risk_updated: int = 0
    duration_seconds: float = 0.0
    evaluated_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Computation:
    """Results of one pass, before anything is stored."""

    facts: list[AutomationFacts]
    policies: list[CompiledPolicy]
    ctx: Context
    failures: dict[int | None, list[Result]]
    others: list[Result]
    counts: dict[str, int]
    all_results: list[Result] | None = None


def compute(
    session: Session,
    *,
    keys: Iterable[str] | None = None,
    now: datetime | None = None,
    policies: list[CompiledPolicy] | None = None,
    explain: bool = False,
    keep: set[tuple[str, int]] | None = None,
    graph=None,
    facts: list[AutomationFacts] | None = None,
) -> Computation:
    """Apply the enabled policies, with the waivers in force at ``now``.

    ``explain`` keeps every result with its explanation (previews, approval checks);
    otherwise only failures and the results for pairs in ``keep`` are explained.
    """
    now = now or utcnow()
    session.flush()
    policies = [
        p for p in (active_policies(session) if policies is None else policies) if p.enabled
    ]
    keys = None if keys is None else sorted(set(keys))
    if facts is None:
        facts = facts_mod.load(session, keys)
    bulk = keys is None or len(keys) > 200
    factory = None
    if not bulk and graph is None:
        hops = max((c.max_hops for p in policies for c in _lineage_terms(p)), default=0)
        ids = [f.id for f in facts if f.id is not None]
        factory = functools.partial(subgraph, session, ids, hops + BLAST_HOPS)
    ctx = Context(now, session, bulk=bulk, graph=graph, graph_factory=factory)
    waivers = ActiveWaivers(session, now)
    keep = keep or set()
    counts = {"pass": 0, "fail": 0, "not-applicable": 0, "waived": 0}
    failures: dict[int | None, list[Result]] = {}
    others: list[Result] = []
    every: list[Result] | None = [] if explain else None
    if explain:
        for f in facts:
            mine: list[Result] = []
            for policy in policies:
                result = apply(policy, f, ctx, explain=True)
                if result.status == "fail":
                    _waive(result, waivers.find(result, f, ctx), counts)
                    mine.append(result)
                elif (policy.id, f.id) in keep:
                    others.append(result)
                counts[result.status] += 1
                every.append(result)
            failures[f.id] = mine
        return Computation(facts, policies, ctx, failures, others, counts, every)
    # Policies sharing a selector (most apply to every live automation) test it once per
    # automation; selectors and conditions are plain functions built once per policy.
    selectors: dict[str, int] = {}
    plan = []
    for p in policies:
        slot = selectors.setdefault(json.dumps(p.document.get("selector"), sort_keys=True),
                                    len(selectors))  # fmt: skip
        plan.append((p, slot, p.selector.predicate(), p.condition.predicate()))
    n_selectors = len(selectors)
    passed = failed = skipped = 0
    for f in facts:
        mine = []
        applies: list[bool | None] = [None] * n_selectors
        for policy, slot, selector, condition in plan:
            hit = applies[slot]
            if hit is None:
                hit = applies[slot] = bool(selector(f, ctx))
            if not hit:
                skipped += 1
            elif condition(f, ctx):
                passed += 1
            else:
                failed += 1
                result = explain_failure(policy, f, ctx)
                _waive(result, waivers.find(result, f, ctx), counts)
                mine.append(result)
                continue
            if keep and (policy.id, f.id) in keep:
                others.append(apply(policy, f, ctx, explain=True))
        failures[f.id] = mine
    counts["pass"] += passed
    counts["fail"] += failed
    counts["not-applicable"] += skipped
    return Computation(facts, policies, ctx, failures, others, counts, every)


def _waive(result: Result, w, counts: dict[str, int]) -> None:
    if w is not None:
        result.waiver_id = w.id
        result.explanation += f" Waived until {w.expires_at:%Y-%m-%d} ({w.reason})."
        counts["waived"] += 1


def evaluate(
    session: Session,
    *,
    keys: Iterable[str] | None = None,
    now: datetime | None = None,
    kind: str | None = None,
    graph=None,
    facts: list[AutomationFacts] | None = None,
) -> EvaluationSummary:
    """Evaluate ``keys`` (or everything), store violations, decisions and risk scores.

    The caller owns the transaction. Full passes also resolve violations of policies
    that were disabled or removed. ``graph`` may be the process-wide lineage graph
    (``committed_graph``) when the caller's transaction has written nothing yet;
    without one, that graph is still used when the transaction has written nothing
    (it then sees exactly the committed data), otherwise the graph is read inside the
    caller's session. ``facts``: those of ``keys``, when the caller has loaded them.
    """
    started = time.perf_counter()
    now = now or utcnow()
    session.flush()
    key_list = None if keys is None else sorted(set(keys))
    kind = kind or ("full" if key_list is None else "incremental")
    with gc_pause.paused(settle=key_list is None):
        if graph is None and _unwritten(session):
            graph = committed_graph(_base_engine(session.get_bind()), session)
        loaded = facts_mod.load(session, key_list) if facts is None else facts
        ids = None if key_list is None else [f.id for f in loaded]
        existing = _existing(session, ids)
        keep = {pair for pair, row in existing.items() if row.status == "fail"}
        comp = compute(session, keys=key_list, now=now, keep=keep, graph=graph, facts=loaded)
        summary = EvaluationSummary(
            kind=kind, automations=len(comp.facts), policies=len(comp.policies)
        )
        summary.results = dict(comp.counts)
        writer = _Writer(session, now, existing, log_all=kind == "incremental")
        active_ids = {p.id for p in comp.policies}
        for f in comp.facts:
            for r in comp.failures.get(f.id, ()):
                writer.fail(r)
        for r in comp.others:
            writer.resolve(r)
        writer.retire_policies(active_ids, {f.id for f in comp.facts})
        if writer.log_all:
            writer.log_passes(comp)
        summary.opened, summary.resolved = writer.opened, writer.resolved
        # Risk scores are computed from the results in memory, so they can be written
        # first: row triggers on automation (the metrics rollup) then run before this
        # pass's new violations exist, which on SQLite they otherwise look through.
        summary.risk_updated = _update_risk(session, comp)
        summary.decisions = writer.flush(ids)
    summary.duration_seconds = round(time.perf_counter() - started, 4)
    summary.evaluated_at = now.isoformat()
    _record_metrics(summary)
    return summary


def committed_graph(engine, session: Session | None = None, *, own_connection: bool = False):
    """The lineage engine's kept-up-to-date graph of committed data, or None.

    ``session``: one that has written nothing yet, so it sees exactly the committed data;
    the graph's change check then runs on it instead of on a connection of its own.
    """
    try:
        from govern.lineage import graph_for
    except ImportError:
        return None
    return graph_for(engine, session=session, own_connection=own_connection)


def evaluate_committed(engine, *, keys=None, now: datetime | None = None, kind=None):
    """A pass in its own transaction (scheduler, CLI, API): the lineage graph of committed
    data is reused across passes instead of being rebuilt each time."""
    from govern.db import write_session

    with gc_pause.paused(settle=keys is None):
        graph = committed_graph(engine)
        with write_session(engine) as session:
            return evaluate(session, keys=keys, now=now, kind=kind, graph=graph)


def evaluate_changed(session: Session, keys: list[str]) -> None:
    """Incremental evaluation after registrations, inside the caller's transaction.

    Also re-evaluates automations sharing a written/read asset with the changed ones
    (data now flows differently through them). Raises ``Conflict`` (HTTP 409) when a
    registration moves an existing automation from sandbox to production while
    enforce-mode policies fail on it; nothing is kept then (the caller rolls back).
    """
    if _PREVIEWING.get() or not keys:
        return
    session.flush()
    with gc_pause.paused():
        changed = sorted(set(keys))
        if _unwritten(session):  # changed earlier: flows may have moved, neighbours too
            evaluate(session, keys=set(changed) | _neighbours(session, changed), kind="incremental")
        else:
            _evaluate_written(session, changed)
        _refuse_blocked_promotions(session, keys)


def _evaluate_written(session: Session, keys: list[str]) -> None:
    """Evaluation after this transaction changed ``keys``: when their data flows are
    what the committed lineage graph shows (most registrations), that graph serves and
    nothing else changed; otherwise flow neighbours are evaluated too, over a lineage
    neighbourhood read through the session."""
    loaded = facts_mod.load(session, keys)
    graph = graph_if_same_flows(session, loaded, _base_engine(session.get_bind()))
    if graph is not None:
        evaluate(session, keys=keys, kind="incremental", graph=graph, facts=loaded)
        return
    others = sorted(_neighbours(session, keys) - set(keys))
    if others:
        loaded = sorted([*loaded, *facts_mod.load(session, others)], key=lambda f: f.key)
    evaluate(session, keys=[*keys, *others], kind="incremental", facts=loaded)


def previewing():
    """Context manager: registrations inside it do not trigger evaluation (previews)."""

    @contextlib.contextmanager
    def _cm():
        token = _PREVIEWING.set(True)
        try:
            yield
        finally:
            _PREVIEWING.reset(token)

    return _cm()


# -- storing ------------------------------------------------------------------


_CHANGES_AT_BEGIN = "govern.policies.changes_at_begin"


@sa_event.listens_for(Engine, "begin")
def _remember_changes(conn) -> None:
    """SQLite counts the rows each connection changed; remembering the count when a
    transaction begins tells ``_unwritten`` whether that transaction wrote anything."""
    raw = getattr(conn.connection, "dbapi_connection", None)
    changes = getattr(raw, "total_changes", None)
    if changes is not None:
        conn.info[_CHANGES_AT_BEGIN] = changes


def _unwritten(session: Session) -> bool:
    """True when the session's transaction has written nothing yet, so the process-wide
    graph of committed data is exactly what the session sees (SQLite write
    transactions hold the write lock; PostgreSQL reads committed data)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        query = text("SELECT txid_current_if_assigned() IS NULL")
        return bool(conn.execute(query).scalar())
    before = conn.info.get(_CHANGES_AT_BEGIN)
    raw = getattr(conn.connection, "dbapi_connection", None)
    return before is not None and getattr(raw, "total_changes", None) == before


def _base_engine(bind):
    """The engine a session's bind was derived from (``write_session`` binds an engine
    with execution options): the lineage graph is kept per base engine."""
    while getattr(bind, "_proxied", None) is not None:
        bind = bind._proxied
    return bind


def _ids_for(session: Session, keys: list[str]) -> list[int]:
    out: list[int] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        out += [r.id for r in session.execute(select(AUT.c.id).where(AUT.c.key.in_(chunk)))]
    return out


def _existing(session: Session, ids: list[int] | None) -> dict[tuple[str, int], Any]:
    cols = (
        PR.c.id,
        PR.c.policy_id,
        PR.c.automation_id,
        PR.c.status,
        PR.c.state,
        PR.c.waiver_id,
        PR.c.explanation,
        PR.c.severity,
        PR.c.mode,
    )
    rows: list[Any] = []
    if ids is None:
        rows = list(session.execute(select(*cols)))
    else:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows += session.execute(select(*cols).where(PR.c.automation_id.in_(chunk))).all()
    return {(r.policy_id, r.automation_id): r for r in rows}


_UPDATE = (
    update(PR)
    .where(PR.c.id == bindparam("rid"))
    .values(
        status=bindparam("status"),
        state=bindparam("state"),
        severity=bindparam("severity"),
        mode=bindparam("mode"),
        explanation=bindparam("explanation"),
        evidence=bindparam("evidence"),
        waiver_id=bindparam("waiver_id"),
        first_seen=bindparam("first_seen"),
        last_seen=bindparam("last_seen"),
        resolved_at=bindparam("resolved_at"),
    )
)
_RESULT_COLUMNS = ("policy_id", "automation_id", "status", "state", "severity", "mode",
                   "explanation", "evidence", "waiver_id", "first_seen", "last_seen")  # fmt: skip
_DECISION_COLUMNS = ("decision_id", "policy_id", "policy_revision", "automation_id", "result",
                     "waived", "at")  # fmt: skip
_BATCH = 20_000


class _Raw:
    """Many rows in one prepared statement, straight to the driver (sqlite3's or
    psycopg's executemany; psycopg pipelines it). Values are converted exactly as the
    column types would convert them, so the stored rows are the same as through Core."""

    def __init__(self, session: Session):
        self.conn = session.connection()
        self.dialect = self.conn.dialect
        self.pg = self.dialect.name == "postgresql"
        self._json = None if self.pg else PR.c.evidence.type._cached_bind_processor(self.dialect)
        self._time = PR.c.last_seen.type._cached_bind_processor(self.dialect)

    def time(self, value: datetime) -> Any:
        """A timestamp parameter (computed once per pass, not per row)."""
        return self._time(value) if self._time is not None else value

    def json(self, value: Any) -> Any:
        if self._json is not None:
            return self._json(value)
        return json.dumps(value)

    def mark(self, column: str = "") -> str:
        if self.pg:
            return "%s::json" if column in ("evidence", "risk_factors") else "%s"
        return "?"

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        marks = ", ".join(self.mark(c) for c in columns)
        self.run(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def run(self, sql: str, rows: list[tuple]) -> None:
        for start in range(0, len(rows), _BATCH):
            self.conn.exec_driver_sql(sql, rows[start : start + _BATCH])


class _DecisionIds:
    """Version-4 UUIDs for one pass's decisions: a random base (74 random bits shared by
    the pass) plus a counter in the 48-bit node field, so ids stay unique and a pass's
    ids are ascending (cheap to make, and appended to the unique index in order)."""

    def __init__(self) -> None:
        base = str(uuid.uuid4())
        self.prefix = base[:24]
        self.node = int(base[24:], 16)

    def next(self) -> str:
        self.node = (self.node + 1) & 0xFFFFFFFFFFFF
        return f"{self.prefix}{self.node:012x}"


class _Writer:
    """Collects inserts, updates and decisions, then writes each kind in one batch."""

    def __init__(self, session: Session, now: datetime, existing: dict, *, log_all: bool):
        self.session = session
        self.now = now
        self.existing = existing
        self.log_all = log_all
        self.inserts: list[Result] = []
        self.updates: list[dict] = []
        self.decisions: list[tuple] = []  # (automation id, policy id, revision, result, waived)
        self.logged: set[tuple[str, int]] = set()
        self.opened = 0
        self.resolved = 0

    def _decision(self, r: Result, status: str, waived: bool) -> None:
        self.logged.add((r.policy.id, r.automation_id))
        self.decisions.append((r.automation_id, r.policy.id, r.policy.revision, status, waived))

    def fail(self, r: Result) -> None:
        row = self.existing.get((r.policy.id, r.automation_id))
        if row is None:
            self.inserts.append(r)
            self.opened += 1
            self._decision(r, "fail", bool(r.waiver_id))
            return
        state = "waived" if r.waiver_id else "open"
        values = {
            "status": "fail",
            "state": state,
            "severity": r.policy.severity,
            "mode": r.policy.mode,
            "explanation": r.explanation,
            "evidence": r.evidence,
            "waiver_id": r.waiver_id,
            "last_seen": self.now,
            "resolved_at": None,
        }
        if row.status != "fail":
            self.updates.append({"rid": row.id, "first_seen": self.now, **values})
            self.opened += 1
            self._decision(r, "fail", bool(r.waiver_id))
            return
        changed_state = row.state != state or row.waiver_id != r.waiver_id
        if changed_state or (row.explanation, row.severity, row.mode) != (
            r.explanation,
            r.policy.severity,
            r.policy.mode,
        ):
            self.updates.append({"rid": row.id, "first_seen": None, **values})
        if changed_state or self.log_all:
            self._decision(r, "fail", bool(r.waiver_id))

    def resolve(self, r: Result) -> None:
        row = self.existing[(r.policy.id, r.automation_id)]
        self.updates.append(
            {
                "rid": row.id,
                "status": r.status,
                "state": "resolved",
                "severity": r.policy.severity,
                "mode": r.policy.mode,
                "explanation": r.explanation,
                "evidence": r.evidence,
                "waiver_id": None,
                "first_seen": None,
                "last_seen": self.now,
                "resolved_at": self.now,
            }
        )
        self.resolved += 1
        self._decision(r, r.status, False)

    def retire_policies(self, active_ids: set[str], automation_ids: set[int | None]) -> None:
        """Violations of policies no longer enabled stop counting (resolved)."""
        for (policy_id, aid), row in self.existing.items():
            if row.status == "fail" and policy_id not in active_ids and aid in automation_ids:
                self.updates.append(
                    {
                        "rid": row.id,
                        "status": "not-applicable",
                        "state": "resolved",
                        "severity": row.severity,
                        "mode": row.mode,
                        "explanation": f"The policy {policy_id} is disabled or was removed.",
                        "evidence": [],
                        "waiver_id": None,
                        "first_seen": None,
                        "last_seen": self.now,
                        "resolved_at": self.now,
                    }
                )
                self.resolved += 1

    def log_passes(self, comp: Computation) -> None:
        """Incremental passes log every decision, passes and not-applicable included."""
        for f in comp.facts:
            failing = {r.policy.id for r in comp.failures.get(f.id, ())}
            for p in comp.policies:
                if p.id in failing or (p.id, f.id) in self.logged:
                    continue
                status = "pass" if p.selector.test(f, comp.ctx) else "not-applicable"
                self._decision(Result(p, f.key, f.id, status, ""), status, False)

    def flush(self, ids: list[int] | None) -> int:
        s = self.session
        for row in self.updates:
            if row["first_seen"] is None:
                del row["first_seen"]
        full_updates = [u for u in self.updates if "first_seen" in u]
        partial = [u for u in self.updates if "first_seen" not in u]
        if full_updates:
            s.execute(_UPDATE, full_updates)
        if partial:
            stmt = (
                update(PR)
                .where(PR.c.id == bindparam("rid"))
                .values({k: bindparam(k) for k in partial[0] if k != "rid"})
            )
            s.execute(stmt, partial)
        raw = _Raw(s) if self.inserts or self.decisions else None
        if self.inserts:
            now = raw.time(self.now)
            rows = [
                (
                    r.policy.id,
                    r.automation_id,
                    "fail",
                    "waived" if r.waiver_id else "open",
                    r.policy.severity,
                    r.policy.mode,
                    r.explanation,
                    raw.json(r.evidence),
                    r.waiver_id,
                    now,
                    now,
                )
                # in automation order: the automation_id and unique indexes grow at the end
                for r in sorted(self.inserts, key=lambda r: (r.automation_id, r.policy.id))
            ]
            with bulk_results(s, len(rows)):  # rollup counted in one pass when large
                raw.insert(PR.name, _RESULT_COLUMNS, rows)
        # Every violation still failing was seen now; rows written above already say so.
        still = PR.c.status == "fail"
        if ids is None:
            s.execute(
                update(PR).where(still, PR.c.last_seen != self.now).values(last_seen=self.now)
            )
        else:
            # by primary key: the rows these automations had when the pass began (a
            # status lookup would walk every open violation of the registry)
            written = {u["rid"] for u in self.updates}
            rows = sorted(r.id for r in self.existing.values()
                          if r.status == "fail" and r.id not in written)  # fmt: skip
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                s.execute(
                    update(PR).where(and_(still, PR.c.id.in_(chunk))).values(last_seen=self.now)
                )
        if self.decisions:
            made = _DecisionIds()
            at = raw.time(self.now)
            self.decisions.sort(key=lambda d: (d[0], d[1]))
            rows = [(made.next(), pid, rev, aid, res, waived, at)
                    for aid, pid, rev, res, waived in self.decisions]  # fmt: skip
            raw.insert(Decision.__table__.name, _DECISION_COLUMNS, rows)
        return len(self.decisions)


def _update_risk(session: Session, comp: Computation) -> int:
    changes = []
    for f in comp.facts:
        # only an automation that writes or calls something can have anything downstream
        moves_data = any(a.mode != "read" for a in f.accesses)
        radius = comp.ctx.blast_radius(f.key) if moves_data else 0
        score, tier, factors = risk.score(f, comp.failures.get(f.id, ()), radius)
        old_score, old_tier, old_factors = f.risk
        if not isinstance(old_factors, str):
            old_factors = json.dumps(old_factors)
        text = json.dumps(factors)
        if (score, tier, text) != (old_score, old_tier, old_factors):
            changes.append((f.id, score, tier, text))
            f.risk = (score, tier, factors)
    if changes:
        raw = _Raw(session)
        changes.sort()
        sql = (
            f"UPDATE {AUT.name} SET risk_score = {raw.mark()}, risk_tier = {raw.mark()}, "
            f"risk_factors = {raw.mark('risk_factors')} WHERE id = {raw.mark()}"
        )
        # the column type would serialise the factors with json.dumps: the same text
        raw.run(sql, [(score, tier, text, aid) for aid, score, tier, text in changes])
    return len(changes)


def _record_metrics(summary: EvaluationSummary) -> None:
    from govern import events

    events.policy_evaluation(
        duration_seconds=summary.duration_seconds,
        results=dict(summary.results),
        kind=summary.kind,
    )


# -- incremental helpers ------------------------------------------------------


def _neighbours(session: Session, keys: list[str]) -> set[str]:
    """Automations that read what the changed ones write, or write what they read."""
    acc = Access.__table__.c
    ids = _ids_for(session, sorted(set(keys)))
    if not ids:
        return set()
    mine = select(acc.asset_id, acc.mode).where(acc.automation_id.in_(ids))
    pairs = session.execute(mine).all()
    written = {p.asset_id for p in pairs if p.mode in ("write", "call")}
    read = {p.asset_id for p in pairs if p.mode == "read"}
    clauses = []
    if written:
        clauses.append(and_(acc.asset_id.in_(sorted(written)), acc.mode == "read"))
    if read:
        clauses.append(and_(acc.asset_id.in_(sorted(read)), acc.mode.in_(("write", "call"))))
    if not clauses:
        return set()
    query = (
        select(AUT.c.key)
        .join(Access.__table__, acc.automation_id == AUT.c.id)
        .where(or_(*clauses))
        .distinct()
        .limit(NEIGHBOUR_LIMIT)
    )
    return {r.key for r in session.execute(query)}


def _refuse_blocked_promotions(session: Session, keys: list[str]) -> None:
    from govern.policies.enforce import blocking_reasons
    from govern.registry.automations import Conflict

    promoted = []
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        newest: dict[str, Any] = {}
        query = (
            select(AuditEvent.entity_key, AuditEvent.action, AuditEvent.before, AuditEvent.after)
            .where(AuditEvent.entity_type == "automation", AuditEvent.entity_key.in_(chunk))
            .order_by(AuditEvent.id)
        )
        for row in session.execute(query):
            newest[row.entity_key] = row
        for key, event in newest.items():
            if event.action != "automation.updated" or not event.before or not event.after:
                continue
            if event.before.get("track") != "production" and event.after.get("track") == (
                "production"
            ):
                promoted.append(key)
    reasons: list[str] = []
    for key in promoted:
        reasons += [f"{key}: {r}" for r in blocking_reasons(session, key)]
    if reasons:
        raise Conflict("promotion to production refused while enforce-mode policies fail", reasons)
