"""The real public samples in ../shared/corpus: right platform, trigger, schedule, AI, secrets."""

from __future__ import annotations

from scanner_support import by_location, corpus, run

EXPECTED = {
    "n8n/ai_info_monitoring_openai_sheets_slack.json": (
        "n8n",
        "schedule",
        "*/15 * * * *",
        {"openai"},
    ),
    "n8n/legacy_cron_shopify_sheets_slack.json": ("n8n", "schedule", None, set()),
    "n8n/seo_keywords_anthropic.json": ("n8n", "manual", None, {"anthropic"}),
    "node_red/example_cronplus_schedule_nyse.json": ("node-red", "schedule", "30 9 * * 1-5", set()),
    "node_red/example_openai_api_chat.json": ("node-red", None, None, {"openai"}),
    "power_automate/notify_last_working_day_recurrence_definition.json": (
        "power-automate",
        "schedule",
        "0 6 * * *",
        set(),
    ),
    "power_automate/solution_workflow_ai_expense_reports_outlook_dataverse_aibuilder.json": (
        "power-automate",
        "event",
        None,
        {"ai-builder"},
    ),
    "make_integromat/blueprint_daily_digest_slack_email.json": ("make", "schedule", None, set()),
}


def test_every_corpus_sample_is_recognised():
    root = corpus()
    result = run([root])
    found = by_location(result, root)
    assert result["scan"]["skipped_count"] == 0
    for location, (platform, trig, schedule, ai) in EXPECTED.items():
        d = found[location]
        assert d["platform"] == platform, location
        if trig:
            assert trig in {t["type"] for t in d["triggers"]}, (location, d["triggers"])
        if schedule:
            assert schedule in [t["schedule"] for t in d["triggers"]], (location, d["triggers"])
        assert ai <= set(d["ai_services"]), (location, d["ai_services"])
        assert d["secrets"] == [], location  # the samples carry no live secrets
    arm = [d for loc, d in found.items() if loc.startswith("logic_apps/arm_template")]
    assert len(arm) == 3 and {d["platform"] for d in arm} == {"logic-apps"}
    assert len({d["location"] for d in arm}) == 3
    assert {d["name"] for d in arm} == {
        "CreateRecurrenceJobLogicAppName",
        "ExecuteRecurrenceJobLogicAppName",
        "RescheduleRecurrenceJobLogicAppName",
    } or len({d["name"] for d in arm}) == 3


def test_corpus_signals():
    root = corpus()
    found = by_location(run([root]), root)
    monitoring = found["n8n/ai_info_monitoring_openai_sheets_slack.json"]
    assert "gsheets://docs.google.com/1F2FzWt9FMkA5V5i9d_hBJRahLDvxs3DQBOLkLYowXbY" in (
        set(monitoring["reads"]) | set(monitoring["writes"])
    )
    assert any(w.startswith("saas://slack") for w in monitoring["writes"])
    assert "https://r.jina.ai" in monitoring["calls"]
    assert monitoring["extra"]["export"] == "download"
    clipboard = found["n8n/seo_keywords_anthropic.json"]
    assert clipboard["name"] == "Generate SEO Seed Keywords Using AI"
    make = found["make_integromat/blueprint_daily_digest_slack_email.json"]
    assert make["owner_hint"]
