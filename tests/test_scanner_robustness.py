"""Anything on a file share is skipped or handled with a recorded reason; never a crash or hang."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from scanner_support import by_location, run

from govern.scanner.context import Limits

pytestmark = pytest.mark.timeout(60)


def reasons(result) -> dict[str, str]:
    return {Path(s["location"]).name: s["reason"] for s in result["scan"]["skipped"]}


def test_binary_file_with_automation_name_is_skipped(tmp_path):
    (tmp_path / "job.py").write_bytes(b"\x00\x01\x02" * 1000)
    result = run([tmp_path])
    assert result["discoveries"] == []
    assert reasons(result)["job.py"] == "binary content"


def test_huge_file_is_not_read(tmp_path):
    big = tmp_path / "big.py"
    with open(big, "wb") as handle:
        handle.write(b"import requests\nrequests.get('https://a.example.net')\n")
        handle.seek(20 * 1024 * 1024)
        handle.write(b"\n")
    result = run([tmp_path], limits=Limits(max_file_bytes=1024 * 1024))
    assert "larger than" in reasons(result)["big.py"]
    assert result["scan"]["bytes_read"] < 1024 * 1024


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_recorded(tmp_path):
    path = tmp_path / "secret.ps1"
    path.write_text("Get-Date\n")
    path.chmod(0)
    result = run([tmp_path])
    assert "unreadable" in reasons(result)["secret.ps1"]


def test_broken_symlink_and_fifo(tmp_path):
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    os.mkfifo(tmp_path / "pipe.sh")
    result = run([tmp_path])
    got = reasons(result)
    assert got["dangling.py"] == "broken symlink"
    assert got["pipe.sh"] == "not a regular file"


def test_encodings(tmp_path):
    (tmp_path / "latin.bas").write_bytes(
        'Attribute VB_Name = "Résumé"\r\nSub Auto_Open()\r\n  MsgBox "café"\r\nEnd Sub\r\n'.encode(
            "cp1252"
        )
    )
    (tmp_path / "utf16.ps1").write_bytes("Get-ChildItem C:\\data\\report.xlsx\n".encode("utf-16"))
    (tmp_path / "bom.json").write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(
            [{"id": "a", "type": "inject", "z": "t", "repeat": "60", "wires": [[]]}]
        ).encode()
    )
    found = by_location(run([tmp_path]), tmp_path)
    assert found["latin.bas"]["name"] == "Résumé"
    assert found["utf16.ps1"]["platform"] == "powershell"
    assert found["bom.json"]["platform"] == "node-red"


def test_malformed_json_xml_zip(tmp_path):
    (tmp_path / "broken.json").write_text(
        '{"nodes": [{"type": "n8n-nodes-base.cron", "connections": '
    )
    (tmp_path / "task.xml").write_text(
        '<Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Triggers>'
    )
    (tmp_path / "export.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "book.xlsm").write_bytes(b"PK\x03\x04 broken office file")
    result = run([tmp_path])
    got = reasons(result)
    assert got["export.zip"].startswith("malformed zip")
    found = by_location(result, tmp_path)
    assert found["task.xml"]["errors"] == ["task XML is malformed"]
    assert "broken.json" not in found and "book.xlsm" not in found


def test_zip_bomb_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zapfile.json", b"0" * (200 * 1024 * 1024))
    (tmp_path / "bomb.zip").write_bytes(buf.getvalue())
    result = run([tmp_path])
    assert "zip bomb" in reasons(result)["bomb.zip"]


def test_symlink_loop_and_deep_tree(tmp_path):
    loop = tmp_path / "a" / "b"
    loop.mkdir(parents=True)
    (loop / "up").symlink_to(tmp_path / "a", target_is_directory=True)
    deep = tmp_path
    for i in range(40):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "job.sh").write_text("#!/bin/sh\ncurl https://api.example.net\n")
    result = run([tmp_path], limits=Limits(max_depth=20))
    got = reasons(result)
    assert got["up"] == "symlinked folder not followed"
    assert any(r == "deeper than 20 folders" for r in got.values())
    assert result["discoveries"] == []


def test_odd_file_names(tmp_path):
    odd = os.fsencode(tmp_path) + b"/r\xe9sum\xe9 \n job.ps1"
    with open(odd, "wb") as handle:
        handle.write(b"Get-Process\n")
    (tmp_path / "-rf .sh").write_text("#!/bin/sh\nls /\n")
    result = run([tmp_path])
    json.dumps(result)  # locations are JSON-safe
    platforms = sorted(d["platform"] for d in result["discoveries"])
    assert platforms == ["powershell", "shell"]


def test_default_and_configured_ignores(tmp_path):
    for folder in (".git", "node_modules", ".venv", "archive"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "job.ps1").write_text("Get-Date\n")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "env" / "tool.ps1").write_text("Get-Date\n")
    (tmp_path / "keep.ps1").write_text("Get-Date\n")
    result = run([tmp_path], ignore=("archive",))
    assert [Path(d["location"]).name for d in result["discoveries"]] == ["keep.ps1"]


def test_detector_crash_is_recorded_not_raised(tmp_path, monkeypatch):
    from govern.scanner.detectors import powershell

    def boom(self, art):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(powershell.PowerShell, "analyze", boom)
    (tmp_path / "x.ps1").write_text("Get-Date\n")
    result = run([tmp_path])
    assert reasons(result)["x.ps1"] == "detector powershell failed: RuntimeError"
    assert result["scan"]["detector_errors"] == 1
