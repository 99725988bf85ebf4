"""Scanner benchmark: a synthetic share, scanned cold and warm, versus detect-secrets and rg.

    .venv/bin/python benchmarks/scanner.py            # >= 20,000 files, >= 300 MB under /tmp
    .venv/bin/python benchmarks/scanner.py --quick    # a small tree, a smoke run

Prints files/s, MB/s, recall and precision of automations and of secrets against the
ground truth written with the tree, and in the same run the time and secret
recall/precision of detect-secrets and the time of ripgrep with equivalent patterns.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import host

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govern.scanner import synthetic  # noqa: E402

KEY = "benchmark-secret-key-0123456789abcdef"
DEPARTMENTS = (
    "finance",
    "hr",
    "marketing",
    "sales",
    "it",
    "operations",
    "legal",
    "data",
    "support",
    "procurement",
)
RG_PATTERNS = (
    r"sk-(proj-)?[A-Za-z0-9_-]{20,}",
    r"sk-ant-[A-Za-z0-9_-]{20,}",
    r"pplx-[A-Za-z0-9]{40,}",
    r"apify_api_[A-Za-z0-9]{30,}",
    r"xox[baprs]-[A-Za-z0-9-]{10,}",
    r"AKIA[0-9A-Z]{16}",
    r"hooks\.slack\.com/services/",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"(?i)(password|passwd|pwd|secret|api_?key|token)\s*[:=]\s*['\x22][^'\x22]{6,}['\x22]",
    r"(?i)pwd=[^;'\x22\s]{4,}",
    r"(?i)ConvertTo-SecureString\s+'[^']+'\s+-AsPlainText",
    r"(?i)bearer\s+[A-Za-z0-9_\-.=~+/]{16,}",
    r"api\.openai\.com|api\.anthropic\.com|openai\.azure\.com",
    r"n8n-nodes-|Microsoft\.Logic/workflows|schemas\.uipath\.com|SpreadsheetApp\.",
)


def _words(rng: random.Random, n: int) -> str:
    vocab = (
        "the",
        "report",
        "quarter",
        "invoice",
        "meeting",
        "customer",
        "budget",
        "plan",
        "review",
        "team",
        "data",
        "close",
        "ledger",
        "forecast",
        "sales",
        "policy",
    )
    return " ".join(rng.choice(vocab) for _ in range(n))


def generate(root: Path, files: int, megabytes: int, seed: int = 42) -> dict:
    """Write the share; returns the ground truth (also saved as ground_truth.json beside it)."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    truth = {"automations": [], "secrets": []}
    platforms = list(synthetic.GENERATORS)
    n_auto = max(len(platforms) * 2, files // 50)
    count = 0
    templates = []
    for i in range(n_auto):
        platform = platforms[i % len(platforms)]
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        folder = f"{dept}/{rng.choice(('scripts', 'tools', 'projects', 'old', 'shared'))}/{i:05d}"
        planted = synthetic.generate(root, platform, f"auto_{i:05d}", rng, folder=folder)
        templates.append(planted)
        count += len(planted.files)
        truth["automations"].append({"location": planted.location, "platform": planted.platform})
        for kind, _, line in planted.secrets:
            truth["secrets"].append({"file": _secret_file(planted), "line": line, "type": kind})
    # sprawl: copies of single-file automations into other folders
    singles = [p for p in templates if len(p.files) == 1 and p.platform != "github-actions"][:40]
    for i, p in enumerate(singles):
        for j in range(3):
            rel = f"{DEPARTMENTS[(i + j + 1) % len(DEPARTMENTS)]}/copies/c{i:03d}_{j}/{Path(p.location).name}"  # noqa: E501
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / p.location, dest)
            count += 1
            truth["automations"].append({"location": rel, "platform": p.platform})
            for kind, _, line in p.secrets:
                truth["secrets"].append({"file": rel, "line": line, "type": kind})
    # noise: office documents, media and binaries hold most bytes (as on real shares);
    # small text documents, logs, data, JSON and library code hold most files
    budget = megabytes * 1024 * 1024 - sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    remaining = files - count
    n_binary = int(remaining * 0.55)
    n_text = remaining - n_binary
    text_bytes = n_text * 700
    per_binary = max(1024, int((budget - text_bytes) / max(1, n_binary)))
    blob = os.urandom(4 * 1024 * 1024)
    for i in range(n_binary):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        ext = ("png", "pdf", "docx", "xlsx", "jpg", "mp4", "pptx")[i % 7]
        folder = (
            root / dept / rng.choice(("docs", "media", "archive", "reports")) / f"{i % 150:03d}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        size = min(len(blob), int(per_binary * rng.uniform(0.5, 1.5)))
        start = rng.randrange(0, len(blob) - size + 1)
        (folder / f"file_{i}.{ext}").write_bytes(blob[start : start + size])
    kinds = ("doc", "txt", "log", "json", "lib", "csv", "placeholder")
    for i in range(n_text):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        kind = kinds[i % len(kinds)]
        folder = root / dept / rng.choice(("docs", "misc", "reports", "lib/pkg")) / f"{i % 150:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        size = int(700 * rng.uniform(0.3, 1.7))
        if kind == "doc":
            (folder / f"notes_{i}.md").write_text(
                ("# Notes\n" + _words(rng, 12) + "\n") * max(1, size // 90)
            )
        elif kind == "txt":
            (folder / f"memo_{i}.txt").write_text((_words(rng, 14) + "\n") * max(1, size // 100))
        elif kind == "log":
            (folder / f"app_{i}.log").write_text(
                "2024-05-01 12:00:00 INFO request served in 12 ms\n" * max(1, size // 50)
            )
        elif kind == "json":
            (folder / f"data_{i}.json").write_text(
                json.dumps({"rows": [{"id": n, "value": n * 3} for n in range(max(1, size // 25))]})
            )
        elif kind == "lib":
            (folder / "__init__.py").write_text("")
            (folder / f"helpers_{i}.py").write_bytes(synthetic.library_module(rng))
        elif kind == "csv":
            (folder / f"table_{i}.csv").write_text("a,b,c\n" + "1,2,3\n" * max(1, size // 6))
        else:
            (folder / f"readme_{i}.txt").write_text(
                'Set api_key = "YOUR_API_KEY" and password = "<password>" here.\n'
                * max(1, size // 70)
            )
    (root.parent / f"{root.name}.truth.json").write_text(json.dumps(truth))
    return truth


def _secret_file(planted) -> str:
    loc = planted.location
    if not (Path(loc).suffix):  # project folders: the secret is in one of its files
        for rel in planted.files:
            if rel.endswith((".gs", ".py", ".xaml", ".ps1", ".json")) and "appsscript" not in rel:
                return str(Path(loc).parent / rel) if False else f"{loc.rsplit('/', 1)[0]}/{rel}"
    return loc


SCAN_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from govern.scanner.api import scan
t, cpu = time.perf_counter(), time.process_time()
r = scan([Path(sys.argv[1])], secret_key=sys.argv[3], cache_path=Path(sys.argv[2])).as_dict()
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
stats = {k: v for k, v in r["scan"].items() if k not in ("skipped", "removed", "detectors")}
found = [
    {"location": d["location"], "platform": d["platform"],
     "secrets": [{"file": s.get("file"), "line": s["line"]} for s in d["secrets"]]}
    for d in r["discoveries"]
]
out = {"elapsed": elapsed, "cpu": cpu, "rss_mb": rss, "scan": stats, "discoveries": found}
Path(sys.argv[4]).write_text(json.dumps(out))
"""


def run_scanner(root: Path, cache: Path, out: Path) -> dict:
    """One scan in a fresh process; ``elapsed``/``cpu`` time the scan() call alone,
    ``process`` the whole child (interpreter start-up and imports included)."""
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", SCAN_CHILD, str(root), str(cache), KEY, str(out)],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    process = time.perf_counter() - t
    return {**json.loads(out.read_text()), "process": process}


def score(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(truth) if truth else 1.0, tp / len(found) if found else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small tree (smoke run)")
    parser.add_argument(
        "--dir", type=Path, default=Path("/tmp/govern-bench"), help="where to build the tree"
    )
    parser.add_argument("--files", type=int)
    parser.add_argument("--mb", type=int)
    parser.add_argument("--skip-detect-secrets", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the tree already generated under --dir with the same --files/--mb",
    )
    args = parser.parse_args()
    print(host.describe(), flush=True)
    files = args.files or (1000 if args.quick else 20_500)
    mb = args.mb or (20 if args.quick else 320)
    args.dir.mkdir(parents=True, exist_ok=True)
    root = args.dir / "share"
    t = time.perf_counter()
    truth_file = args.dir / "share.truth.json"
    truth = json.loads(truth_file.read_text()) if args.reuse and truth_file.exists() else {}
    if truth.get("params") != {"files": files, "mb": mb}:
        truth = generate(root, files, mb)
        truth["params"] = {"files": files, "mb": mb}
        truth_file.write_text(json.dumps(truth))
    actual_files = sum(1 for f in root.rglob("*") if f.is_file())
    actual_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 1e6
    print(
        f"tree: {actual_files} files, {actual_mb:.0f} MB, {len(truth['automations'])} automations, {len(truth['secrets'])} planted secrets (generated in {time.perf_counter() - t:.1f}s)"  # noqa: E501
    )
    cache = args.dir / "cache.sqlite"
    cache.unlink(missing_ok=True)
    subprocess.run(["sync"], check=False)
    cold = run_scanner(root, cache, args.dir / "cold.json")
    warm = run_scanner(root, cache, args.dir / "warm.json")
    # one edited automation: the rescan re-reads it and rebuilds the result from the cache
    edited = next(
        root / a["location"] for a in truth["automations"] if (root / a["location"]).is_file()
    )
    edited.write_bytes(edited.read_bytes())
    os.utime(edited, ns=(time.time_ns(), time.time_ns()))
    one = run_scanner(root, cache, args.dir / "one.json")
    prefix = str(root) + "/"
    found_auto = {(d["location"].removeprefix(prefix), d["platform"]) for d in cold["discoveries"]}
    truth_auto = {(a["location"], a["platform"]) for a in truth["automations"]}
    a_recall, a_precision = score(found_auto, truth_auto)
    found_sec = {
        (s["file"].removeprefix(prefix), s["line"])
        for d in cold["discoveries"]
        for s in d["secrets"]
    }
    truth_sec = {(s["file"], s["line"]) for s in truth["secrets"]}
    s_recall, s_precision = score(found_sec, truth_sec)
    print(
        f"govern cold: {cold['elapsed']:.2f}s (CPU {cold['cpu']:.2f}s), {actual_files / cold['elapsed']:.0f} files/s, {actual_mb / cold['elapsed']:.1f} MB/s (read {cold['scan']['bytes_read'] / 1e6:.0f} MB), peak RSS {cold['rss_mb']:.0f} MB"  # noqa: E501
    )
    print(
        f"govern warm (unchanged rescan): {warm['elapsed']:.3f}s = {100 * warm['elapsed'] / cold['elapsed']:.1f}% of cold (CPU {warm['cpu']:.3f}s = {100 * warm['cpu'] / cold['cpu']:.1f}% of cold CPU), read {warm['scan']['files_read']} files, listed {warm['scan'].get('folders_listed', '?')} folders, peak RSS {warm['rss_mb']:.0f} MB"  # noqa: E501
    )
    print(
        f"  whole processes (interpreter start-up and imports included): cold {cold['process']:.2f}s, warm {warm['process']:.2f}s"  # noqa: E501
    )
    print(
        f"govern rescan after one edited file: {one['elapsed']:.3f}s = {100 * one['elapsed'] / cold['elapsed']:.1f}% of cold (CPU {one['cpu']:.3f}s), read {one['scan']['files_read']} files"  # noqa: E501
    )
    print(
        f"automations: recall {a_recall:.3f}, precision {a_precision:.3f} ({len(found_auto)} reported, {len(truth_auto)} true)"  # noqa: E501
    )
    print(
        f"secrets:     recall {s_recall:.3f}, precision {s_precision:.3f} ({len(found_sec)} reported, {len(truth_sec)} true)"  # noqa: E501
    )
    rg = shutil.which("rg")
    if rg:
        cmd = (
            [rg, "-uu", "--no-messages", "-c"]
            + [x for p in RG_PATTERNS for x in ("-e", p)]
            + [str(root)]
        )
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        rg_time = time.perf_counter() - t
        print(
            f"ripgrep ({len(RG_PATTERNS)} equivalent patterns): {rg_time:.2f}s; govern cold / ripgrep = {cold['elapsed'] / rg_time:.1f}x (goal <= 30x)"  # noqa: E501
        )
    ds = Path(sys.executable).parent / "detect-secrets"
    if not args.skip_detect_secrets and ds.exists():
        t = time.perf_counter()
        proc = subprocess.run(
            [str(ds), "scan", "--all-files", str(root)],
            capture_output=True,
            text=True,
            check=False,
            cwd=args.dir,
        )
        ds_time = time.perf_counter() - t
        try:
            results = json.loads(proc.stdout)["results"]
        except (ValueError, KeyError):
            results = {}
        ds_found = set()
        for filename, items in results.items():
            rel = str((args.dir / filename).resolve()).removeprefix(str(root.resolve()) + "/")
            for item in items:
                ds_found.add((rel, item["line_number"]))
        d_recall, d_precision = score(ds_found, truth_sec)
        print(
            f"detect-secrets: {ds_time:.2f}s, secrets recall {d_recall:.3f}, precision {d_precision:.3f} ({len(ds_found)} reported)"  # noqa: E501
        )
        print(f"speed-up over detect-secrets: {ds_time / cold['elapsed']:.1f}x (goal >= 20x)")
    print(
        f"summary: files/s={actual_files / cold['elapsed']:.0f} MB/s={actual_mb / cold['elapsed']:.1f} warm/cold={warm['elapsed'] / cold['elapsed']:.3f} peak_rss_mb={max(cold['rss_mb'], warm['rss_mb']):.0f}"  # noqa: E501
    )


if __name__ == "__main__":
    main()
