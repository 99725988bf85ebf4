"""Per-target incremental cache: what the last scan listed and found, so a rescan reads little.

What it trusts, as git does (index and untracked cache):

* a **folder** whose mtime is the one recorded has the same entries (creating,
  removing or renaming an entry updates its folder's mtime), so it is not listed
  again. A folder changed less than a second before the scan (3 s on file systems
  with whole-second timestamps) is listed again next time; one holding symlinks,
  special files or errors every time;
* a **file read by content** whose size and mtime (ns) are those recorded is
  unchanged: it is ``stat``-ed but not opened, its findings come from the cache.
  A rewrite that keeps both (``os.utime`` back to the old value) is not seen;
* a **file classified by name** (documents, media, data: never opened, their result
  depends on the name only) is unchanged while it is still listed, whatever its
  content.

A file missing from the tree is reported as removed so its discovery can be marked
gone. The last result is kept too: when nothing changed it is returned as is. Stored
in a small SQLite file; an unchanged tree writes nothing to it, a changed one writes
only the changed folders and files. The cache is keyed by the scanner's version, the
ignore patterns, the limits and the secret key (secret hashes are keyed): change one
and the next scan is a cold one. Installing a detector plugin calls for a cold scan
too (delete the cache file): cached results do not know the new detector.
"""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from govern import gc_pause
from govern.scanner.walker import Folder, Memo, display

VERSION = 4  # bump when detectors change what they extract (or the layout changes)
# A folder changed this little before the scan is listed again next time: a change
# after the listing could otherwise keep the same mtime. File systems with sub-second
# timestamps (ext4, XFS, NTFS, SMB 2+) tick in milliseconds; whole-second ones (FAT
# keeps 2 s, HFS+, ext3, some NAS) are recognised by an mtime on a whole second.
TRUST_AFTER_NS = 1_000_000_000
TRUST_AFTER_COARSE_NS = 3_000_000_000


class CacheBroken(Exception):
    """The cache file became unreadable during the scan (the engine rescans cold)."""


