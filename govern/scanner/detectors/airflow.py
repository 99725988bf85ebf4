"""Airflow DAGs: engineer-built pipelines, recognised by the airflow import plus a DAG."""

from __future__ import annotations

import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

IMPORT = re.compile(r"(?m)^\s*(?:from|import)\s+airflow\b")
DAG = re.compile(r"\bDAG\s*\(|@dag\b")
DAG_ID = re.compile(r"""(?:dag_id\s*=\s*|DAG\(\s*)['"]([^'"]+)['"]""")
SCHED = re.compile(r"\b(?:schedule_interval|schedule|timetable)\s*=\s*")
DAG_DECORATOR = re.compile(r"@dag\b(?:\(.*?\))?\s*\n\s*(?:async\s+)?def\s+(\w+)", re.S)
TIMEDELTA = re.compile(r"\btimedelta\(([^)]*)\)")
TIMETABLE_CRON = re.compile(r"""\b\w*Timetable\(\s*(?:cron\s*=\s*)?['"]([^'"]+)['"]""")
STRING = re.compile(r"""^[rbuf]?['"]([^'"]*)['"]$""")
NAME = re.compile(r"^[A-Za-z_][\w.]*$")
EVENT_SCHEDULE = re.compile(r"^\[|\b(?:Dataset|Asset)\w*\(|\bDatasetOr|\bAssetOr")

OWNER = re.compile(r"""['"]owner['"]\s*:\s*['"]([^'"]+)['"]""")
EMAIL = re.compile(r"""['"]email['"]\s*:\s*\[?\s*['"]([^'"]+)['"]""")
CONN = re.compile(r"""\b\w*conn_id\s*=\s*['"]([^'"]+)['"]""")
VARIABLE = re.compile(r"""Variable\.get\(\s*['"]([^'"]+)['"]""")
OPERATOR = re.compile(r"\b(\w+Operator|\w+Sensor)\s*\(")


@register
class AirflowDag(Detector):
    """Airflow DAGs: engineer-built pipelines, recognised by the airflow import plus a DAG."""

    name = "airflow"
    platform = "airflow"
    extensions = (".py",)
    priority = 10
    keywords = (("airflow", "det:airflow"),)

    def analyze(self, art: Artifact) -> list[Finding]:
        if not art.hits.get("det:airflow"):
            return []
        text = art.text
        if not IMPORT.search(text) or not DAG.search(text):
            return []
        dag_id = DAG_ID.search(text) or DAG_DECORATOR.search(text)
        f = self.finding(art, dag_id.group(1) if dag_id else None)
        f.confidence = 0.95
        for kind, cron, detail in _schedules(text):
            f.triggers.append(trigger(kind, cron, detail))
        if not f.triggers:
            f.triggers.append(trigger("manual", None, "no schedule (triggered)"))
        owner = OWNER.search(text)
        if owner:
            f.owner(2, owner.group(1))
        email = EMAIL.search(text)
        if email:
            f.owner(1, email.group(1))
        f.credentials |= {f"airflow-connection:{c}" for c in CONN.findall(text)}
        f.credentials |= {f"airflow-variable:{v}" for v in VARIABLE.findall(text)}
        f.extra["operators"] = sorted(set(OPERATOR.findall(text)))[:30]
        f.extra["engineer_built"] = True
        return [f]


def _argument(text: str, start: int) -> str:
    """The source of one keyword argument's value: up to the next top-level , or )."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0 or ch == "\n" and depth == 0:
            break
        i += 1
    return text[start:i].strip()


def _schedules(text: str) -> list[tuple[str, str | None, str]]:
    """(trigger type, cron, detail) for every ``schedule=`` / ``schedule_interval=`` /
    ``timetable=`` argument: cron strings, presets, timedeltas, timetables, datasets or
    assets (event-driven), and module-level constants holding any of these."""
    out: list[tuple[str, str | None, str]] = []
    for m in SCHED.finditer(text):
        value = _argument(text, m.end())
        if NAME.match(value) and value not in ("None", "True", "False"):
            const = re.search(rf"(?m)^{re.escape(value)}\s*=\s*(.+)$", text)
            if const:
                value = const.group(1).strip()
        parsed = _schedule(value)
        if parsed and parsed not in out:
            out.append(parsed)
    return out


def _schedule(value: str) -> tuple[str, str | None, str] | None:
    detail = value[:120]
    if not value or value == "None":
        return None
    literal = STRING.match(value)
    if literal:
        expr = literal.group(1).strip()
        if expr.lower() == "@once":
            return "manual", None, "@once (runs once)"
        if expr.lower() == "@continuous":
            return "schedule", None, "@continuous (a new run as soon as one ends)"
        if expr.lower() == "@quarterly":
            return "schedule", "0 0 1 */3 *", expr
        return "schedule", schedule.normalise_cron(expr), expr
    cron = TIMETABLE_CRON.search(value)
    if EVENT_SCHEDULE.search(value):
        # data-aware scheduling: runs when upstream datasets/assets are updated
        if cron:
            return "schedule", schedule.normalise_cron(cron.group(1)), detail
        return "event", None, detail
    if cron:
        return "schedule", schedule.normalise_cron(cron.group(1)), detail
    delta = TIMEDELTA.search(value)
    if delta:
        return "schedule", schedule.seconds_to_cron(_timedelta_seconds(delta.group(1))), detail
    return "schedule", None, detail


def _timedelta_seconds(args: str) -> int:
    total = 0
    for unit, mult in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        m = re.search(rf"{unit}\s*=\s*(\d+)", args)
        if m:
            total += int(m.group(1)) * mult
    return total or 86400
