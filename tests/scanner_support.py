"""Helpers for scanner tests: scanning a folder, the shared corpus, planted fake secrets."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from govern.scanner import synthetic
from govern.scanner.api import scan

KEY = "test-secret-key-not-for-production-0123456789"
REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "scanner"
CORPUS = REPO.parent / "shared" / "corpus" / "samples"


def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not found beside the repository (../shared/corpus)")
    return CORPUS


def run(paths, **kwargs) -> dict[str, Any]:
    return scan(
        [Path(p) for p in paths], secret_key=kwargs.pop("secret_key", KEY), **kwargs
    ).as_dict()


def by_location(result: dict[str, Any], root: Path) -> dict[str, dict[str, Any]]:
    prefix = str(root).rstrip("/") + "/"
    return {d["location"].removeprefix(prefix): d for d in result["discoveries"]}


def share(root: Path, seed: int = 1) -> list[synthetic.Planted]:
    """One automation of every generated type, each in its own folder."""
    rng = random.Random(seed)
    return [
        synthetic.generate(
            root, platform, "job_" + platform.replace("-", "_"), rng, folder=platform
        )
        for platform in synthetic.GENERATORS
    ]


def planted_values(planted: list[synthetic.Planted]) -> list[str]:
    return [value for p in planted for _, value, _ in p.secrets]
