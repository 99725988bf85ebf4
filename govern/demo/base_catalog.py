"""The demo enterprise's vocabulary: departments, people's names, systems and the kinds of
automations each department builds. Plain data; ``base.py`` turns it into manifests."""

from __future__ import annotations

FIRST_NAMES = (
    "li", "anna", "omar", "sofia", "james", "priya", "lukas", "maria", "chen", "fatima",
    "noah", "elena", "kenji", "amara", "david", "ines", "ravi", "julia", "mateo", "hana",
    "samuel", "chloe", "yusuf", "emma", "arjun", "lea", "diego", "nora", "tomas", "aisha",
    "felix", "mei", "oscar", "zara", "pablo", "ingrid", "kwame", "lucia", "ivan", "sara",
)  # fmt: skip
LAST_NAMES = (
    "wei", "kowalski", "haddad", "rossi", "okafor", "sharma", "becker", "garcia", "tanaka",
    "nguyen", "mueller", "dubois", "silva", "johansson", "kim", "novak", "patel", "schmidt",
    "moreau", "costa", "larsen", "ahmed", "fischer", "lopez", "ito", "brown", "mensah", "weber",
    "jensen", "romano", "ali", "virtanen", "santos", "yilmaz", "hughes", "andersen",
)  # fmt: skip

# namespace -> (department name, share of automations, system assets it works with)
DEPARTMENTS: dict[str, tuple[str, float]] = {
    "finance": ("Finance", 0.16),
    "hr": ("Human Resources", 0.09),
    "marketing": ("Marketing", 0.11),
    "sales": ("Sales", 0.11),
    "operations": ("Operations", 0.09),
    "legal": ("Legal", 0.05),
    "it-ops": ("IT Operations", 0.10),
    "customer-service": ("Customer Service", 0.09),
    "procurement": ("Procurement", 0.06),
    "supply-chain": ("Supply Chain", 0.07),
    "data-analytics": ("Data & Analytics", 0.07),
}

