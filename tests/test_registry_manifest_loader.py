"""The manifest YAML loader builds documents itself for speed; it must give exactly what
``yaml.safe_load`` followed by dates-as-text gives, and the same errors."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from govern.registry.manifest import _dates_to_text, parse_text

CASES = {
    "plain": "apiVersion: govern/v1\nkind: Automation\nmetadata: {name: a, namespace: hr}\n"
    "spec: {platform: python, owner: a@example.com, tags: [x, 'y', \"z\"]}\n",
    "scalars": "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: yes\ng: 0x1f\nh: .inf\ni: ''\nj: '1'\n"
    "k: -3\nl: +4\nm: 1_000\nn: .NaN\n",
    "dates": "spec:\n  expires: 2027-01-31\n  at: 2027-01-31T10:00:00Z\n  quoted: '2027-01-31'\n",
    "keys": "1: one\ntrue: yes\n2027-01-31: date\nnull: nothing\n1.5: f\n",
    "anchors": "base: &b {platform: python, tags: [a]}\ncopy: *b\nlist: [*b, *b]\n",
    "merge": "base: &b {platform: python, owner: x@e.com}\nspec:\n  <<: *b\n  owner: y@e.com\n",
    "tags": "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!binary aGVsbG8=\ne: !!set {x, y}\n",
    "nested": "a:\n  - b:\n      - c: [1, {d: 2027-01-01}]\n",
    "block": "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n",
    "duplicate": "a: 1\na: 2\n",
    "several": "---\nkind: Person\n---\n---\nkind: Asset\n",
}


def reference(text: str) -> list:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return [_dates_to_text(d) for d in docs]


@pytest.mark.parametrize("name", sorted(CASES))
def test_loader_matches_safe_load(name):
    text = CASES[name]
    result = parse_text(text, "t.yaml")
    mappings = [d for d in reference(text) if isinstance(d, dict)]
    assert [d.body for d in result.documents] == mappings
    for body in (d.body for d in result.documents):
        assert all(isinstance(k, str) for k in body)


def test_dates_become_text():
    body = parse_text("spec: {expires: 2027-01-31}\n", "t.yaml").documents[0].body
    assert body["spec"]["expires"] == "2027-01-31" == dt.date(2027, 1, 31).isoformat()


@pytest.mark.parametrize(
    "text",
    ["a: !custom 1\n", "a: =\n", "a: <<\n", "a: [1\n", "? [1, 2]\n: x\n", "a: &x [*x]\nb: 1\n"],
)
def test_loader_errors_and_oddities_match_safe_load(text):
    try:
        expected = reference(text)
    except (yaml.YAMLError, RecursionError) as exc:
        result = parse_text(text, "t.yaml") if not isinstance(exc, RecursionError) else None
        if result is not None:
            assert result.problems and "not valid YAML" in result.problems[0].message
        return
    assert [d.body for d in parse_text(text, "t.yaml").documents] == expected


def test_non_mapping_documents_are_reported():
    result = parse_text("- 1\n- 2\n---\n2027-01-31\n", "t.yaml")
    assert not result.documents and len(result.problems) == 2
    assert "got a list" in result.problems[0].message or "list" in result.problems[0].message
