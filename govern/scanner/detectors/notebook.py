"""Jupyter notebooks (nbformat 4): code cells concatenated, outputs scanned too."""

from __future__ import annotations

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register


def _src(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


@register
class Notebook(Detector):
    """Jupyter notebooks (nbformat 4): code cells concatenated, outputs scanned too."""

    name = "notebook"
    platform = "notebook"
    extensions = (".ipynb",)
    priority = 20

    def analyze(self, art: Artifact) -> list[Finding]:
        doc = art.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
            return []
        code, outputs = [], []
        for cell in doc["cells"]:
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            code.append(_src(cell.get("source")))
            for out in cell.get("outputs") or []:
                if isinstance(out, dict):
                    outputs.append(_src(out.get("text")))
                    data = out.get("data") or {}
                    if isinstance(data, dict):
                        outputs.append(_src(data.get("text/plain")))
        if not any(c.strip() for c in code):
            return []
        meta = doc.get("metadata") or {}
        title = (
            (meta.get("colab") or {}).get("name") if isinstance(meta.get("colab"), dict) else None
        )
        f = self.finding(art, title)
        f.generic_signals = False
        f.triggers.append(trigger("manual", None, "run interactively"))
        body = "\n".join(code) + "\n" + "\n".join(outputs)
        enrich_text(f, art, body)
        kernel = (
            (meta.get("kernelspec") or {}).get("name")
            if isinstance(meta.get("kernelspec"), dict)
            else None
        )
        f.extra["kernel"] = kernel
        if isinstance(meta.get("colab"), dict):
            f.extra["colab"] = True
        return [f]
