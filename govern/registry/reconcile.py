"""Matching discoveries to declared automations, and naming the shadow ones.

A discovery links to a declared automation by location (path suffix match, so
``//fs01/finance/close/x.py`` matches ``/mnt/fs01/finance/close/x.py``), by a
manifest annotation (``govern/location``, ``govern/fingerprint``) or by content
fingerprint. Copies of one shadow automation (same fingerprint) share it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from sqlmodel import Session, col, select

from govern.registry.models import Automation

LOCATION_ANNOTATIONS = ("govern/location", "govern.dev/location")
FINGERPRINT_ANNOTATIONS = ("govern/fingerprint", "govern.dev/fingerprint")
_SLUG = re.compile(r"[^a-z0-9]+")
GENERIC_DIRS = {
    "",
    "mnt",
    "srv",
    "data",
    "share",
    "shares",
    "home",
    "users",
    "tmp",
    "var",
    "opt",
    "c:",
    "d:",
    "e:",
    "fs",
    "files",
    "scripts",
    "public",
}


def norm_location(location: str) -> str:
    """Comparable form: forward slashes, lower case, no scheme, no archive member marker."""
    loc = location.strip().replace("\\", "/").lower()
    for prefix in ("file://", "smb://"):
        if loc.startswith(prefix):
            loc = loc[len(prefix) :]
    loc = re.sub(r"^[a-z]:/", "/", loc)
    return "/" + loc.strip("/")


def _tail(loc: str, parts: int = 2) -> str:
    return "/".join(loc.rsplit("/", parts)[-parts:])


def same_place(a: str, b: str) -> bool:
    """Same file seen from two mounts: equal, or the last 3 path components agree.

    ``//fs01/finance/close/x.py`` (declared) and ``/mnt/fs01/finance/close/x.py``
    (scanned on the file server) are the same place.
    """
    if a == b:
        return True
    pa, pb = a.strip("/").split("/"), b.strip("/").split("/")
    need = min(3, len(pa), len(pb))
    return need >= 2 and pa[-need:] == pb[-need:]


def slug(text: str, limit: int = 63) -> str:
    value = _SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-")
    return value or "automation"


class Matcher:
    """Declared and shadow automations indexed for one ingest."""

    def __init__(self, session: Session):
        self.by_tail: dict[str, list[tuple[str, Automation]]] = defaultdict(list)
        self.by_fingerprint: dict[str, Automation] = {}
        self.shadow_by_fingerprint: dict[str, Automation] = {}
        self.keys: set[str] = set()
        query = select(Automation).where(col(Automation.lifecycle) != "retired")
        for a in session.exec(query):
            self.add(a)

    def add(self, a: Automation) -> None:
        self.keys.add(a.key)
        declared = a.origin in ("declared", "both")
        locations = [a.location] if a.location and declared else []
        annotations = a.annotations or {}
        locations += [annotations[k] for k in LOCATION_ANNOTATIONS if annotations.get(k)]
        for loc in locations:
            n = norm_location(str(loc))
            self.by_tail[_tail(n)].append((n, a))
        prints = [a.fingerprint] if a.fingerprint else []
        prints += [annotations[k] for k in FINGERPRINT_ANNOTATIONS if annotations.get(k)]
        for fp in prints:
            if declared:
                self.by_fingerprint.setdefault(str(fp), a)
            else:
                self.shadow_by_fingerprint.setdefault(str(fp), a)

    def declared_for(self, location: str, fingerprint: str | None) -> Automation | None:
        n = norm_location(location.split("!/", 1)[0] if "!/" in location else location)
        for candidate in (n, norm_location(location)):
            for loc, a in self.by_tail.get(_tail(candidate), []):
                if same_place(loc, candidate):
                    return a
        if fingerprint and fingerprint in self.by_fingerprint:
            return self.by_fingerprint[fingerprint]
        return None

    def shadow_for(self, fingerprint: str | None) -> Automation | None:
        return self.shadow_by_fingerprint.get(fingerprint) if fingerprint else None

    def unique_name(self, namespace: str, base: str, seed: str) -> str:
        name = slug(base, 150)
        if f"{namespace}/{name}" not in self.keys:
            return name
        suffix = hashlib.sha256(seed.encode()).hexdigest()[:6]
        name = f"{slug(base, 140)}-{suffix}"
        counter = 2
        while f"{namespace}/{name}" in self.keys:
            name = f"{slug(base, 140)}-{suffix}-{counter}"
            counter += 1
        return name


def infer_namespace(location: str, roots: list[str], default: str | None) -> str:
    """The team a shadow automation probably belongs to: the target's, else its first folder."""
    if default:
        return slug(default)
    loc = location.replace("\\", "/").split("!/", 1)[0]
    for root in sorted(roots, key=len, reverse=True):
        r = root.replace("\\", "/").rstrip("/")
        if loc.startswith(r + "/"):
            folders = loc[len(r) + 1 :].split("/")[:-1]
            for part in folders:
                if part.lower() not in GENERIC_DIRS and not part.startswith("."):
                    return slug(part)
            break
    return "discovered"


def display_name(name: str) -> str:
    """A file-ish name without its extension, for automation names."""
    base = name.rsplit("/", 1)[-1]
    if re.fullmatch(r"[^ ]+\.[A-Za-z0-9]{1,6}", base):
        return base.rsplit(".", 1)[0]
    return name
