"""Variants of each artifact type as they appear in the wild (API envelopes, timetables,
constants, time zones, files saved under another name), and near-misses that are not
automations (library modules, function files, profiles, analysis notebooks, generic JSON,
plain CI, Kubernetes CronJobs). Fixtures: tests/fixtures/scanner/heldout/."""

from __future__ import annotations

import pytest
from scanner_support import FIXTURES, by_location, run

from govern.scanner import schedule
from govern.scanner.detectors._wdl import is_definition
from govern.scanner.detectors.crontab import Crontab

HELDOUT = FIXTURES / "heldout"

# location -> (platform, name, triggers that must be present as (type, cron), AI services)
EXPECTED: dict[str, tuple[str, str | None, set[tuple[str, str | None]], set[str]]] = {
    "n8n/api_envelope/workflows.json#0": (
        "n8n",
        "Invoice reminders",
        {("schedule", "15 7 * * 1-5")},
        set(),
    ),
    "n8n/api_envelope/workflows.json#1": (
        "n8n",
        "Support chat helper",
        {("event", None)},
        {"anthropic"},
    ),
    "n8n/expression_fields/flow.json": (
        "n8n",
        "Friday stock check",
        {("schedule", "0 16 * * 5"), ("schedule", None)},
        set(),
    ),
    "airflow/dags/orders_taskflow.py": (
        "airflow",
        "export_orders",
        {("schedule", "0 * * * *")},
        set(),
    ),
    "airflow/dags/warehouse_timetable.py": (
        "airflow",
        "warehouse_nightly",
        {("schedule", "45 1 * * *")},
        set(),
    ),
    "airflow/dags/crm_sync_constant.py": (
        "airflow",
        "crm_sync",
        {("schedule", "0 */4 * * *")},
        set(),
    ),
    "airflow/dags/reports_on_asset.py": ("airflow", "orders_report", {("event", None)}, set()),
    "airflow/dags/one_off_backfill.py": ("airflow", "backfill_2023", {("manual", None)}, set()),
    "cron/user_txt/crontab.txt": (
        "cron",
        None,
        {("schedule", "*/10 * * * *"), ("schedule", "30 6 * * 1-5")},
        set(),
    ),
    "cron/reboot/picron": ("cron", None, {("event", None), ("schedule", "0 0 * * *")}, set()),
    "systemd/poll/queue-poll.timer": (
        "systemd-timer",
        None,
        {("schedule", "*/15 * * * *")},
        set(),
    ),
    "systemd/zoned/ledger.timer": ("systemd-timer", None, {("schedule", "5 6 * * 1-5")}, set()),
    "apps_script/digest/Digest.gs": ("apps-script", None, {("schedule", "0 8 * * 1")}, set()),
    "apps_script/form/Intake.gs": ("apps-script", None, {("event", None)}, set()),
    "make/scenario_api_response.json": (
        "make",
        "Notes summary to Slack",
        {("schedule", "*/15 * * * *")},
        {"openai"},
    ),
    "zapier/single_zap.json": ("zapier", "New lead row to CRM", {("event", None)}, set()),
    "logic_apps/attachments_code_view.json": (
        "logic-apps",
        None,
        {("schedule", "*/5 * * * *")},
        set(),
    ),
    "pad/classify_invoice.robin": ("power-automate-desktop", None, {("manual", None)}, {"ollama"}),
    "windows_task/Poll inbox": (
        "windows-task",
        "Poll inbox",
        {("schedule", "*/30 * * * *")},
        set(),
    ),
    "windows_task/schtasks_export.xml#0": (
        "windows-task",
        "Refresh stock",
        {("schedule", "40 5 * * *")},
        set(),
    ),
    "windows_task/schtasks_export.xml#1": ("windows-task", "Map drives", {("event", None)}, set()),
    "python/fill_timesheet.py": ("python", None, {("manual", None)}, set()),
    "python/summarise_tickets.py": ("python", None, {("manual", None)}, {"openai"}),
    "notebooks/monthly_close.ipynb": ("notebook", None, {("manual", None)}, set()),
    "github/sched/.github/workflows/scrape.yml": (
        "github-actions",
        "Price scrape",
        {("schedule", "20 4 * * *")},
        set(),
    ),
    "github/calls_reusable/.github/workflows/nightly-etl.yml": (
        "github-actions",
        "Nightly ETL",
        {("schedule", "10 2 * * *")},
        set(),
    ),
    "shell/etc/cron.weekly/export-sales": ("shell", None, {("schedule", "0 0 * * 0")}, set()),
    "notebooks/rates_fetch_v3.ipynb": ("notebook", None, {("manual", None)}, set()),
    "notebooks/rerun_export.ipynb": ("notebook", None, {("manual", None)}, set()),
    "github/dispatch/.github/workflows/report.yml": (
        "github-actions",
        None,
        {("manual", None)},
        set(),
    ),
}


