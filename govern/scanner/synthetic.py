"""Synthetic automations of every detected type, with planted FAKE secrets and ground truth.

Used by the demo share, the benchmark share and the tests. Every secret made here
is fake (random characters after a provider prefix, marked FAKE where the shape allows).
"""

# ruff: noqa: E501 - templates and data lines are kept verbatim

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Planted:
    """One generated automation and what a perfect scanner reports for it."""

    location: str  # relative to the share root: a file or a project folder
    platform: str
    trigger: str
    ai: list[str] = field(default_factory=list)
    secrets: list[tuple[str, str, int]] = field(default_factory=list)  # (type, value, line)
    files: dict[str, bytes] = field(default_factory=dict)

    def truth(self) -> dict:
        return {
            "location": self.location,
            "platform": self.platform,
            "trigger": self.trigger,
            "ai": sorted(self.ai),
            "secrets": [
                {"type": t, "line": ln, "file": self.location} for t, _, ln in self.secrets
            ],
        }


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def fake_openai(rng):
    return "sk-proj-FAKE" + _rand(rng, 40)


def fake_anthropic(rng):
    return "sk-ant-api03-FAKE" + _rand(rng, 40)


def fake_slack_webhook(rng):
    return f"https://hooks.slack.com/services/T{_rand(rng, 8, string.ascii_uppercase + string.digits)}/B{_rand(rng, 8, string.ascii_uppercase + string.digits)}/{_rand(rng, 24)}"


def fake_password(rng):
    return "Pw" + _rand(rng, 10) + "!9"


def fake_aws(rng):
    return "AKIA" + _rand(rng, 16, string.ascii_uppercase + string.digits)


def fake_pplx(rng):
    return "pplx-" + _rand(rng, 48)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def python_script(rng, name):
    key = fake_openai(rng)
    pwd = fake_password(rng)
    text = f'''"""Monthly ledger summary for finance ({name})."""
import os
import pandas as pd
import pyodbc
from openai import OpenAI

OPENAI_KEY = "{key}"
CONN = "DRIVER={{ODBC Driver 17 for SQL Server}};SERVER=erp-sql{rng.randint(1, 9)};DATABASE=ERP;UID=report;PWD={pwd};"


def main():
    df = pd.read_sql("select * from gl_balances", pyodbc.connect(CONN))
    client = OpenAI(api_key=OPENAI_KEY)
    summary = client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": df.to_csv()}}])
    df.to_excel(r"\\\\fs01\\finance\\close\\{name}.xlsx")
    print(summary)


if __name__ == "__main__":
    main()
'''
    return Planted(
        f"{name}.py",
        "python",
        "manual",
        ["openai"],
        [
            ("openai-api-key", key, _line_of(text, key)),
            ("connection-string-password", pwd, _line_of(text, pwd)),
        ],
        {f"{name}.py": text.encode()},
    )


def powershell(rng, name):
    pwd = fake_password(rng)
    text = f"""# Export open tickets and mail them
$secure = ConvertTo-SecureString '{pwd}' -AsPlainText -Force
$rows = Invoke-Sqlcmd -ServerInstance "sql{rng.randint(1, 9)}.corp.local" -Database "Helpdesk" -Query "select * from tickets"
$rows | Export-Csv -Path "\\\\fs02\\support\\{name}.csv"
Send-MailMessage -SmtpServer "smtp.corp.local" -To "team@corp.local" -Subject "Tickets" -Attachments "\\\\fs02\\support\\{name}.csv"
"""
    return Planted(
        f"{name}.ps1",
        "powershell",
        "manual",
        [],
        [("powershell-securestring", pwd, 2)],
        {f"{name}.ps1": text.encode()},
    )


def shell(rng, name):
    text = f"""#!/bin/bash
# nightly export
set -euo pipefail
mysqldump -h db{rng.randint(1, 9)}.corp.local -u backup orders > /data/exports/{name}.sql
curl -s -H "Authorization: Bearer $API_TOKEN" https://api.example-crm.io/v1/export -o /data/exports/{name}.json
mailx -s "export done" ops@corp.local < /dev/null
"""
    return Planted(f"{name}.sh", "shell", "manual", [], [], {f"{name}.sh": text.encode()})


def batch(rng, name):
    text = f"""@echo off
REM wrapper run by Task Scheduler
cd /d D:\\jobs\\{name}
"C:\\Python311\\python.exe" "D:\\jobs\\{name}\\{name}.py" >> D:\\jobs\\{name}\\run.log 2>&1
"""
    return Planted(f"{name}.bat", "batch", "manual", [], [], {f"{name}.bat": text.encode()})


