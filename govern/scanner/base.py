"""The detector interface: a name, what it recognises, and ``analyze``.

A detector claims files cheaply (name, extension, folder, first bytes), then
``analyze`` looks at the structure and returns findings, or nothing when the file
is not an automation after all (library code, data, documentation).
"""

from __future__ import annotations

from typing import ClassVar

from govern.scanner.artifact import Artifact
from govern.scanner.model import Finding


class Detector:
    """Subclass, set the class attributes, implement ``analyze``; register with @register."""

    name: ClassVar[str] = ""
    platform: ClassVar[str] = "other"
    extensions: ClassVar[tuple[str, ...]] = ()
    filenames: ClassVar[tuple[str, ...]] = ()
    priority: ClassVar[int] = 50  # lower runs first; the first detector that finds wins
    keywords: ClassVar[tuple[tuple[str, str], ...]] = ()
    sniffs: ClassVar[bool] = False  # also offered extension-less / .txt files by content

    def claims(self, relpath_lower: str, name: str, ext: str) -> bool:
        """Extra cheap path rule (folders like cron.d, .github/workflows)."""
        return False

    def sniff(self, head: str) -> bool:
        """Content rule for files whose name says nothing (first few KB, decoded)."""
        return False

    def analyze(self, art: Artifact) -> list[Finding]:  # pragma: no cover - interface
        raise NotImplementedError

    def finding(self, art: Artifact, name: str | None = None, **kwargs) -> Finding:
        """A finding for ``art`` with this detector's platform and defaults."""
        return Finding(
            location=art.location,
            platform=kwargs.pop("platform", self.platform),
            name=(name or art.stem or art.name)[:300],
            detector=self.name,
            size=art.size,
            mtime=art.mtime,
            **kwargs,
        )
