"""Every manifest example in docs/manifest.md validates (or fails exactly as documented)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govern.registry.manifest import parse_text, validate

DOC = Path(__file__).resolve().parent.parent / "docs" / "manifest.md"
BLOCK = re.compile(r"```(yaml|json|console)\n(.*?)```", re.S)


def _blocks():
    return [(lang, body) for lang, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _examples():
    return [
        (lang, body)
        for lang, body in _blocks()
        if lang in ("yaml", "json") and "apiVersion" in body and "{...}" not in body
    ]


@pytest.mark.parametrize(("lang", "body"), _examples())
def test_documented_example(lang, body):
    result = validate(parse_text(body, f"example.{lang}"))
    assert result.documents
    if body.startswith("# invalid"):
        assert result.problems
    else:
        assert result.problems == [], [str(p) for p in result.problems]


def test_documented_error_output_is_what_govern_prints(runner, tmp_path, monkeypatch):
    invalid = next(body for _, body in _examples() if body.startswith("# invalid"))
    console = next(body for lang, body in _blocks() if lang == "console")
    monkeypatch.chdir(tmp_path)
    Path("expense-bot.yaml").write_text(invalid)
    result = runner("register", "expense-bot.yaml")
    assert result.exit_code == 2
    expected = [line for line in console.splitlines() if line.startswith(("error:", "4 problem"))]
    assert result.output.splitlines() == expected


def test_there_are_examples_of_every_kind():
    kinds = set(re.findall(r"kind\"?: \"?(Automation|Asset|Person)", DOC.read_text()))
    assert kinds == {"Automation", "Asset", "Person"}
