"""Turning a scan result into registry records: discoveries, shadow automations, edges.

Idempotent per ``run_uid`` (and per pushed batch). The same tree scanned twice
changes nothing but ``last_seen``. Decisions people made on a discovery ("not an
automation", "duplicate of X") are kept across rescans.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from govern.db import utcnow
from govern.registry import assets as asset_service
from govern.registry import audit
from govern.registry.auth import Principal, require_role
from govern.registry.manifest import normalise_asset_key
from govern.registry.models import Access, Asset, Automation, Discovery, ScanRun, ScanTarget
from govern.registry.models.vocab import PLATFORMS
from govern.registry.reconcile import Matcher, infer_namespace, norm_location, slug
from govern.registry.views import automation_snapshot

SECRET_FIELDS = ("type", "line", "preview", "hash", "file", "length")
NO_ENDPOINT_AI = {
    "ai-builder",
    "uipath-genai",
    "copilot",
    "local-llm",
    "azure-openai",
    "google-vertex",
}
LOCAL_AI = {"ollama", "local-llm", "lm-studio"}


class IngestError(ValueError):
    """The payload is not a scan result; the message says which field."""


def clean_secret(item: dict[str, Any]) -> dict[str, Any]:
    """Only redacted fields survive; a preview is cut to 4 characters plus the ellipsis."""
    out = {k: item.get(k) for k in SECRET_FIELDS if k in item}
    preview = str(out.get("preview") or "")
    out["preview"] = preview.rstrip("…*")[:4] + "…"
    if not isinstance(out.get("hash"), str) or len(out["hash"]) != 64:
        raise IngestError("secrets[].hash must be a 64-character keyed hash")
    return out


def validate(result: dict[str, Any]) -> None:
    if not isinstance(result, dict) or not isinstance(result.get("discoveries"), list):
        raise IngestError("a scan result needs a 'discoveries' list")
    for index, d in enumerate(result["discoveries"]):
        if not isinstance(d, dict):
            raise IngestError(f"discoveries[{index}] is not an object")
        for key in ("location", "platform"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise IngestError(f"discoveries[{index}].{key} is required")


def ingest(
    session: Session,
    result_dict: dict[str, Any],
    *,
    target_name: str,
    agent: str,
    run_uid: str,
    principal: Principal,
    batch: int | None = None,
    final: bool = True,
    internal_domains: tuple[str, ...] = (),
) -> ScanRun:
    """Ingest one scan result (or one batch of it). Returns the ScanRun."""
    require_role(principal, "developer", "ingesting scan results")
    validate(result_dict)
    run = session.exec(select(ScanRun).where(ScanRun.run_uid == run_uid)).first()
    if run is not None and run.status != "running":
        return run
    if run is not None and batch is not None and batch in (run.batches or []):
        return run
    target = session.exec(select(ScanTarget).where(ScanTarget.name == target_name)).first()
    stats = result_dict.get("scan") or {}
    now = utcnow()
    if run is None:
        run = ScanRun(
            run_uid=run_uid,
            target_id=target.id if target else None,
            target_name=target_name,
            agent=agent[:200],
            status="running",
            started_at=_parse_time(stats.get("started_at")) or now,
        )
        session.add(run)
        session.flush()
    job = _Ingest(session, run, target, principal, stats, internal_domains)
    job.discoveries(result_dict["discoveries"])
    if batch is not None:
        run.batches = sorted(set(run.batches or []) | {batch})
    run.files_seen += int(stats.get("files_seen") or 0) if batch in (None, 0) else 0
    run.files_read += int(stats.get("files_read") or 0) if batch in (None, 0) else 0
    run.bytes_read += int(stats.get("bytes_read") or 0) if batch in (None, 0) else 0
    if final:
        job.finish()
        run.status = (
            "partial" if stats.get("skipped_count") or stats.get("detector_errors") else "success"
        )
        run.finished_at = utcnow()
        run.duration_seconds = float(
            stats.get("duration_seconds") or (run.finished_at - run.started_at).total_seconds()
        )
        run.stats = {k: v for k, v in stats.items() if k not in ("skipped", "detectors", "removed")}
        run.errors = [s for s in (stats.get("skipped") or [])][:500]
        if target is not None:
            target.last_success_at = run.finished_at
            session.add(target)
        audit.record(
            session,
            actor=principal.actor,
            action="scan.ingested",
            entity_type="scan_run",
            entity_key=run_uid,
            after={
                "target": target_name,
                "discoveries": run.discoveries,
                "new": run.new_discoveries,
                "shadow": run.shadow,
                "gone": run.gone,
            },
        )
    session.add(run)
    return run


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class _Ingest:
    def __init__(
        self, session, run: ScanRun, target: ScanTarget | None, principal, stats, internal_domains
    ):
        self.session = session
        self.run = run
        self.target = target
        self.principal = principal
        self.roots = [str(r) for r in stats.get("roots") or []]
        self.internal_domains = internal_domains
        self.now = utcnow()
        self.matcher = Matcher(session)
        self.assets: dict[str, Asset] = {}

    # -- discoveries ---------------------------------------------------------

    def discoveries(self, items: list[dict[str, Any]]) -> None:
        locations = [(d.get("scanner") or "filesystem", d["location"]) for d in items]
        existing: dict[tuple[str, str], Discovery] = {}
        locs = [loc for _, loc in locations]
        for start in range(0, len(locs), 500):
            query = select(Discovery).where(col(Discovery.location).in_(locs[start : start + 500]))
            for disc in self.session.exec(query):
                existing[(disc.scanner, disc.location)] = disc
        self._prefetch_assets(items)
        same = self._unchanged(items, existing)
        for index, d in enumerate(items):
            if index in same:
                continue
            key = (d.get("scanner") or "filesystem", d["location"])
            disc = existing.get(key)
            self._one(d, disc)
        self._seen_unchanged(list(same.values()))

    def _values(self, d: dict[str, Any]) -> dict[str, Any]:
        """The discovery columns a scan result sets (compared to skip unchanged rows)."""
        signals = {
            k: d.get(k) or []
            for k in (
                "triggers",
                "reads",
                "writes",
                "calls",
                "ai_services",
                "ai_models",
                "credentials",
                "runs",
                "owner_hints",
                "files",
            )
        }
        signals["detector"] = d.get("detector")
        signals["confidence"] = d.get("confidence")
        signals["extra"] = d.get("extra") or {}
        return {
            "target_name": self.run.target_name,
            "name": str(d.get("name") or "")[:300],
            "platform": d["platform"] if d["platform"] in PLATFORMS else "other",
            "fingerprint": d.get("fingerprint"),
            "content_hash": d.get("content_hash"),
            "signals": signals,
            "secrets": [clean_secret(s) for s in d.get("secrets") or []],
            "owner_hint": (d.get("owner_hint") or None) and str(d["owner_hint"])[:320],
            "errors": [str(e)[:300] for e in d.get("errors") or []],
            "copies": int(d.get("copies") or 1),
        }

    def _unchanged(
        self, items: list[dict[str, Any]], existing: dict[tuple[str, str], Discovery]
    ) -> dict[int, tuple[Discovery, int, list[int]]]:
        """Discoveries seen exactly as recorded, linked to a live automation whose scanned
        edges all exist: a rescan only refreshes their last-seen (set-based, below)."""
        candidates = []
        for index, d in enumerate(items):
            disc = existing.get((d.get("scanner") or "filesystem", d["location"]))
            if (
                disc is None
                or disc.status != "present"
                or disc.automation_id is None
                or disc.decision == "not-automation"
            ):
                continue
            values = self._values(d)
            if all(getattr(disc, k) == v for k, v in values.items()):
                candidates.append((index, d, disc))
        if not candidates:
            return {}
        ids = sorted({disc.automation_id for _, _, disc in candidates})
        automations: dict[int, Automation] = {}
        edges: dict[tuple[int, int, str], int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for a in self.session.exec(select(Automation).where(col(Automation.id).in_(chunk))):
                automations[a.id] = a  # type: ignore[index]
            query = select(Access.id, Access.automation_id, Access.asset_id, Access.mode).where(
                col(Access.automation_id).in_(chunk), Access.learned == "scanned"
            )
            for acc_id, automation_id, asset_id, mode in self.session.exec(query):
                edges[(automation_id, asset_id, mode)] = acc_id
        same: dict[int, tuple[Discovery, int, list[int]]] = {}
        for index, d, disc in candidates:
            a = automations.get(disc.automation_id)  # type: ignore[arg-type]
            if a is None or a.lifecycle == "retired" or a.reconciliation_state == "missing":
                continue
            access_ids, uses_ai, complete = [], False, True
            for key, mode in self._asset_keys(d):
                asset = self.assets.get(key)
                acc_id = edges.get((a.id, asset.id, mode)) if asset is not None else None
                if acc_id is None:
                    complete = False
                    break
                access_ids.append(acc_id)
                uses_ai = uses_ai or bool(asset.ai_provider)  # type: ignore[union-attr]
            if complete and (a.uses_ai or not uses_ai):
                same[index] = (disc, a.id, access_ids)  # type: ignore[assignment]
        return same

    def _seen_unchanged(self, same: list[tuple[Discovery, int, list[int]]]) -> None:
        """Last seen of unchanged discoveries, their automations and scanned edges: a few
        set-based UPDATEs (500 rows each) instead of one ORM update per row."""
        if not same:
            return
        now = self.now
        self.run.discoveries += len(same)
        self.run.secrets += sum(len(disc.secrets or []) for disc, _, _ in same)
        groups = (
            (Discovery, sorted({disc.id for disc, _, _ in same}), {"scan_run_id": self.run.id}),
            (Automation, sorted({a for _, a, _ in same}), {"missing_runs": 0}),
            (Access, sorted({i for _, _, ids in same for i in ids}), {}),
        )
        for model, ids, values in groups:
            for start in range(0, len(ids), 500):
                self.session.execute(
                    update(model)
                    .where(col(model.id).in_(ids[start : start + 500]))
                    .values(last_seen=now, **values)
                )

    def _one(self, d: dict[str, Any], disc: Discovery | None) -> None:
        values = self._values(d)
        secrets = values["secrets"]
        platform = values["platform"]
        new = disc is None
        if disc is None:
            disc = Discovery(
                scanner=d.get("scanner") or "filesystem",
                location=d["location"][:2000],
                platform=platform,
                first_seen=self.now,
            )
            self.run.new_discoveries += 1
        for key, value in values.items():
            setattr(disc, key, value)
        disc.status = "present"
        disc.last_seen = self.now
        disc.scan_run_id = self.run.id
        self.session.add(disc)
        self.run.discoveries += 1
        self.run.secrets += len(secrets)
        if disc.decision == "not-automation":
            disc.automation_id = None
            return
        automation = self._automation_for(disc, d, new)
        if automation is None:
            return
        if automation.id is None:
            self.session.flush()
        disc.automation_id = automation.id
        self._edges(automation, d)

    def _automation_for(self, disc: Discovery, d: dict, new: bool) -> Automation | None:
        if disc.automation_id is not None:
            current = self.session.get(Automation, disc.automation_id)
            if current is not None and current.lifecycle != "retired":
                self._seen(current, disc)
                return current
        declared = self.matcher.declared_for(disc.location, disc.fingerprint)
        if declared is not None:
            self._link_declared(declared, disc)
            return declared
        shadow = self.matcher.shadow_for(disc.fingerprint)
        if shadow is not None:
            self._seen(shadow, disc)
            return shadow
        return self._create_shadow(disc, d)

    def _seen(self, a: Automation, disc: Discovery) -> None:
        before_state = a.reconciliation_state
        a.last_seen = self.now
        a.missing_runs = 0
        if before_state == "missing":
            before = automation_snapshot(a)
            a.reconciliation_state = "shadow" if a.origin == "discovered" else "registered"
            self._audit("automation.seen-again", a, before)
        self.session.add(a)

    def _link_declared(self, a: Automation, disc: Discovery) -> None:
        changed = (
            a.origin == "declared" or a.reconciliation_state != "registered" or not a.fingerprint
        )
        before = automation_snapshot(a) if changed else None
        if a.origin == "declared":
            a.origin = "both"
        a.reconciliation_state = "registered"
        a.fingerprint = a.fingerprint or disc.fingerprint
        a.last_seen = self.now
        a.first_seen = a.first_seen or self.now
        a.missing_runs = 0
        self.session.add(a)
        if changed:
            self._audit("automation.reconciled", a, before)

    def _create_shadow(self, disc: Discovery, d: dict) -> Automation:
        namespace = infer_namespace(
            disc.location, self.roots, self.target.namespace if self.target else None
        )
        name = self.matcher.unique_name(
            namespace, disc.name or disc.location.rsplit("/", 1)[-1], disc.location
        )
        triggers = d.get("triggers") or []
        first = triggers[0] if triggers else {}
        owner = (
            disc.owner_hint
            if disc.owner_hint and "@" in disc.owner_hint and " " not in disc.owner_hint
            else None
        )
        a = Automation(
            key=f"{namespace}/{name}",
            namespace=namespace,
            name=name,
            title=disc.name[:300],
            description=f"Discovered by the {d.get('detector') or 'scanner'} detector at {disc.location}",  # noqa: E501
            platform=disc.platform,
            trigger_type=first.get("type")
            if first.get("type") in ("schedule", "event", "manual", "webhook")
            else None,
            schedule=first.get("schedule"),
            trigger=dict(first),
            owner_email=owner.lower()[:320] if owner else None,
            department=namespace,
            origin="discovered",
            reconciliation_state="shadow",
            review_state="pending",
            lifecycle="active",
            track="sandbox",
            location=disc.location[:2000],
            fingerprint=disc.fingerprint,
            uses_ai=bool(d.get("ai_services")),
            annotations={"govern/owner-hint": disc.owner_hint} if disc.owner_hint else {},
            tags=["discovered"],
            first_seen=self.now,
            last_seen=self.now,
        )
        self.session.add(a)
        self.session.flush()
        self.matcher.add(a)
        self.run.shadow += 1
        self._audit("automation.discovered", a, None)
        return a

    # -- edges and assets ----------------------------------------------------

    def _asset_keys(self, d: dict) -> list[tuple[str, str]]:
        pairs = [(normalise_asset_key(k), "read") for k in d.get("reads") or []]
        pairs += [(normalise_asset_key(k), "write") for k in d.get("writes") or []]
        pairs += [(normalise_asset_key(k), "call") for k in d.get("calls") or []]
        have_calls = " ".join(d.get("calls") or [])
        for provider in d.get("ai_services") or []:
            if provider in NO_ENDPOINT_AI and provider.replace("-", "") not in have_calls.replace(
                "-", ""
            ):
                pairs.append((f"ai://{provider}", "call"))
        return [(k[:1000], m) for k, m in pairs if "://" in k]

    def _prefetch_assets(self, items: list[dict]) -> None:
        keys = {k for d in items for k, _ in self._asset_keys(d)}
        missing = keys - set(self.assets)
        self.assets.update(asset_service.fetch_by_keys(self.session, missing))

    def _asset(self, key: str, d: dict) -> Asset:
        asset = self.assets.get(key)
        if asset is None:
            asset = asset_service.new_asset(key, self.internal_domains)
            if key.startswith("saas://"):
                asset.kind, asset.external = "saas", True
            if key.startswith("ai://"):
                provider = key.split("://", 1)[1]
                asset.kind, asset.ai_provider = "ai-service", provider
                asset.external = provider not in LOCAL_AI
            if d.get("platform") == "saas-usage":
                asset.tags = ["egress"]
            self.session.add(asset)
            self.session.flush()
            self.assets[key] = asset
        return asset

    def _edges(self, a: Automation, d: dict) -> None:
        pairs = self._asset_keys(d)
        if not pairs:
            return
        current = {
            (acc.asset_id, acc.mode): acc
            for acc in self.session.exec(
                select(Access).where(Access.automation_id == a.id, Access.learned == "scanned")
            )
        }
        uses_ai = False
        for key, mode in pairs:
            asset = self._asset(key, d)
            uses_ai = uses_ai or bool(asset.ai_provider)
            acc = current.get((asset.id, mode))
            if acc is None:
                acc = Access(
                    automation_id=a.id,
                    asset_id=asset.id,
                    mode=mode,
                    learned="scanned",
                    first_seen=self.now,
                )
                current[(asset.id, mode)] = acc
            acc.last_seen = self.now
            self.session.add(acc)
        if uses_ai and not a.uses_ai:
            a.uses_ai = True
            self.session.add(a)

    # -- end of run ----------------------------------------------------------

    def finish(self) -> None:
        self.session.flush()
        self._gone()
        self._missing()

    def _in_scope(self, location: str) -> bool:
        if not self.roots:
            return True
        n = norm_location(location)
        return any(n.startswith(norm_location(r)) for r in self.roots)

    def _gone(self) -> None:
        query = select(Discovery).where(
            Discovery.target_name == self.run.target_name,
            Discovery.status == "present",
            Discovery.scanner != "egress",
        )
        touched: set[int] = set()
        for disc in self.session.exec(query):
            if disc.scan_run_id == self.run.id or not self._in_scope(disc.location):
                continue
            disc.status = "gone"
            self.session.add(disc)
            self.run.gone += 1
            if disc.automation_id:
                touched.add(disc.automation_id)
        for automation_id in touched:
            a = self.session.get(Automation, automation_id)
            if a is None or a.origin != "discovered":
                continue
            remaining = self.session.exec(
                select(Discovery.id).where(
                    Discovery.automation_id == a.id, Discovery.status == "present"
                )
            ).first()
            if remaining is None and a.reconciliation_state != "missing":
                before = automation_snapshot(a)
                a.reconciliation_state = "missing"
                self.session.add(a)
                self._audit("automation.missing", a, before)

    def _missing(self) -> None:
        if self.target is None and not self.roots:
            return
        scope = [self.target.location] if self.target is not None else self.roots
        threshold = self.target.missing_after_runs if self.target is not None else 3
        seen = {
            row
            for row in self.session.exec(
                select(Discovery.automation_id).where(Discovery.scan_run_id == self.run.id)
            )
        }
        query = select(Automation).where(
            col(Automation.origin).in_(("declared", "both")),
            col(Automation.location).is_not(None),
            col(Automation.lifecycle) != "retired",
        )
        roots = [norm_location(s) for s in scope]
        for a in self.session.exec(query):
            loc = norm_location(a.location or "")
            if a.id in seen or not any(
                loc.startswith(r + "/") or loc == r or _covers(r, loc) for r in roots
            ):
                continue
            a.missing_runs = (a.missing_runs or 0) + 1
            if a.missing_runs >= threshold and a.reconciliation_state != "missing":
                before = automation_snapshot(a)
                a.reconciliation_state = "missing"
                self._audit("automation.missing", a, before)
            self.session.add(a)

    def _audit(self, action: str, a: Automation, before: dict | None) -> None:
        audit.record(
            self.session,
            actor=self.principal.actor,
            action=action,
            entity_type="automation",
            entity_key=a.key,
            before=before,
            after=automation_snapshot(a),
            comment=f"scan run {self.run.run_uid}",
        )


def _covers(root: str, loc: str) -> bool:
    """A declared UNC location under a target's share even when mounted elsewhere."""
    parts = [p for p in root.split("/") if p]
    return len(parts) >= 2 and f"/{'/'.join(parts[-2:])}/" in loc + "/"


__all__ = ["IngestError", "ingest", "slug"]