class ScanCache:
    def __init__(self, path: Path | None, key: str = ""):
        self.path = path
        self.key = f"{VERSION}:{key}"
        self.folders: dict[str, Folder] = {}  # the last scan's folders, trusted
        self.last: dict[str, Folder] = {}  # the same, or an outdated cache's: for removed()
        self.complete = False  # the file held a current cache (else save rewrites it all)
        self.has_result = False
        self.stored: dict[str, tuple[int, int, str, str | None]] = {}
        self._removed: list[str] | None = None
        self.kept: list[str] = []  # files given as roots, found unchanged by ``lookup``
        self.memo: Memo | None = None
        if path is not None and path.exists():
            self._load()
        if path is not None:
            now = time.time_ns()
            self.memo = Memo(self.folders, now - TRUST_AFTER_NS, now - TRUST_AFTER_COARSE_NS)

    # -- reading ---------------------------------------------------------------

    def _load(self) -> None:
        with gc_pause.paused():  # thousands of small containers: no collection passes meanwhile
            self._load_rows()

    def _load_rows(self) -> None:
        try:
            conn = sqlite3.connect(self.path)  # type: ignore[arg-type]
            try:
                meta = dict(conn.execute("select key, value from meta where key != 'result_data'"))
                if meta.get("marshal") != str(marshal.version):
                    return
                loads = marshal.loads
                folders = {
                    path: Folder(mtime, *loads(data))
                    for path, mtime, data in conn.execute(
                        "select path, mtime_ns, data from folders"
                    )
                }
                self.last = folders
                if meta.get("key") != self.key:  # other ignores, limits or secret key:
                    return  # nothing is trusted, the folders only tell what was removed
                self.folders = folders
                self.has_result = meta.get("result") == "1"
                self.complete = True
            finally:
                conn.close()
        except (sqlite3.DatabaseError, ValueError, EOFError, TypeError):
            self.folders, self.last = {}, {}  # a corrupt cache only costs a cold scan
            self.complete = False

    def _read(self, query: str, args: tuple | list = ()) -> list[tuple]:
        assert self.path is not None
        try:
            conn = sqlite3.connect(self.path)
            try:
                return conn.execute(query, args).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            raise CacheBroken from None

    def payloads(self, paths: list[str]) -> dict[str, dict[str, Any]]:
        """Cached findings/skip reasons of unchanged files, for those that have any."""
        if not paths or not self.complete:
            return {}
        rows = self._read("select location, payload from files where payload is not null")
        texts = dict(rows)
        out = {}
        for path in paths:
            location = display(path)
            text = texts.get(location)
            if text is not None:
                out[location] = json.loads(text)
        return out

    def lookup(self, location: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
        """The cached result of one file outside any listed folder (a file given as a
        root), or None when it is new or changed."""
        if not self.complete:
            return None
        rows = self._read(
            "select payload from files where location = ? and size = ? and mtime_ns = ?",
            (location, size, mtime_ns),
        )
        if not rows:
            return None
        self.kept.append(location)
        return json.loads(rows[0][0]) if rows[0][0] else {"findings": [], "skipped": None}

    def unchanged(self) -> bool:
        """Nothing was analysed or removed: the stored result still holds."""
        return self.complete and not self.stored and not self.removed()

    def result(self) -> dict[str, Any] | None:
        """The last scan's result (discoveries and cached skip reasons), if kept."""
        if not self.has_result:
            return None
        rows = self._read("select value from meta where key = 'result_data'")
        try:
            with gc_pause.paused():
                return marshal.loads(rows[0][0]) if rows else None
        except (ValueError, EOFError, TypeError):
            raise CacheBroken from None

    # -- this scan -------------------------------------------------------------

    def store(self, location: str, size: int, mtime_ns: int, digest: str, payload: dict) -> None:
        text = (
            None
            if not payload.get("findings") and not payload.get("skipped")
            else json.dumps(payload)
        )
        self.stored[location] = (size, mtime_ns, digest, text)

    def removed(self) -> list[str]:
        """Files the last scan saw that this one did not (deleted, moved or now ignored)."""
        if self._removed is None:
            gone: list[str] = []
            current = self.memo.current if self.memo is not None else {}
            for folder, before in self.last.items():
                now = current.get(folder)
                if now is before:
                    continue
                names = [*before.by_name, *before.by_content]
                if now is not None:
                    still = set(now.by_name)
                    still.update(now.by_content)
                    names = [n for n in names if n not in still]
                gone.extend(display(os.path.join(folder, n)) for n in names)
            self._removed = sorted(gone)
        return self._removed

    # -- writing ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        conn.execute(
            "create table if not exists files (location text primary key, size integer, "
            "mtime_ns integer, hash text, payload text)"
        )
        conn.execute(
            "create table if not exists folders (path text primary key, mtime_ns integer, "
            "data blob)"
        )
        conn.execute("create table if not exists meta (key text primary key, value text)")
        return conn

    def save(self, result: dict[str, Any] | None = None) -> None:
        """Write what changed: nothing for an unchanged tree, else changed rows and the result."""
        if self.path is None or self.memo is None:
            return
        if self.unchanged() and self.has_result:
            return  # an unchanged tree: nothing to write
        current = self.memo.current
        if self.complete:
            folders = [
                (path, rec)
                for path, rec in current.items()
                if rec is not self.folders.get(path) and not rec.same(self.folders.get(path))
            ]
            dropped = [(path,) for path in self.folders if path not in current]
        else:
            folders, dropped = list(current.items()), []
        dumps = marshal.dumps
        rows = [
            (path, rec.mtime_ns, dumps((rec.subdirs, rec.by_name, rec.by_content)))
            for path, rec in folders
        ]
        try:
            conn = self._connect()
        except sqlite3.DatabaseError:  # corrupt: start a fresh cache file
            self.path.unlink(missing_ok=True)
            conn = self._connect()
        try:
            with conn:
                if not self.complete:  # new, outdated or unreadable: rewrite it whole
                    conn.execute("delete from files")
                    conn.execute("delete from folders")
                    conn.execute("delete from meta")
                else:
                    conn.executemany("delete from folders where path = ?", dropped)
                    conn.executemany(
                        "delete from files where location = ?",
                        [(loc,) for loc in self.removed()],
                    )
                conn.executemany("insert or replace into folders values (?, ?, ?)", rows)
                conn.executemany(
                    "insert or replace into files values (?, ?, ?, ?, ?)",
                    [(loc, *values) for loc, values in self.stored.items()],
                )
                meta = {
                    "key": self.key,
                    "marshal": str(marshal.version),
                    "result": "1" if result is not None else "0",
                    # marshal: the fastest to load, and the result is plain JSON-like data
                    "result_data": marshal.dumps(result) if result is not None else b"",
                }
                conn.executemany("insert or replace into meta values (?, ?)", meta.items())
        except sqlite3.DatabaseError:
            conn.close()
            self.path.unlink(missing_ok=True)  # never leave a half-written cache behind
            return
        conn.close()