def vba(rng, name):
    key = fake_openai(rng)
    text = f'''Attribute VB_Name = "{name}"
Const API_ENDPOINT As String = "https://api.openai.com/v1/chat/completions"
Const API_KEY As String = "{key}"

Sub Auto_Open()
    Call Summarise
End Sub

Sub Summarise()
    Dim http As Object
    Set http = CreateObject("MSXML2.XMLHTTP")
    http.Open "POST", API_ENDPOINT, False
    http.SetRequestHeader "Authorization", "Bearer " & API_KEY
    http.Send "{{}}"
End Sub
'''.replace("\n", "\r\n")
    return Planted(
        f"{name}.bas",
        "vba",
        "event",
        ["openai"],
        [("openai-api-key", key, 3)],
        {f"{name}.bas": text.encode("cp1252")},
    )


def notebook(rng, name):
    key = fake_anthropic(rng)
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Ticket triage\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "outputs": [],
            "source": [
                "import anthropic\n",
                f'client = anthropic.Anthropic(api_key="{key}")\n',
                "import pandas as pd\n",
                'df = pd.read_csv("tickets.csv")\n',
            ],
        },
    ]
    doc = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return Planted(
        f"{name}.ipynb",
        "notebook",
        "manual",
        ["anthropic"],
        [("anthropic-api-key", key, 2)],
        {f"{name}.ipynb": json.dumps(doc, indent=1).encode()},
    )


def n8n(rng, name):
    pplx = fake_pplx(rng)

    def nid():
        return f"{_rand(rng, 8, 'abcdef0123456789')}-{_rand(rng, 4, 'abcdef0123456789')}-4{_rand(rng, 3, 'abcdef0123456789')}-a{_rand(rng, 3, 'abcdef0123456789')}-{_rand(rng, 12, 'abcdef0123456789')}"  # noqa: E731

    doc = {
        "name": f"Daily research digest {name}",
        "nodes": [
            {
                "id": nid(),
                "name": "Schedule",
                "type": "n8n-nodes-base.scheduleTrigger",
                "position": [0, 0],
                "typeVersion": 1.2,
                "parameters": {"rule": {"interval": [{"triggerAtHour": 7}]}},
            },
            {
                "id": nid(),
                "name": "Ask Perplexity",
                "type": "n8n-nodes-base.httpRequest",
                "position": [200, 0],
                "typeVersion": 4,
                "parameters": {
                    "url": "https://api.perplexity.ai/chat/completions",
                    "method": "POST",
                    "headerParameters": {
                        "parameters": [{"name": "Authorization", "value": f"Bearer {pplx}"}]
                    },
                },
            },
            {
                "id": nid(),
                "name": "OpenAI Chat Model",
                "type": "@n8n/n8n-nodes-langchain.lmChatOpenAi",
                "position": [400, 200],
                "parameters": {"model": "gpt-4o-mini"},
                "credentials": {"openAiApi": {"id": "1", "name": "OpenAi account"}},
            },
            {
                "id": nid(),
                "name": "Slack",
                "type": "n8n-nodes-base.slack",
                "position": [600, 0],
                "parameters": {
                    "channelId": {"__rl": True, "value": "C0123", "cachedResultName": "research"},
                    "text": "={{ $json.text }}",
                },
                "credentials": {"slackOAuth2Api": {"id": "2", "name": "Slack account"}},
            },
            {
                "id": nid(),
                "name": "Sticky Note",
                "type": "n8n-nodes-base.stickyNote",
                "position": [0, 300],
                "parameters": {"content": "Put your key here: Bearer YOUR_API_KEY"},
            },
        ],
        "connections": {
            "Schedule": {"main": [[{"node": "Ask Perplexity", "type": "main", "index": 0}]]}
        },
        "active": True,
        "settings": {"timezone": "Europe/Berlin"},
        "versionId": nid(),
    }
    text = json.dumps(doc, indent=2)
    return Planted(
        f"{name}.json",
        "n8n",
        "schedule",
        ["openai", "perplexity"],
        [("perplexity-api-key", pplx, _line_of(text, pplx))],
        {f"{name}.json": text.encode()},
    )