# (uri, kind, classification, tags, external, approved, owner namespace or None, title)
SHARED_ASSETS = (
    ("mssql://erp-sql01:1433/ERP.dbo.gl_balances", "table", "confidential", ["financial"], False, False, "finance", "General ledger balances"),  # noqa: E501
    ("mssql://erp-sql01:1433/ERP.dbo.invoices", "table", "confidential", ["financial"], False, False, "finance", "AP/AR invoices"),  # noqa: E501
    ("mssql://erp-sql01:1433/ERP.dbo.vendors", "table", "confidential", ["financial", "pii"], False, False, "procurement", "Vendor master"),  # noqa: E501
    ("mssql://erp-sql01:1433/ERP.dbo.purchase_orders", "table", "internal", ["financial"], False, False, "procurement", "Purchase orders"),  # noqa: E501
    ("mssql://erp-sql01:1433/ERP.dbo.inventory_levels", "table", "internal", [], False, False, "supply-chain", "Stock levels"),  # noqa: E501
    ("postgres://crm-db:5432/crm.public.customers", "table", "confidential", ["pii"], False, False, "sales", "CRM customers"),  # noqa: E501
    ("postgres://crm-db:5432/crm.public.opportunities", "table", "internal", [], False, False, "sales", "CRM pipeline"),  # noqa: E501
    ("postgres://crm-db:5432/crm.public.tickets", "table", "confidential", ["pii"], False, False, "customer-service", "Support tickets"),  # noqa: E501
    ("postgres://hr-db:5432/hris.public.employees", "table", "restricted", ["pii"], False, False, "hr", "Employee records"),  # noqa: E501
    ("postgres://hr-db:5432/hris.public.payroll", "table", "restricted", ["pii", "financial"], False, False, "hr", "Payroll"),  # noqa: E501
    ("postgres://hr-db:5432/hris.public.absences", "table", "restricted", ["pii", "health"], False, False, "hr", "Sick leave and absences"),  # noqa: E501
    ("postgres://dwh:5432/dwh.sales.orders", "table", "internal", [], False, False, "data-analytics", "Orders (warehouse)"),  # noqa: E501
    ("postgres://dwh:5432/dwh.marketing.campaign_stats", "table", "internal", [], False, False, "marketing", "Campaign statistics"),  # noqa: E501
    ("snowflake://acme.eu-west-1/ANALYTICS.PUBLIC.WEB_EVENTS", "table", "internal", [], False, False, "data-analytics", "Web analytics events"),  # noqa: E501
    ("postgres://itsm-db:5432/itsm.public.incidents", "table", "internal", [], False, False, "it-ops", "IT incidents"),  # noqa: E501
    ("file://fs01/legal/contracts", "folder", "restricted", ["pii"], False, False, "legal", "Signed contracts"),  # noqa: E501
    ("file://fs01/shared/public/price-list.xlsx", "spreadsheet", "public", [], False, False, "sales", "Published price list"),  # noqa: E501
    ("https://hooks.slack.com", "saas", "internal", [], True, True, "it-ops", "Slack webhooks"),
    ("https://acme.my.salesforce.com", "saas", "confidential", ["pii"], True, True, "sales", "Salesforce"),  # noqa: E501
    ("https://api.hubapi.com", "saas", "confidential", ["pii"], True, True, "marketing", "HubSpot"),  # noqa: E501
    ("https://us21.api.mailchimp.com", "saas", "confidential", ["pii"], True, False, "marketing", "Mailchimp (no contract)"),  # noqa: E501
    ("https://sheets.googleapis.com", "saas", "internal", [], True, False, None, "Google Sheets (personal accounts)"),  # noqa: E501
    ("https://api.docusign.net", "saas", "confidential", [], True, True, "legal", "DocuSign"),
    ("https://api.ecb.europa.eu/fx-rates", "api", "public", [], True, True, "finance", "ECB exchange rates"),  # noqa: E501
    ("https://pastebin.com", "saas", "public", [], True, False, None, "Pastebin"),
    ("https://api.openai.com", "ai-service", "internal", [], True, True, "it-ops", "OpenAI (enterprise contract)"),  # noqa: E501
    ("https://acme-eu.openai.azure.com", "ai-service", "internal", [], True, True, "it-ops", "Azure OpenAI (EU tenant)"),  # noqa: E501
    ("https://api.anthropic.com", "ai-service", "internal", [], True, True, "it-ops", "Anthropic (enterprise contract)"),  # noqa: E501
    ("https://api.mistral.ai", "ai-service", "internal", [], True, False, None, "Mistral (no contract)"),  # noqa: E501
    ("https://generativelanguage.googleapis.com", "ai-service", "internal", [], True, False, None, "Gemini (personal keys)"),  # noqa: E501
    ("https://api.deepseek.com", "ai-service", "internal", [], True, False, None, "DeepSeek (not allowed)"),  # noqa: E501
    ("http://gpu01.acme.internal:11434", "ai-service", "internal", [], False, True, "it-ops", "Internal Ollama server"),  # noqa: E501
)  # fmt: skip

APPROVED_AI = (
    "https://api.openai.com",
    "https://acme-eu.openai.azure.com",
    "https://api.anthropic.com",
    "http://gpu01.acme.internal:11434",
)
UNAPPROVED_AI = (
    "https://api.mistral.ai",
    "https://generativelanguage.googleapis.com",
    "https://api.deepseek.com",
)

