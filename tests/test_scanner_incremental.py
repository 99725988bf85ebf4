"""Fingerprints survive churn; the per-target cache makes an unchanged rescan read nothing."""

from __future__ import annotations

import json
import os
import time

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


# -- what the cache trusts: folders by mtime, files by size and mtime, documents by name --

OLD = 1_600_000_000  # 2020: folders and files "not changed for years"


def _age(root) -> None:
    """Set every folder's and file's mtime to OLD, as on a share nobody touched lately."""
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (OLD, OLD))
        os.utime(folder, (OLD, OLD))


def _tree(root):
    share(root)
    (root / "docs" / "2019").mkdir(parents=True)
    for i in range(30):
        (root / "docs" / f"report_{i}.pdf").write_bytes(b"%PDF-1.4 " + bytes([i]) * 100)
        (root / "docs" / "2019" / f"table_{i}.csv").write_text("a,b\n1,2\n")
    (root / "docs" / "memo.txt").write_text("meeting notes, nothing to run\n")
    _age(root)


def _listings(monkeypatch) -> list[str]:
    """Record the folders the walker lists (the real os.scandir still runs)."""
    from govern.scanner import walker

    listed: list[str] = []
    real = os.scandir

    def counting(path):
        listed.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(walker.os, "scandir", counting)
    return listed


def _same(a, b) -> bool:
    def key(r):
        return sorted(json.dumps(d, sort_keys=True) for d in r["discoveries"])

    return key(a) == key(b)


def test_unchanged_rescan_lists_no_folder_opens_no_file_and_writes_nothing(tmp_path, monkeypatch):
    root = tmp_path / "share"
    _tree(root)
    cache = tmp_path / "cache.sqlite"
    cold = run([root], cache_path=cache)
    written = (cache.read_bytes(), cache.stat().st_mtime_ns)
    listed = _listings(monkeypatch)
    warm = run([root], cache_path=cache)
    assert listed == []  # every folder's mtime is as recorded: its entries are the same
    assert warm["scan"]["files_read"] == 0 and warm["scan"]["bytes_read"] == 0
    files = sum(1 for p in root.rglob("*") if p.is_file())
    assert warm["scan"]["files_seen"] == cold["scan"]["files_seen"] == files
    assert warm["scan"]["files_cached"] == files and warm["scan"]["removed"] == []
    assert _same(cold, warm) and warm["scan"]["secrets"] == cold["scan"]["secrets"] > 0
    assert (cache.read_bytes(), cache.stat().st_mtime_ns) == written  # not even opened to write