def power_automate(rng, name):
    doc = {
        "properties": {
            "displayName": f"Flag invoices {name}",
            "definition": {
                "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
                "triggers": {
                    "Recurrence": {
                        "type": "Recurrence",
                        "recurrence": {
                            "frequency": "Day",
                            "interval": 1,
                            "schedule": {"hours": ["6"]},
                        },
                    }
                },
                "actions": {
                    "Get_items": {
                        "type": "OpenApiConnection",
                        "inputs": {
                            "host": {
                                "apiId": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline",
                                "operationId": "GetItems",
                                "connectionName": "shared_sharepointonline",
                            },
                            "parameters": {
                                "dataset": "https://contoso.sharepoint.com/sites/finance",
                                "table": "Invoices",
                            },
                        },
                    },
                    "Send_mail": {
                        "type": "OpenApiConnection",
                        "inputs": {
                            "host": {
                                "apiId": "/providers/Microsoft.PowerApps/apis/shared_office365",
                                "operationId": "SendEmailV2",
                                "connectionName": "shared_office365",
                            }
                        },
                    },
                },
            },
            "connectionReferences": {
                "shared_sharepointonline": {
                    "connectionName": "shared-sharepointonl-1",
                    "source": "Embedded",
                    "id": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline",
                }
            },
        }
    }
    return Planted(
        f"{name}.json",
        "power-automate",
        "schedule",
        [],
        [],
        {f"{name}.json": json.dumps(doc, indent=2).encode()},
    )


def logic_app(rng, name):
    doc = {
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": {
                "Recurrence": {
                    "type": "Recurrence",
                    "recurrence": {"frequency": "Hour", "interval": 2},
                }
            },
            "actions": {
                "Chat": {
                    "type": "ServiceProvider",
                    "inputs": {
                        "serviceProviderConfiguration": {
                            "connectionName": "openai",
                            "operationId": "getChatCompletions",
                            "serviceProviderId": "/serviceProviders/openai",
                        }
                    },
                }
            },
        },
        "kind": "Stateful",
    }
    return Planted(
        f"{name}/workflow.json",
        "logic-apps",
        "schedule",
        ["azure-openai"],
        [],
        {
            f"{name}/workflow.json": json.dumps(doc, indent=2).encode(),
            "host.json": b'{"version":"2.0","extensionBundle":{"id":"Microsoft.Azure.Functions.ExtensionBundle.Workflows"}}',
        },
    )


def node_red(rng, name):
    tab = _rand(rng, 16, "0123456789abcdef")
    doc = [
        {"id": tab, "type": "tab", "label": f"Report {name}"},
        {
            "id": _rand(rng, 16, "0123456789abcdef"),
            "type": "inject",
            "z": tab,
            "crontab": "00 08 * * 1-5",
            "repeat": "",
            "x": 100,
            "y": 80,
            "wires": [["b"]],
        },
        {
            "id": "b",
            "type": "http request",
            "z": tab,
            "url": "https://api.openai.com/v1/chat/completions",
            "method": "POST",
            "x": 300,
            "y": 80,
            "wires": [[]],
        },
    ]
    return Planted(
        f"{name}.json",
        "node-red",
        "schedule",
        ["openai"],
        [],
        {f"{name}.json": json.dumps(doc).encode()},
    )


def zapier(rng, name):
    doc = {
        "metadata": {"version": "gdpr_v1"},
        "zaps": [
            {
                "id": rng.randint(10**7, 10**8),
                "title": f"Leads to sheet {name}",
                "status": "on",
                "nodes": {
                    "1": {
                        "id": 1,
                        "account_id": 5,
                        "customuser_id": 77,
                        "paused": False,
                        "type_of": "read",
                        "selected_api": "GoogleSheetsV2CLIAPI@2.10.1",
                        "action": "updated_row_notify_hook",
                        "params": {"spreadsheet": "1Ab" + _rand(rng, 30)},
                        "meta": {},
                        "authentication_id": 9,
                        "root_id": None,
                        "parent_id": None,
                        "title": "New row",
                    },
                    "2": {
                        "id": 2,
                        "account_id": 5,
                        "customuser_id": 77,
                        "paused": False,
                        "type_of": "write",
                        "selected_api": "OpenAiCLIAPI@1.19.2",
                        "action": "send_prompt",
                        "params": {"model": "gpt-4o"},
                        "meta": {},
                        "authentication_id": 10,
                        "root_id": 1,
                        "parent_id": 1,
                        "title": "Summarise",
                    },
                },
            }
        ],
    }
    return Planted(
        f"{name}.json",
        "zapier",
        "event",
        ["openai"],
        [],
        {f"{name}.json": json.dumps(doc).encode()},
    )