# namespace -> (reads pool, writes pool, external calls pool)
DATA_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "finance": (
        ("mssql://erp-sql01:1433/ERP.dbo.gl_balances", "mssql://erp-sql01:1433/ERP.dbo.invoices", "https://api.ecb.europa.eu/fx-rates"),  # noqa: E501
        ("file://fs01/finance/close/consolidated.xlsx", "file://fs01/finance/reports/variance.xlsx", "imap://mail.acme.internal/finance-reports"),  # noqa: E501
        ("https://hooks.slack.com", "https://sheets.googleapis.com"),
    ),
    "hr": (
        ("postgres://hr-db:5432/hris.public.employees", "postgres://hr-db:5432/hris.public.payroll", "postgres://hr-db:5432/hris.public.absences"),  # noqa: E501
        ("file://fs01/hr/reports/headcount.xlsx", "imap://mail.acme.internal/hr-notifications"),
        ("https://hooks.slack.com", "https://api.docusign.net", "https://sheets.googleapis.com"),
    ),
    "marketing": (
        ("postgres://dwh:5432/dwh.marketing.campaign_stats", "postgres://crm-db:5432/crm.public.customers", "snowflake://acme.eu-west-1/ANALYTICS.PUBLIC.WEB_EVENTS"),  # noqa: E501
        ("file://fs01/marketing/leads/weekly-leads.csv", "https://api.hubapi.com"),
        ("https://api.hubapi.com", "https://us21.api.mailchimp.com", "https://hooks.slack.com"),
    ),
    "sales": (
        ("postgres://crm-db:5432/crm.public.opportunities", "postgres://crm-db:5432/crm.public.customers", "file://fs01/shared/public/price-list.xlsx"),  # noqa: E501
        ("file://fs01/sales/forecast/pipeline.xlsx", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://hooks.slack.com", "https://sheets.googleapis.com"),  # noqa: E501
    ),
    "operations": (
        ("mssql://erp-sql01:1433/ERP.dbo.inventory_levels", "postgres://dwh:5432/dwh.sales.orders"),
        ("file://fs01/operations/shift-plan.xlsx", "imap://mail.acme.internal/ops-alerts"),
        ("https://hooks.slack.com",),
    ),
    "legal": (
        ("file://fs01/legal/contracts", "postgres://crm-db:5432/crm.public.customers"),
        ("file://fs01/legal/registers/contract-register.xlsx",),
        ("https://api.docusign.net", "https://pastebin.com"),
    ),
    "it-ops": (
        ("postgres://itsm-db:5432/itsm.public.incidents", "postgres://hr-db:5432/hris.public.employees"),  # noqa: E501
        ("postgres://itsm-db:5432/itsm.public.incidents", "file://fs01/it/reports/licences.csv"),
        ("https://hooks.slack.com", "https://pastebin.com"),
    ),
    "customer-service": (
        ("postgres://crm-db:5432/crm.public.tickets", "postgres://crm-db:5432/crm.public.customers"),  # noqa: E501
        ("postgres://crm-db:5432/crm.public.tickets", "imap://mail.acme.internal/support"),
        ("https://hooks.slack.com", "https://sheets.googleapis.com"),
    ),
    "procurement": (
        ("mssql://erp-sql01:1433/ERP.dbo.vendors", "mssql://erp-sql01:1433/ERP.dbo.purchase_orders"),  # noqa: E501
        ("file://fs01/procurement/spend-cube.xlsx", "imap://mail.acme.internal/procurement"),
        ("https://api.docusign.net", "https://sheets.googleapis.com"),
    ),
    "supply-chain": (
        ("mssql://erp-sql01:1433/ERP.dbo.inventory_levels", "mssql://erp-sql01:1433/ERP.dbo.purchase_orders"),  # noqa: E501
        ("file://fs01/supply/reorder-plan.xlsx",),
        ("https://hooks.slack.com",),
    ),
    "data-analytics": (
        ("postgres://dwh:5432/dwh.sales.orders", "snowflake://acme.eu-west-1/ANALYTICS.PUBLIC.WEB_EVENTS", "postgres://crm-db:5432/crm.public.customers"),  # noqa: E501
        ("snowflake://acme.eu-west-1/ANALYTICS.PUBLIC.DAILY_KPIS", "file://fs01/analytics/exports/kpi.csv"),  # noqa: E501
        ("https://hooks.slack.com", "https://sheets.googleapis.com"),
    ),
}  # fmt: skip