def test_rescan_sees_edits_additions_and_deletions(tmp_path, monkeypatch):
    root = tmp_path / "share"
    _tree(root)
    cache = tmp_path / "cache.sqlite"
    before = by_location(run([root], cache_path=cache), root)["powershell/job_powershell.ps1"]
    # an in-place edit of the same size, with a new mtime (the folder's mtime is unchanged)
    script = root / "powershell" / "job_powershell.ps1"
    body = script.read_text()
    script.write_text(body.replace("$", "#", 1) if "$" in body else "#" + body[1:])
    assert len(script.read_text()) == len(body) and script.read_text() != body
    os.utime(script, (OLD + 60, OLD + 60))
    os.utime(script.parent, (OLD, OLD))
    # a new automation in an unchanged folder, and one in a new sub-folder
    (root / "shell" / "nightly.sh").write_text(
        "#!/bin/bash\ncurl -s https://api.example.net/export > /srv/out.json\n"
    )
    (root / "docs" / "2019" / "deep").mkdir()
    (root / "docs" / "2019" / "deep" / "push.ps1").write_text(
        "Invoke-RestMethod -Uri 'https://hooks.example.net/x' -Method Post\n"
    )
    # deletions: one file, and a whole folder
    (root / "batch" / "job_batch.bat").unlink()
    gone_folder = sorted(p for p in (root / "cron").rglob("*") if p.is_file())
    for p in sorted((root / "cron").rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    (root / "cron").rmdir()
    # a document's content does not matter: it is never opened
    (root / "docs" / "report_3.pdf").write_bytes(b"%PDF-1.7 edited, longer than before")
    listed = _listings(monkeypatch)
    warm = run([root], cache_path=cache)
    # only the folders whose entries changed are listed again
    assert sorted(listed) == sorted(
        str(p)
        for p in (root, root / "shell", root / "batch", root / "docs" / "2019")
        + (root / "docs" / "2019" / "deep",)
    )
    fresh = run([root])  # the same tree without a cache: the rescan must agree
    assert _same(warm, fresh)
    found = by_location(warm, root)
    assert "shell/nightly.sh" in found and "docs/2019/deep/push.ps1" in found
    edited = found["powershell/job_powershell.ps1"]
    assert edited["content_hash"] != before["content_hash"]
    assert warm["scan"]["files_read"] == 3  # the edited script and the two new ones
    assert warm["scan"]["removed"] == sorted(
        [str(root / "batch" / "job_batch.bat"), *map(str, gone_folder)]
    )
    assert warm["scan"]["files_seen"] == fresh["scan"]["files_seen"]
    # and the next rescan is back to reading nothing
    assert run([root], cache_path=cache)["scan"]["files_read"] == 0


def test_cache_trusts_size_and_mtime_like_git(tmp_path):
    """A rewrite that keeps the size and puts the old mtime back is not seen (as in git)."""
    root = tmp_path / "share"
    _tree(root)
    cache = tmp_path / "cache.sqlite"
    before = by_location(run([root], cache_path=cache), root)["python/job_python.py"]
    script = root / "python" / "job_python.py"
    body = script.read_bytes()
    script.write_bytes(body.replace(b"import", b"IMPORT", 1))
    os.utime(script, (OLD, OLD))
    os.utime(script.parent, (OLD, OLD))
    warm = run([root], cache_path=cache)
    assert warm["scan"]["files_read"] == 0
    assert by_location(warm, root)["python/job_python.py"] == before
    os.utime(script, (OLD + 1, OLD + 1))  # any new mtime (an editor, touch, a copy): seen
    again = run([root], cache_path=cache)
    assert again["scan"]["files_read"] == 1


def test_recently_changed_folder_is_listed_again(tmp_path, monkeypatch):
    """A folder changed within seconds of the scan could change again within the same
    timestamp tick: its mtime is not trusted, it is listed again (files still not read)."""
    root = tmp_path / "share"
    _tree(root)
    (root / "docs" / "new.pdf").write_bytes(b"%PDF")
    soon = time.time_ns() + 60 * 10**9  # docs/ "changed just now" whatever the machine's load
    os.utime(root / "docs", ns=(soon, soon))
    cache = tmp_path / "cache.sqlite"
    run([root], cache_path=cache)
    listed = _listings(monkeypatch)
    warm = run([root], cache_path=cache)
    assert listed == [str(root / "docs")]
    assert warm["scan"]["files_read"] == 0
    folders = 1 + sum(1 for p in root.rglob("*") if p.is_dir())
    assert (warm["scan"]["folders_listed"], warm["scan"]["folders_unchanged"]) == (1, folders - 1)


def test_cache_is_keyed_by_ignores_and_secret_key(tmp_path):
    root = tmp_path / "share"
    _tree(root)
    cache = tmp_path / "cache.sqlite"
    run([root], cache_path=cache)
    ignored = run([root], cache_path=cache, ignore=("n8n",))
    assert not any("/n8n/" in d["location"] for d in ignored["discoveries"])
    assert any("/n8n/" in r for r in ignored["scan"]["removed"])
    other_key = "another-secret-key-0123456789-abcdefghij"
    rekeyed = run([root], cache_path=cache, secret_key=other_key)
    assert _same(rekeyed, run([root], secret_key=other_key))
    assert rekeyed["scan"]["files_read"] > 0


def test_outdated_cache_file_means_a_cold_scan(tmp_path):
    import sqlite3

    root = tmp_path / "share"
    share(root)
    cache = tmp_path / "cache.sqlite"
    conn = sqlite3.connect(cache)  # the version 3 layout
    conn.execute(
        "create table files (location text primary key, size integer, "
        "mtime_ns integer, hash text, payload text)"
    )
    conn.execute("create table meta (key text primary key, value text)")
    conn.execute("insert into meta values ('version', '3')")
    conn.commit()
    conn.close()
    cold = run([root], cache_path=cache)
    assert cold["scan"]["files_read"] > 0 and len(cold["discoveries"]) == 20
    assert run([root], cache_path=cache)["scan"]["files_read"] == 0


def test_a_file_given_as_root_and_symlinked_files_are_cached(tmp_path):
    root = tmp_path / "share"
    _tree(root)
    script = root / "python" / "job_python.py"
    (root / "links").mkdir()
    (root / "links" / "job.py").symlink_to(script)
    cache = tmp_path / "cache.sqlite"
    cold = run([script, root], cache_path=cache)
    warm = run([script, root], cache_path=cache)
    assert warm["scan"]["files_read"] == 0
    assert _same(cold, warm) and warm["scan"]["files_seen"] == cold["scan"]["files_seen"]
    assert str(root / "links" / "job.py") in {d["location"] for d in warm["discoveries"]}
    script.write_text(script.read_text() + "\nprint('done')\n")
    again = run([script, root], cache_path=cache)
    assert again["scan"]["files_read"] == 3  # the root file, its copy in the tree, the link
