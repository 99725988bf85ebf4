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
SCHED = re.compile(
    r"""\b(?:schedule_interval|schedule)\s*=\s*(?:['"]([^'"]+)['"]|(None)|timedelta\(([^)]*)\))"""
)
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
        dag_id = DAG_ID.search(text)
        f = self.finding(art, dag_id.group(1) if dag_id else None)
        f.confidence = 0.95
        m = SCHED.search(text)
        if m and m.group(1):
            cron = schedule.normalise_cron(m.group(1))
            f.triggers.append(trigger("schedule", cron, m.group(1)))
        elif m and m.group(3):
            seconds = _timedelta_seconds(m.group(3))
            f.triggers.append(trigger("schedule", schedule.seconds_to_cron(seconds), m.group(0)))
        else:
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


def _timedelta_seconds(args: str) -> int:
    total = 0
    for unit, mult in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        m = re.search(rf"{unit}\s*=\s*(\d+)", args)
        if m:
            total += int(m.group(1)) * mult
    return total or 86400
