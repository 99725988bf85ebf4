"""The inventory collector: gauges computed at scrape time from registry aggregates.

A custom collector (an object with ``collect()``) rather than Gauge objects, so under
gunicorn the figures appear exactly once per scrape, whichever worker answers, instead of
once per worker. Labels are bounded: closed vocabularies are emitted in full (zeros
included, so series never vanish), open ones (department, policy, scan target) are capped
to the largest N values plus ``other``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.engine import Engine

from govern import __version__, events
from govern.db import read_session, utcnow
from govern.registry import stats
from govern.registry.models import vocab

log = logging.getLogger(__name__)
OTHER = "other"


@dataclass(frozen=True)
class Limits:
    """How many distinct values an open-ended label keeps before folding into ``other``."""

    departments: int = 50
    policies: int = 100
    targets: int = 500
    #: 0: compute at every scrape; else answer with the last figures and refresh them in
    #: the background once they are older than this many seconds.
    max_age_seconds: float = 0.0


def cap(counts: dict[str, int], limit: int) -> dict[str, int]:
    """Keep the ``limit`` largest values (ties by name); sum the rest into ``other``."""
    if len(counts) <= limit:
        return dict(counts)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[:limit])
    rest = sum(n for _, n in ranked[limit:])
    kept[OTHER] = kept.get(OTHER, 0) + rest
    return kept


def _with_zeros(counts: dict[str, int], vocabulary: Iterable[str]) -> dict[str, int]:
    filled = dict.fromkeys(vocabulary, 0)
    filled.update(counts)
    return filled


def _gauge(name: str, doc: str, value: float, unit: str = "") -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value, unit=unit)


def _labelled(name: str, doc: str, label: str, counts: dict[str, Any]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key in sorted(counts):
        family.add_metric([str(key)], counts[key])
    return family


class InventoryCollector:
    """Yields the inventory gauges, reading the registry through ``engine`` each scrape."""

    def __init__(self, engine: Engine, limits: Limits | None = None):
        self.engine = engine
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._refreshing = False
        self._refresh_failed = False

    def _compute(self) -> dict[str, Any]:
        with read_session(self.engine) as session:
            figures = stats.summary(session, now=utcnow())
            backlog = stats.backlog(session)
        self._cached = (time.monotonic(), figures)
        if backlog > stats.COMPACT_BACKLOG:
            self._compact()
        return figures

    def _compact(self) -> None:
        """Fold the rollup's delta rows (after a bulk load, or thousands of writes) so
        the next scrapes read one row per key again. The figures do not depend on it."""
        try:
            removed = stats.compact(self.engine)
        except Exception:  # the figures are right either way; the next scrape retries
            log.warning("folding the metrics rollup failed", exc_info=True)
        else:
            log.info("folded the metrics rollup: %d rows fewer", removed)

    def _figures(self) -> tuple[dict[str, Any], float]:
        """The figures and their age in seconds.

        With ``max_age_seconds`` 0 (the default) every scrape computes them. Otherwise a
        scrape answers at once with the last figures and, when they are older than
        ``max_age_seconds``, starts one background refresh; the first scrape, and the
        scrape after a failed refresh, compute in place (so failures are reported).
        """
        if self.limits.max_age_seconds <= 0:
            return self._compute(), 0.0
        with self._lock:
            if self._cached is None or self._refresh_failed:
                self._refresh_failed = False
                return self._compute(), 0.0
            taken_at, figures = self._cached
            age = time.monotonic() - taken_at
            if age >= self.limits.max_age_seconds and not self._refreshing:
                self._refreshing = True
                threading.Thread(
                    target=self._refresh, name="govern-metrics-refresh", daemon=True
                ).start()
            return figures, age

    def _refresh(self) -> None:
        try:
            self._compute()
        except Exception:  # reported: logged, counted, and the next scrape recomputes
            log.exception("refreshing inventory metrics failed")
            events.inventory_collect_failed()
            self._refresh_failed = True
        finally:
            self._refreshing = False

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        age = 0.0
        try:
            figures, age = self._figures()
            families = list(self.families(figures))
            ok = 1
        except Exception:  # reported: logged, counted and exported as success=0
            log.exception("computing inventory metrics failed")
            events.inventory_collect_failed()
            families, ok = [], 0
        yield from families
        yield _gauge(
            "govern_inventory_collect_duration_seconds",
            "Time this scrape spent computing the inventory figures.",
            time.perf_counter() - started,
        )
        yield _gauge(
            "govern_inventory_age_seconds",
            "Age of the inventory figures in this scrape (0 unless GOVERN_METRICS_MAX_AGE "
            "lets scrapes answer with figures refreshed in the background).",
            age,
        )
        yield _gauge(
            "govern_inventory_collect_success",
            "1 if this scrape computed the inventory figures, 0 if it failed.",
            ok,
        )
        info = GaugeMetricFamily(
            "govern_build_info", "govern version (always 1).", labels=["version"]
        )
        info.add_metric([__version__], 1)
        yield info

    def families(self, figures: dict[str, Any]) -> Iterator[Metric]:
        yield from self._automations(figures["automations"])
        yield from self._quality(figures)
        yield from self._violations(figures["violations"], figures["compliance"])
        yield from self._waivers(figures["waivers"])
        yield from self._review(figures["review"])
        yield from self._people(figures["people"])
        yield self._scan_targets(figures["scan_targets"])

    def _automations(self, a: dict[str, Any]) -> Iterator[Metric]:
        yield _gauge(
            "govern_automations", "Automations in the inventory (not retired).", a["total"]
        )
        by = "Automations (not retired) by "
        yield _labelled(
            "govern_automations_by_platform",
            by + "platform.",
            "platform",
            _with_zeros(a["by_platform"], vocab.PLATFORMS),
        )
        yield _labelled(
            "govern_automations_by_department",
            by + f"department (largest {self.limits.departments}, the rest as 'other').",
            "department",
            cap(a["by_department"], self.limits.departments),
        )
        yield _labelled(
            "govern_automations_by_origin",
            by + "origin (declared, discovered, both).",
            "origin",
            _with_zeros(a["by_origin"], vocab.ORIGINS),
        )
        yield _labelled(
            "govern_automations_by_reconciliation_state",
            by + "reconciliation state (registered, shadow, unverified, missing).",
            "state",
            _with_zeros(a["by_reconciliation"], vocab.RECONCILIATION_STATES),
        )
        yield _labelled(
            "govern_automations_by_review_state",
            by + "review state.",
            "state",
            _with_zeros(a["by_review"], vocab.REVIEW_STATES),
        )
        yield _labelled(
            "govern_automations_by_risk_tier",
            by + "risk tier.",
            "tier",
            _with_zeros(a["by_risk_tier"], vocab.RISK_TIERS),
        )
        yield _labelled(
            "govern_automations_by_track",
            by + "track (sandbox, production).",
            "track",
            _with_zeros(a["by_track"], vocab.TRACKS),
        )
        yield _labelled(
            "govern_automations_by_lifecycle",
            "Automations by lifecycle, retired included.",
            "lifecycle",
            _with_zeros(a["by_lifecycle"], vocab.LIFECYCLES),
        )
        yield _gauge(
            "govern_shadow_automations",
            "Automations found by scanners but never declared (reconciliation state shadow).",
            a["shadow"],
        )
        yield _gauge(
            "govern_automations_using_ai",
            "Automations that call an AI service or declare that they use AI.",
            a["uses_ai"],
        )

    def _quality(self, figures: dict[str, Any]) -> Iterator[Metric]:
        dup = figures["duplicates"]
        yield _gauge(
            "govern_duplicate_automations",
            "Automations sharing a content fingerprint with at least one other automation.",
            dup["automations"],
        )
        yield _gauge(
            "govern_duplicate_groups",
            "Content fingerprints shared by more than one automation.",
            dup["groups"],
        )
        orphans = figures["orphans"]
        yield _labelled(
            "govern_orphaned_automations",
            "Automations without an accountable owner, by reason "
            "(no-owner, unknown-owner, inactive-owner).",
            "reason",
            {
                key.replace("_", "-"): orphans[key]
                for key in ("no_owner", "unknown_owner", "inactive_owner")
            },
        )

    def _violations(self, v: dict[str, Any], c: dict[str, Any]) -> Iterator[Metric]:
        for state, doc in (
            ("open", "Open policy violations (failing, not waived), by policy and severity."),
            ("waived", "Failing policy results covered by a waiver, by policy and severity."),
        ):
            family = GaugeMetricFamily(
                f"govern_{state}_violations", doc, labels=["policy", "severity"]
            )
            for (policy, severity), n in sorted(self._by_policy(v[f"{state}_by_policy"]).items()):
                family.add_metric([policy, severity], n)
            yield family
        yield _gauge(
            "govern_automations_with_open_violations",
            "Automations (not retired) with at least one open policy violation.",
            c["with_open_violations"],
        )
        yield _gauge(
            "govern_compliance_ratio",
            "Share of automations (not retired) without open violations, 0 to 1 "
            "(1 when the inventory is empty).",
            c["ratio"],
        )

    def _by_policy(self, by_policy: dict[str, dict[str, int]]) -> dict[tuple[str, str], int]:
        """(policy, severity) -> count, keeping the policies with the most results."""
        totals = {policy: sum(sev.values()) for policy, sev in by_policy.items()}
        kept = set(cap(totals, self.limits.policies)) - {OTHER}
        pairs: dict[tuple[str, str], int] = {}
        for policy, severities in by_policy.items():
            name = policy if policy in kept else OTHER
            for severity, n in severities.items():
                pairs[(name, severity)] = pairs.get((name, severity), 0) + n
        return pairs

    def _waivers(self, w: dict[str, Any]) -> Iterator[Metric]:
        yield _gauge(
            "govern_waivers_active", "Waivers in force (not revoked, not expired).", w["active"]
        )
        family = GaugeMetricFamily(
            "govern_waivers_expiring",
            "Waivers in force that expire within the given number of days.",
            labels=["within_days"],
        )
        for days, n in sorted(w["expiring_within_days"].items()):
            family.add_metric([str(days)], n)
        yield family

    def _review(self, r: dict[str, Any]) -> Iterator[Metric]:
        yield _labelled(
            "govern_review_backlog",
            "Automations (not retired) waiting for review, by track.",
            "track",
            _with_zeros(r["by_track"], vocab.TRACKS),
        )
        yield _labelled(
            "govern_review_oldest_pending_age_seconds",
            "How long the automation waiting longest for review has waited, by track "
            "(absent when nothing waits).",
            "track",
            r["oldest_age_seconds_by_track"],
        )

    def _people(self, p: dict[str, Any]) -> Iterator[Metric]:
        yield _labelled(
            "govern_people",
            "People known to the registry, by status (active, inactive).",
            "status",
            {"active": p["active"], "inactive": p["total"] - p["active"]},
        )
        yield _labelled(
            "govern_people_certified",
            "Active people with an unexpired citizen-developer certification, by level (1-3).",
            "level",
            _with_zeros({str(k): n for k, n in p["certified_by_level"].items()}, ("1", "2", "3")),
        )

    def _scan_targets(self, targets: dict[str, dict[str, Any]]) -> Metric:
        family = GaugeMetricFamily(
            "govern_scan_last_success_timestamp_seconds",
            "Unix time of the last successful scan of each scan target (targets that "
            "never succeeded are absent).",
            labels=["target"],
        )
        named = sorted(
            (name, entry["last_success_at"])
            for name, entry in targets.items()
            if entry["enabled"]
            and entry["last_success_at"] is not None
            and events.is_target_name(name)
        )
        if len(named) > self.limits.targets:
            log.warning(
                "%d scan targets; exporting the first %d by name", len(named), self.limits.targets
            )
        for name, at in named[: self.limits.targets]:
            family.add_metric([name], at.timestamp())
        return family
