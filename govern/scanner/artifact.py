"""One file (or archive member) under analysis: read once, decoded once, matched once."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govern.scanner import text as textmod

if TYPE_CHECKING:
    from govern.scanner.context import ScanContext

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LEADING_ZERO = re.compile(r"(:\s*)0+(\d)")


class Container:
    """Where an artifact lives, so a detector can read a sibling (project.json, .service)."""

    def read(self, relpath: str, limit: int) -> bytes | None:  # pragma: no cover - interface
        raise NotImplementedError

    def exists(self, relpath: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Artifact:
    location: str
    relpath: str  # posix path inside its container, used for siblings
    data: bytes
    ctx: ScanContext
    container: Container | None = None
    size: int = 0
    mtime: float = 0.0
    owner: str | None = None
    _text: str | None = field(default=None, repr=False)
    _lowered: str | None = field(default=None, repr=False)
    _hits: dict[str, list[int]] | None = field(default=None, repr=False)
    _json: Any = field(default=None, repr=False)
    _json_done: bool = field(default=False, repr=False)
    encoding: str = ""
    json_error: str | None = None

    @property
    def name(self) -> str:
        return posixpath.basename(self.relpath)

    @property
    def lname(self) -> str:
        return self.name.lower()

    @property
    def ext(self) -> str:
        return posixpath.splitext(self.lname)[1]

    @property
    def stem(self) -> str:
        return posixpath.splitext(self.name)[0]

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.relpath)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text, self.encoding = textmod.decode(self.data)
        return self._text

    @property
    def lowered(self) -> str:
        if self._lowered is None:
            low = self.text.lower()
            if len(low) != len(self.text):  # rare Unicode case-mapping changes lengths
                low = self.text.encode("ascii", "replace").decode().lower()
            self._lowered = low
        return self._lowered

    @property
    def hits(self) -> dict[str, list[int]]:
        if self._hits is None:
            self._hits = self.ctx.matcher.scan(self.lowered)
        return self._hits

    def has(self, *tags: str) -> bool:
        return any(self.hits.get(t) for t in tags)

    def json(self) -> Any:
        """Parsed JSON or None; tolerant of BOMs, trailing commas and redacted numbers."""
        if not self._json_done:
            self._json_done = True
            self._json = parse_json(self.text)
            if self._json is None:
                self.json_error = "not valid JSON"
        return self._json

    def sibling(self, relpath: str, limit: int = 2_000_000) -> bytes | None:
        if self.container is None:
            return None
        path = posixpath.normpath(posixpath.join(self.dir, relpath))
        if path.startswith("../"):
            return None
        return self.container.read(path, limit)

    def sibling_exists(self, relpath: str) -> bool:
        if self.container is None:
            return False
        return self.container.exists(posixpath.normpath(posixpath.join(self.dir, relpath)))


def parse_json(text: str) -> Any:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        pass
    try:
        fixed = _LEADING_ZERO.sub(r"\1\2", _TRAILING_COMMA.sub(r"\1", stripped))
        return json.loads(fixed)
    except (ValueError, RecursionError):
        return None
