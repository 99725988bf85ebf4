"""The benchmark runs (small sizes) and its floor finds exactly the paths the graph finds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_benchmark_quick_run():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "lineage.py"), "--quick", "--no-sqlite"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "graph build:" in out and "goals (wall / cpu time" in out
    found = re.search(r"paths: ([\d,]+) paths .* floor ([\d,]+) paths", out)
    assert found and found.group(1) == found.group(2), out