def make(rng, name):
    doc = {
        "name": f"Digest {name}",
        "flow": [
            {
                "id": 1,
                "module": "google-sheets:watchRows",
                "version": 2,
                "parameters": {"__IMTCONN__": 123},
                "mapper": {},
                "metadata": {
                    "designer": {"x": 0, "y": 0},
                    "restore": {
                        "parameters": {
                            "__IMTCONN__": {
                                "label": "ops@corp.example.org",
                                "data": {"connection": "google"},
                            }
                        }
                    },
                },
            },
            {
                "id": 2,
                "module": "anthropic-claude:createAMessage",
                "version": 1,
                "mapper": {"model": "claude-3-5-sonnet"},
                "metadata": {"designer": {"x": 300, "y": 0}},
            },
            {
                "id": 3,
                "module": "email:ActionSendEmail",
                "version": 7,
                "mapper": {"to": ["boss@corp.example.org"]},
                "metadata": {"designer": {"x": 600, "y": 0}},
            },
        ],
        "metadata": {
            "instant": False,
            "version": 1,
            "scenario": {"roundtrips": 1, "maxErrors": 3},
            "designer": {"orphans": []},
            "zone": "eu1.make.com",
        },
    }
    return Planted(
        f"{name}.json",
        "make",
        "schedule",
        ["anthropic"],
        [],
        {f"{name}.json": json.dumps(doc, indent=1).encode()},
    )


def uipath(rng, name):
    project = {
        "name": name,
        "main": "Main.xaml",
        "dependencies": {
            "UiPath.Excel.Activities": "[2.22.3]",
            "UiPath.Mail.Activities": "[1.20.1]",
        },
        "schemaVersion": "4.0",
        "studioVersion": "23.10",
        "projectVersion": "1.0.0",
        "expressionLanguage": "VisualBasic",
        "runtimeOptions": {"isAttended": False},
        "designOptions": {"projectProfile": "Business"},
    }
    xaml = f"""<Activity mc:Ignorable="sap sap2010" x:Class="Main" xmlns="http://schemas.microsoft.com/netfx/2009/xaml/activities" xmlns:ui="http://schemas.uipath.com/workflow/activities" xmlns:x="http://schemas.microsoft.com/winfx/2006/xaml" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
  <Sequence DisplayName="Main">
    <ui:ExcelApplicationScope WorkbookPath="C:\\Users\\jdoe\\Documents\\{name}.xlsx" />
    <ui:SendSmtpMailMessage Server="smtp.corp.local" Port="587" Email="robot@corp.local" />
  </Sequence>
</Activity>
"""
    return Planted(
        name,
        "uipath",
        "schedule",
        [],
        [],
        {
            f"{name}/project.json": json.dumps(project, indent=2).encode(),
            f"{name}/Main.xaml": xaml.encode(),
        },
    )


def apps_script(rng, name):
    key = fake_openai(rng)
    code = f"""function setup() {{
  ScriptApp.newTrigger('run').timeBased().atHour(6).everyDays(1).create();
}}

function run() {{
  const API_KEY = '{key}';
  const sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Leads');
  const res = UrlFetchApp.fetch('https://api.openai.com/v1/chat/completions', {{method: 'post', headers: {{Authorization: 'Bearer ' + API_KEY}}}});
  MailApp.sendEmail('sales@corp.example.org', 'Leads', res.getContentText());
}}
"""
    manifest = {
        "timeZone": "Europe/Paris",
        "runtimeVersion": "V8",
        "oauthScopes": ["https://www.googleapis.com/auth/script.external_request"],
    }
    return Planted(
        name,
        "apps-script",
        "schedule",
        ["openai"],
        [("openai-api-key", key, 6)],
        {
            f"{name}/Code.gs": code.encode(),
            f"{name}/appsscript.json": json.dumps(manifest).encode(),
        },
    )


