"""Macro-enabled Office files: VBA source read with oletools (olevba), then analysed as VBA."""

from __future__ import annotations

import io
import logging
import re
import zipfile

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.detectors._common import enrich_text
from govern.scanner.detectors.vba import PROC, vba_triggers
from govern.scanner.model import Finding
from govern.scanner.registry import register

CREATOR = re.compile(r"<dc:creator>([^<]{1,120})</dc:creator>")
MODIFIED_BY = re.compile(r"<cp:lastModifiedBy>([^<]{1,120})</cp:lastModifiedBy>")


@register
class OfficeMacro(Detector):
    """Macro-enabled Office files: VBA source read with oletools (olevba), then analysed as VBA."""

    name = "office-macro"
    platform = "vba"
    extensions = (
        ".xlsm",
        ".xlam",
        ".xlsb",
        ".xls",
        ".docm",
        ".dotm",
        ".doc",
        ".pptm",
        ".potm",
        ".xltm",
    )
    priority = 50

    def analyze(self, art: Artifact) -> list[Finding]:
        code = _macros(art)
        if code is None or not PROC.search(code):
            return []
        f = self.finding(art)
        f.generic_signals = False
        f.extra["container"] = art.ext.lstrip(".")
        vba_triggers(f, code)
        enrich_text(f, art, code)
        _doc_props(f, art.data)
        return [f]


def _macros(art: Artifact) -> str | None:
    from oletools import olevba

    logging.getLogger("olevba").setLevel(logging.CRITICAL)
    try:
        parser = olevba.VBA_Parser(art.name, data=art.data)
    except Exception:  # oletools raises many types on malformed files
        return None
    try:
        if not parser.detect_vba_macros():
            return None
        parts = []
        for _, _, name, code in parser.extract_macros():
            if isinstance(code, bytes):
                code = code.decode("cp1252", "replace")
            if code and code.strip():
                parts.append(f"' --- module {name}\n{code}")
        return "\n".join(parts) if parts else None
    except Exception:
        return None
    finally:
        parser.close()


def _doc_props(f: Finding, data: bytes) -> None:
    if not data.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 200_000:
                return
            core = zf.read(info).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return
    for pattern in (CREATOR, MODIFIED_BY):
        m = pattern.search(core)
        if m:
            f.owner(5, m.group(1).strip())
