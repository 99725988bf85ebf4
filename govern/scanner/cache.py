"""Per-target incremental cache: (path, size, mtime, hash) -> what the scan found there.

An unchanged file is not read again; a file missing from the tree is reported as
removed so its discovery can be marked gone. Stored in a small SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

VERSION = 3  # bump when detectors change what they extract
NOTHING = '{"findings": [], "skipped": null}'
_NOTHING: dict = {"findings": [], "skipped": None}


class ScanCache:
    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, tuple[int, int, str, str]] = {}
        self.fresh: dict[str, tuple[int, int, str, str]] = {}
        self.dirty = False
        if path is not None and path.exists():
            self._load()

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        conn.execute(
            "create table if not exists files (location text primary key, size integer, "
            "mtime_ns integer, hash text, payload text)"
        )
        conn.execute("create table if not exists meta (key text primary key, value text)")
        return conn

    def _load(self) -> None:
        try:
            conn = self._connect()
            row = conn.execute("select value from meta where key='version'").fetchone()
            if row and int(row[0]) == VERSION:
                for loc, size, mtime, digest, payload in conn.execute("select * from files"):
                    self.entries[loc] = (size, mtime, digest, payload)
            conn.close()
        except (sqlite3.DatabaseError, ValueError):
            self.entries = {}  # a corrupt cache only costs a cold scan

    def lookup(self, location: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
        entry = self.entries.get(location)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        self.fresh[location] = entry
        return _NOTHING if entry[3] == NOTHING else json.loads(entry[3])

    def store(self, location: str, size: int, mtime_ns: int, digest: str, payload: dict) -> None:
        text = (
            NOTHING
            if not payload.get("findings") and not payload.get("skipped")
            else json.dumps(payload)
        )
        self.fresh[location] = (size, mtime_ns, digest, text)
        self.dirty = True

    def removed(self) -> list[str]:
        return sorted(set(self.entries) - set(self.fresh))

    def save(self) -> None:
        if self.path is None:
            return
        if not self.dirty and len(self.fresh) == len(self.entries) and self.path.exists():
            return  # an unchanged tree: nothing to write
        try:
            conn = self._connect()
        except sqlite3.DatabaseError:  # corrupt: start a fresh cache file
            self.path.unlink(missing_ok=True)
            conn = self._connect()
        with conn:
            conn.execute("delete from files")
            conn.executemany(
                "insert into files values (?, ?, ?, ?, ?)",
                [(loc, *values) for loc, values in self.fresh.items()],
            )
            conn.execute("insert or replace into meta values ('version', ?)", (str(VERSION),))
        conn.close()