def pad(rng, name):
    pwd = fake_password(rng)
    text = f"""Excel.LaunchExcel.LaunchAndOpen Path: $'''C:\\Reports\\{name}.xlsx''' Visible: False Instance=> ExcelInstance
Excel.ReadFromExcel.ReadAllCells Instance: ExcelInstance ReadAsText: False ExcelData=> ExcelData
SET Total TO 0
LOOP FOREACH Row IN ExcelData
    SET Total TO Total + 1
END
Email.SendEmail.AuthenticateAndSend SMTPServer: $'''smtp.corp.local''' Port: 587 EnableSSL: True Username: $'''robot''' Password: '{pwd}' From: $'''robot@corp.local''' To: $'''boss@corp.local''' Subject: $'''Report'''
"""
    return Planted(
        f"{name}.txt",
        "power-automate-desktop",
        "manual",
        [],
        [("password-assignment", pwd, 7)],
        {f"{name}.txt": text.encode()},
    )


def crontab(rng, name):
    text = f"""MAILTO=ops@corp.local
# m h dom mon dow command
15 2 * * * /opt/jobs/{name}.py >> /var/log/{name}.log 2>&1
"""
    return Planted(f"{name}.cron", "cron", "schedule", [], [], {f"{name}.cron": text.encode()})


def systemd(rng, name):
    timer = f"[Unit]\nDescription=Run {name}\n\n[Timer]\nOnCalendar=*-*-* 05:00:00\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n"
    service = f"[Unit]\nDescription={name}\n\n[Service]\nType=oneshot\nUser=svc_{name[:8]}\nExecStart=/usr/bin/python3 /opt/{name}/main.py\n"
    return Planted(
        f"{name}.timer",
        "systemd-timer",
        "schedule",
        [],
        [],
        {f"{name}.timer": timer.encode(), f"{name}.service": service.encode()},
    )


def windows_task(rng, name):
    xml = f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Author>CORP\\jdoe</Author><URI>\\{name}</URI></RegistrationInfo>
  <Triggers><CalendarTrigger><StartBoundary>2024-01-01T06:30:00</StartBoundary><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers>
  <Principals><Principal id="Author"><UserId>CORP\\jdoe</UserId><LogonType>Password</LogonType></Principal></Principals>
  <Actions Context="Author"><Exec><Command>C:\\Python311\\python.exe</Command><Arguments>D:\\jobs\\{name}.py</Arguments></Exec></Actions>
</Task>
"""
    return Planted(
        f"{name}.xml", "windows-task", "schedule", [], [], {f"{name}.xml": xml.encode("utf-16")}
    )


def github_actions(rng, name):
    text = f"""name: Daily {name}
on:
  schedule:
    - cron: "0 6 * * 1-5"
  workflow_dispatch:
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python report.py
        env:
          OPENAI_API_KEY: ${{{{ secrets.OPENAI_API_KEY }}}}
"""
    return Planted(
        f"{name}/.github/workflows/daily.yml",
        "github-actions",
        "schedule",
        [],
        [],
        {f"{name}/.github/workflows/daily.yml": text.encode()},
    )


def airflow(rng, name):
    text = f'''from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {{"owner": "data-eng", "email": ["data@corp.local"], "start_date": datetime(2024, 1, 1)}}

with DAG("{name}", default_args=default_args, schedule_interval="0 1 * * *", catchup=False) as dag:
    BashOperator(task_id="extract", bash_command="python /opt/etl/{name}.py")
'''
    return Planted(f"{name}.py", "airflow", "schedule", [], [], {f"{name}.py": text.encode()})


GENERATORS: dict[str, Callable] = {
    "python": python_script,
    "powershell": powershell,
    "shell": shell,
    "batch": batch,
    "vba": vba,
    "notebook": notebook,
    "n8n": n8n,
    "power-automate": power_automate,
    "logic-apps": logic_app,
    "node-red": node_red,
    "zapier": zapier,
    "make": make,
    "uipath": uipath,
    "apps-script": apps_script,
    "power-automate-desktop": pad,
    "cron": crontab,
    "systemd-timer": systemd,
    "windows-task": windows_task,
    "github-actions": github_actions,
    "airflow": airflow,
}


def library_module(rng) -> bytes:
    """Python library code: defs only, relative imports. Not an automation."""
    return f'''"""Helpers."""
from .core import Base

__all__ = ["parse"]


def parse(value):
    return Base(value).strip()  # {_rand(rng, 6)}
'''.encode()


def generate(root: Path, platform: str, name: str, rng: random.Random, folder: str = "") -> Planted:
    """Write one automation under root/folder and return its truth (location relative to root)."""
    planted = GENERATORS[platform](rng, name)
    for rel, data in planted.files.items():
        path = root / folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if folder:
        planted.location = f"{folder}/{planted.location}"
    return planted