# namespace -> tasks (slug, title)
TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "finance": (("month-end-close", "Month-end close consolidation"), ("invoice-matching", "Three-way invoice matching"), ("fx-rates-refresh", "Daily FX rates refresh"), ("expense-audit", "Expense claim audit"), ("cash-forecast", "13-week cash forecast"), ("ap-aging-report", "AP aging report"), ("budget-variance", "Budget variance pack"), ("intercompany-recon", "Intercompany reconciliation")),  # noqa: E501
    "hr": (("onboarding-checklist", "New joiner onboarding"), ("leaver-access-report", "Leaver access report"), ("absence-summary", "Monthly absence summary"), ("payroll-check", "Payroll sanity check"), ("headcount-report", "Headcount report"), ("cv-screening", "CV screening helper")),  # noqa: E501
    "marketing": (("lead-scoring", "Lead scoring"), ("campaign-report", "Weekly campaign report"), ("newsletter-sync", "Newsletter list sync"), ("social-post-drafts", "Social post drafts"), ("seo-keyword-pull", "SEO keyword pull"), ("event-signups", "Event sign-up import")),  # noqa: E501
    "sales": (("pipeline-forecast", "Pipeline forecast"), ("quote-generator", "Quote generator"), ("crm-dedupe", "CRM de-duplication"), ("win-loss-summary", "Win/loss summary"), ("territory-report", "Territory report"), ("renewal-reminders", "Renewal reminders")),  # noqa: E501
    "operations": (("shift-planner", "Shift planner"), ("kpi-dashboard-feed", "Ops KPI dashboard feed"), ("incident-digest", "Incident digest"), ("capacity-check", "Capacity check"), ("facility-requests", "Facility request router")),  # noqa: E501
    "legal": (("contract-expiry-alerts", "Contract expiry alerts"), ("nda-generator", "NDA generator"), ("clause-extractor", "Clause extractor"), ("litigation-hold-list", "Litigation hold list")),  # noqa: E501
    "it-ops": (("licence-reclaim", "Licence reclaim"), ("stale-account-sweep", "Stale account sweep"), ("backup-verify", "Backup verification"), ("patch-report", "Patch compliance report"), ("ticket-triage", "Ticket triage"), ("cert-expiry-check", "Certificate expiry check")),  # noqa: E501
    "customer-service": (("ticket-summariser", "Ticket summariser"), ("csat-survey", "CSAT survey sender"), ("escalation-router", "Escalation router"), ("refund-approvals", "Refund approvals"), ("faq-drafts", "FAQ answer drafts")),  # noqa: E501
    "procurement": (("vendor-onboarding", "Vendor onboarding"), ("po-approvals", "PO approval chaser"), ("spend-cube", "Spend cube refresh"), ("supplier-risk-check", "Supplier risk check")),  # noqa: E501
    "supply-chain": (("reorder-planner", "Reorder planner"), ("shipment-tracker", "Shipment tracker"), ("stock-alerts", "Low stock alerts"), ("demand-forecast", "Demand forecast")),  # noqa: E501
    "data-analytics": (("daily-kpis", "Daily KPI build"), ("churn-model", "Churn model scoring"), ("web-funnel", "Web funnel report"), ("data-quality-checks", "Data quality checks"), ("exec-dashboard", "Executive dashboard extract")),  # noqa: E501
}  # fmt: skip

VARIANTS = ("", "emea", "na", "apac", "v2", "weekly", "de", "uk", "fr", "legacy", "pilot")

# platform -> weight, and where such automations live
PLATFORMS: dict[str, tuple[int, str]] = {
    "python": (16, "//fs01/{ns}/scripts/{name}.py"),
    "vba": (12, "//fs01/{ns}/workbooks/{name}.xlsm"),
    "power-automate": (12, "https://make.powerautomate.com/environments/acme/flows/{name}"),
    "powershell": (7, "//fs01/{ns}/scripts/{name}.ps1"),
    "notebook": (6, "//fs01/{ns}/notebooks/{name}.ipynb"),
    "apps-script": (5, "https://script.google.com/d/{name}"),
    "zapier": (6, "https://zapier.com/app/zaps/{name}"),
    "make": (4, "https://eu1.make.com/scenarios/{name}"),
    "n8n": (4, "https://n8n.acme.internal/workflow/{name}"),
    "uipath": (5, "https://cloud.uipath.com/acme/processes/{name}"),
    "power-automate-desktop": (4, "//rpa01/flows/{name}"),
    "cron": (4, "rpa01:/etc/cron.d/{name}"),
    "windows-task": (4, "\\\\ws-{ns}-07\\Tasks\\{name}"),
    "airflow": (3, "https://airflow.acme.internal/dags/{name}"),
    "node-red": (2, "https://nodered.acme.internal/#flow/{name}"),
    "logic-apps": (2, "https://portal.azure.com/#logicapps/{name}"),
    "github-actions": (2, "https://github.acme.internal/{ns}/{name}/actions"),
    "shell": (2, "rpa01:/opt/jobs/{name}.sh"),
}

CRONS = (
    "0 6 * * 1-5", "0 7 * * *", "30 5 1 * *", "0 6 1 * *", "*/15 8-18 * * 1-5", "0 * * * *",
    "0 18 * * 5", "0 2 * * *", "15 9 * * 1", "0 12 * * *", "0 8 15 * *", "0 4 * * 0",
)  # fmt: skip
EVENTS = (
    "new email in the shared inbox", "file dropped in the share", "form submitted",
    "new row in the CRM", "ticket created", "approval requested",
)  # fmt: skip
JUSTIFICATIONS = (
    "Replaces {d} days of manual work every month.",
    "Saves about {h} hours a week of copy and paste between systems.",
    "Required for the monthly management report; replaces a manual checklist.",
    "Cuts turnaround from {d} days to under an hour.",
    "Feeds a regulatory report; errors were frequent when done by hand.",
)  # fmt: skip
