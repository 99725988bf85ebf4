"""Proxy logs (Squid, CSV, JSON Lines) reveal shadow AI and automation-SaaS use."""

# ruff: noqa: E501 - templates and data lines are kept verbatim

from __future__ import annotations

import json

from scanner_support import run

SQUID = """1700000000.123    250 10.0.0.5 TCP_TUNNEL/200 5120 CONNECT api.openai.com:443 alice HIER_DIRECT/1.2.3.4 -
1700000100.000    120 10.0.0.5 TCP_MISS/200 2048 POST https://api.openai.com/v1/chat/completions alice HIER_DIRECT/1.2.3.4 application/json
1700000200.000     80 10.0.0.9 TCP_MISS/200 512 POST https://hooks.zapier.com/hooks/catch/1/abc/ bob HIER_DIRECT/5.6.7.8 text/html
1700000300.000     80 10.0.0.9 TCP_MISS/200 999 GET https://www.wikipedia.org/ bob HIER_DIRECT/5.6.7.8 text/html
garbage line
"""


def test_squid_log(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(SQUID)
    result = run([], egress_logs=[log])
    by_host = {d["extra"]["host"]: d for d in result["discoveries"]}
    assert set(by_host) == {"api.openai.com", "hooks.zapier.com"}
    openai = by_host["api.openai.com"]
    assert openai["platform"] == "saas-usage" and openai["ai_services"] == ["openai"]
    assert openai["extra"]["requests"] == 2 and openai["extra"]["bytes"] == 7168
    assert openai["owner_hint"] == "alice" and openai["extra"]["clients"][0]["client"] == "10.0.0.5"
    zap = by_host["hooks.zapier.com"]
    assert zap["extra"]["kind"] == "automation-saas" and zap["ai_services"] == []
    assert any("not a Squid" in s["reason"] for s in result["scan"]["skipped"])


def test_csv_and_jsonl_logs(tmp_path):
    csv_log = tmp_path / "proxy.csv"
    csv_log.write_text(
        "timestamp,user,src_ip,url,bytes_out,bytes\n"
        "1,carol,10.1.1.1,https://api.anthropic.com/v1/messages,4000,300\n"
        "2,dave,10.1.1.2,https://api.anthropic.com/v1/messages,1000,100\n"
        "3,dave,10.1.1.2,https://intranet.corp/,10,10\n"
    )
    jsonl = tmp_path / "egress.jsonl"
    jsonl.write_text(
        "\n".join(
            json.dumps(r)
            for r in (
                {
                    "user": "erin",
                    "client": "10.2.0.1",
                    "url": "https://generativelanguage.googleapis.com/v1/x",
                    "bytes_out": 50,
                },
                {
                    "user": "erin",
                    "client": "10.2.0.1",
                    "url": "http://10.2.0.1:11434/api/chat",
                    "bytes_out": 70,
                },
                {
                    "user": "frank",
                    "client": "10.2.0.2",
                    "url": "https://hook.eu1.make.com/abc",
                    "bytes_out": 5,
                },
            )
        )
    )
    result = run([], egress_logs=[csv_log, jsonl])
    by_host = {d["extra"]["host"]: d for d in result["discoveries"]}
    anthropic = by_host["api.anthropic.com"]
    assert anthropic["extra"]["bytes_out"] == 5000 and anthropic["extra"]["distinct_users"] == 2
    assert by_host["generativelanguage.googleapis.com"]["ai_services"] == ["google-gemini"]
    assert by_host["hook.eu1.make.com"]["extra"]["service"] == "make"
