"""Fingerprints survive churn; the per-target cache makes an unchanged rescan read nothing."""

from __future__ import annotations

import json
import os

from scanner_support import by_location, run, share

from govern.scanner import fingerprint


def test_fingerprint_ignores_whitespace_ids_and_positions():
    flow = {
        "name": "x",
        "nodes": [
            {
                "id": "3f2a9c1e-1111-4222-8333-444455556666",
                "name": "A",
                "type": "n8n-nodes-base.cron",
                "position": [0, 0],
                "parameters": {"hour": 1},
            },
            {
                "id": "9a8b7c6d-1111-4222-8333-444455556666",
                "name": "B",
                "type": "n8n-nodes-base.slack",
                "position": [10, 0],
                "parameters": {},
            },
        ],
        "connections": {"A": {"main": [[{"node": "B"}]]}},
        "versionId": "v1",
    }
    moved = json.loads(json.dumps(flow))
    moved["nodes"].reverse()
    moved["nodes"][0]["position"] = [500, 900]
    moved["nodes"][0]["id"] = "00000000-aaaa-4bbb-8ccc-dddddddddddd"
    moved["versionId"] = "v2"
    assert fingerprint.of_json(flow) == fingerprint.of_json(moved)
    edited = json.loads(json.dumps(flow))
    edited["nodes"][0]["parameters"]["hour"] = 2
    assert fingerprint.of_json(flow) != fingerprint.of_json(edited)
    code = "def main():\n    run()\n"
    assert fingerprint.of_text(code) == fingerprint.of_text("def main():\n\trun()\n\n\n")
    assert fingerprint.of_text(code) != fingerprint.of_text(code.replace("run", "walk"))


def test_unchanged_rescan_reads_nothing_and_changes_are_seen(tmp_path):
    root = tmp_path / "share"
    share(root)
    (root / "docs").mkdir()
    for i in range(50):
        (root / "docs" / f"note{i}.txt").write_text("meeting notes\n")
    cache = tmp_path / "cache.sqlite"
    cold = run([root], cache_path=cache)
    warm = run([root], cache_path=cache)
    assert warm["scan"]["files_read"] == 0 and warm["scan"]["bytes_read"] == 0
    assert warm["scan"]["files_cached"] == cold["scan"]["files_seen"]

    def strip(r):
        return sorted(
            json.dumps({k: v for k, v in d.items() if k != "copies"}, sort_keys=True)
            for d in r["discoveries"]
        )  # noqa: E731

    assert strip(cold) == strip(warm)
    script = root / "powershell" / "job_powershell.ps1"
    before = by_location(warm, root)["powershell/job_powershell.ps1"]
    script.write_text(script.read_text() + "Write-Host done\n")
    os.utime(script, ns=(1, 10**18))
    (root / "shell" / "job_shell.sh").unlink()
    third = run([root], cache_path=cache)
    assert third["scan"]["files_read"] == 1
    after = by_location(third, root)["powershell/job_powershell.ps1"]
    assert after["content_hash"] != before["content_hash"]
    assert third["scan"]["removed"] == [str(root / "shell" / "job_shell.sh")]
    assert "shell/job_shell.sh" not in by_location(third, root)


def test_corrupt_cache_means_a_cold_scan(tmp_path):
    root = tmp_path / "share"
    share(root)
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"not a database")
    result = run([root], cache_path=cache)
    assert result["scan"]["files_read"] > 0 and len(result["discoveries"]) == 20
