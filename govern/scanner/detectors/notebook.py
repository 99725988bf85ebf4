"""Jupyter notebooks (nbformat 4): code cells concatenated, outputs scanned too."""

from __future__ import annotations

import re

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.detectors.python_script import ACTION
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

# reading or writing a local data file is analysis; a share, a database, a service, mail,
# an AI model, a subprocess or a credential makes the notebook an automation
LOCAL_IO = re.compile(
    r"(?:pd|pandas)\.read_|\.to_(?:csv|excel)|open\(|openpyxl|shutil\.|os\.(?:remove|rename)"
)


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
        if not isinstance(doc, dict):
            return []
        cells = doc.get("cells")
        if not isinstance(cells, list) and isinstance(doc.get("worksheets"), list):
            # nbformat 3: cells inside worksheets, code in "input"
            cells = [
                {**c, "source": c.get("input", c.get("source"))}
                for ws in doc["worksheets"]
                if isinstance(ws, dict)
                for c in ws.get("cells") or []
                if isinstance(c, dict)
            ]
        if not isinstance(cells, list):
            return []
        code, outputs = [], []
        for cell in cells:
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
        if not (
            f.reads or f.writes or f.calls or f.ai_services or f.secrets or f.credentials
        ) and all(LOCAL_IO.match(m.group(1)) for m in ACTION.finditer("\n".join(code))):
            return []  # analysis: computes and plots, touches nothing outside the notebook
        kernel = (
            (meta.get("kernelspec") or {}).get("name")
            if isinstance(meta.get("kernelspec"), dict)
            else None
        )
        f.extra["kernel"] = kernel
        if isinstance(meta.get("colab"), dict):
            f.extra["colab"] = True
        return [f]
