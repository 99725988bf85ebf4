"""The machine a benchmark runs on, printed first so figures from two hosts compare.

Goals stated in seconds or per second depend on the host: the same commit ran about
1.7x slower on one build machine than on another. Every benchmark prints this line:
CPU model, cores, load average, and the time of a fixed pure-Python reference loop
(10 million additions, best of three), the yardstick for scaling a figure between hosts.
"""

from __future__ import annotations

import os
import platform
import time


def reference_seconds() -> float:
    """Best of three runs of a fixed interpreter-bound loop."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"host: {cpu_model()}, {os.cpu_count()} cores, load {load:.1f}, Python "
        f"{platform.python_version()}; reference loop (10M additions) "
        f"{reference_seconds():.2f} s"
    )


if __name__ == "__main__":
    print(describe())