@pytest.fixture(scope="module")
def found():
    return by_location(run([HELDOUT]), HELDOUT)


def test_exactly_the_automations_are_found(found):
    """Nothing missed, and nothing under decoys/ (or anywhere else) reported."""
    assert sorted(found) == sorted(EXPECTED)


@pytest.mark.parametrize("location", sorted(EXPECTED))
def test_variant_platform_trigger_and_ai(found, location):
    platform, name, triggers, ai = EXPECTED[location]
    d = found[location]
    assert d["platform"] == platform
    if name is not None:
        assert d["name"] == name
    assert triggers <= {(t["type"], t["schedule"]) for t in d["triggers"]}, d["triggers"]
    assert set(d["ai_services"]) == ai


def test_decoys_are_read_and_rejected():
    """The decoys reach the detectors (they are read, not skipped by name) and none of
    them is an automation."""
    result = run([HELDOUT / "decoys"])
    assert result["discoveries"] == []
    assert result["scan"]["files_read"] >= 20
    assert result["scan"]["skipped"] == []


def test_copilot_annotation_false_is_not_copilot(found):
    assert "copilot" not in found["pad/classify_invoice.robin"]["ai_services"]
    assert "http://localhost:11434" in found["pad/classify_invoice.robin"]["calls"]


def test_airflow_details_say_why():
    result = by_location(run([HELDOUT / "airflow"]), HELDOUT / "airflow")
    assert "@once" in result["dags/one_off_backfill.py"]["triggers"][0]["detail"]
    assert "Asset" not in result["dags/reports_on_asset.py"]["triggers"][0]["detail"]
    assert "cleaned_orders" in result["dags/reports_on_asset.py"]["triggers"][0]["detail"]


@pytest.mark.parametrize(
    ("expr", "cron"),
    [
        ("0 5 * * *", "0 5 * * *"),
        ("0 9 * * MON-FRI", "0 9 * * MON-FRI"),
        ("0 30 9 ? * MON#2", "30 9 * * MON#2"),
        ("0 0 15W * *", "0 0 15W * *"),
        ("@weekly", "0 0 * * 0"),
        ("sales the data sales sales", None),
        ("budget invoice the report customer", None),
        ("a b c d e", None),
        ("0 5 * *", None),
    ],
)
def test_cron_fields_are_validated(expr, cron):
    assert schedule.normalise_cron(expr) == cron


@pytest.mark.parametrize(
    ("spec", "cron"),
    [
        ("*:0/15", "*/15 * * * *"),
        ("*-*-* 00/2:00:00", "0 */2 * * *"),
        ("Mon-Fri 09:00", "0 9 * * 1-5"),
        ("Mon..Fri *-*-* 07:30:00", "30 7 * * 1-5"),
        ("*-*-* 05:00:00 Europe/Paris", "0 5 * * *"),
        ("Sun *-*-* 03:00 UTC", "0 3 * * 0"),
        ("Fri *-*-1..7 18:00", "0 18 1-7 * 5"),
        ("semiannually", "0 0 1 1,7 *"),
    ],
)
def test_systemd_calendar_forms(spec, cron):
    assert schedule.on_calendar(spec) == cron


def test_crontab_sniff_rejects_prose_and_accepts_macros():
    sniff = Crontab().sniff
    assert not sniff("quarter plan forecast ledger review team close budget policy\n")
    assert not sniff("0 2 * * * is when the backup runs\nThe job mails the admin.\n")
    assert sniff("@reboot /home/pi/start.sh\n")
    assert sniff("SHELL=/bin/bash\n# nightly\n30 1 * * * root /usr/local/bin/backup.sh\n")


def test_wdl_needs_typed_triggers_or_actions():
    assert not is_definition({"triggers": {"push": {"branches": ["main"]}}, "actions": {}})
    assert not is_definition({"actions": {"deploy": "make deploy"}})
    assert is_definition({"triggers": {}, "actions": {"Compose": {"type": "Compose"}}})
    assert is_definition(
        {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/"
            "schemas/2016-06-01/workflowdefinition.json#",
            "triggers": {},
        }
    )
