"""Detectors from other packages plug in through the ``govern.detectors`` entry-point group."""

from __future__ import annotations

import sys

from scanner_support import run

from govern.scanner import registry

PLUGIN = '''
from govern.scanner.base import Detector
from govern.scanner.model import trigger


class RexxDetector(Detector):
    """REXX execs on a mainframe share."""

    name = "rexx"
    platform = "other"
    extensions = (".rexx",)

    def analyze(self, art):
        if "say" not in art.lowered:
            return []
        f = self.finding(art)
        f.triggers.append(trigger("manual"))
        return [f]
'''


def test_entry_point_plugin_is_loaded(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "govern_rexx").mkdir(parents=True)
    (site / "govern_rexx" / "__init__.py").write_text(PLUGIN)
    dist = site / "govern_rexx-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: govern-rexx\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[govern.detectors]\nrexx = govern_rexx:RexxDetector\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        assert "rexx" in registry.names()
        share = tmp_path / "share"
        share.mkdir()
        (share / "job.rexx").write_text("/* REXX */\nsay 'hello'\n")
        found = run([share])["discoveries"]
        assert [(d["detector"], d["platform"]) for d in found] == [("rexx", "other")]
    finally:
        registry._REGISTRY.pop("rexx", None)
        sys.modules.pop("govern_rexx", None)


def test_every_builtin_detector_is_documented():
    for det in registry.load():
        assert det.name and det.platform
        assert type(det).__doc__ and type(det).__doc__.strip()
        assert (
            det.extensions
            or det.filenames
            or det.sniffs
            or type(det).claims is not registry.Detector.claims
        )
