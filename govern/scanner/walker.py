"""Walking a file tree safely: no symlinked folders (no loops), bounded depth, ignores."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_IGNORE_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "virtualenv",
        "site-packages",
        "dist-packages",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
        ".cache",
        "bower_components",
        ".terraform",
        "$recycle.bin",
        ".trash",
    }
)


@dataclass
class Entry:
    path: str  # filesystem path (may contain surrogate escapes)
    root: str
    rel: str  # posix path relative to the root
    stat: os.stat_result | None
    error: str | None = None
    folder: str | None = None  # the folder listed, when the file came from a listing
    name: str = ""


class Folder:
    """What one listing of a folder found, kept by the incremental cache.

    ``mtime_ns`` is the folder's mtime before it was listed, or None when the folder
    must be listed again next time (it held symlinks, special files or errors, or it
    changed too recently to trust its mtime). ``by_name`` are files whose result
    depends on their name only (documents, media, data: never opened), ``by_content``
    maps the other files to the (size, mtime_ns) they had when analysed.
    """

    __slots__ = ("mtime_ns", "subdirs", "by_name", "by_content")

    def __init__(
        self,
        mtime_ns: int | None,
        subdirs: list[str],
        by_name: list[str],
        by_content: dict[str, tuple[int, int]],
    ):
        self.mtime_ns = mtime_ns
        self.subdirs = subdirs
        self.by_name = by_name
        self.by_content = by_content

    def same(self, other: Folder | None) -> bool:
        return (
            other is not None
            and self.mtime_ns == other.mtime_ns
            and self.subdirs == other.subdirs
            and self.by_name == other.by_name
            and self.by_content == other.by_content
        )


class Memo:
    """The walker's side of the incremental cache: folders as last listed, and this walk's.

    A folder whose mtime is the one recorded has the same entries (creating, removing
    or renaming an entry updates a folder's mtime), so it is not listed again: its
    files by name are taken as present and unchanged, its other files are ``stat``-ed
    and compared by size and mtime (git's index and untracked cache work the same way).
    """

    def __init__(self, previous: dict[str, Folder], trust_before_ns: int, coarse_before_ns: int):
        self.previous = previous
        self.current: dict[str, Folder] = {}
        self.unchanged: list[str] = []  # paths of unchanged files read by content
        self.unchanged_by_name = 0
        self.listed = 0  # folders listed again
        self.unchanged_folders = 0  # folders not listed: their mtime is as recorded
        self.trust_before_ns = trust_before_ns  # folders with sub-second mtimes
        self.coarse_before_ns = coarse_before_ns  # folders with an mtime on a whole second


def display(path: str) -> str:
    """A printable, JSON-safe form of a path with undecodable bytes."""
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def walk(
    root: str,
    *,
    ignore: tuple[str, ...] = (),
    max_depth: int = 64,
    memo: Memo | None = None,
) -> Iterator[Entry]:
    """Files under ``root`` (or ``root`` itself). Problems come back as entries with ``error``.

    With a ``memo`` (the incremental cache), unchanged files are not yielded: they are
    counted in ``memo.unchanged_by_name`` or listed in ``memo.unchanged``, and
    ``memo.current`` records every folder walked. This is the hot loop of a rescan.
    """
    root = os.path.abspath(root)
    try:
        top = os.stat(root)
    except OSError as exc:
        yield Entry(root, root, os.path.basename(root), None, f"unreadable: {exc.strerror}")
        return
    if not os.path.isdir(root):
        yield Entry(root, os.path.dirname(root), os.path.basename(root), top)
        return
    prefix = len(root) + (0 if root.endswith(os.sep) else 1)  # "/" stays "/"
    plain = os.sep == "/"
    sep = os.sep
    stat = os.stat
    previous = memo.previous if memo is not None else {}
    current = memo.current if memo is not None else {}
    unchanged = memo.unchanged if memo is not None else []
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        before = previous.get(folder)
        mtime = None
        if memo is not None:
            try:
                mtime = stat(folder).st_mtime_ns
            except OSError:
                mtime = None
        if before is not None and mtime is not None and before.mtime_ns == mtime:
            # an unchanged folder: same entries, not listed again
            record = current[folder] = before
            memo.unchanged_folders += 1  # type: ignore[union-attr]
            memo.unchanged_by_name += len(before.by_name)  # type: ignore[union-attr]
            base = folder + sep
            changed = None
            for name, seen in before.by_content.items():
                path = base + name
                try:
                    st = stat(path, follow_symlinks=False)
                except OSError:
                    st = None
                if st is not None and st.st_mtime_ns == seen[1] and st.st_size == seen[0]:
                    unchanged.append(path)
                    continue
                if changed is None:  # copy on write: ``before`` stays as loaded
                    changed = record = current[folder] = Folder(
                        mtime, list(before.subdirs), list(before.by_name), dict(before.by_content)
                    )
                del record.by_content[name]  # re-added by the engine once analysed
                if st is None:
                    record.mtime_ns = None  # raced with a change: list it next time
                    continue
                rel = path[prefix:] if plain else _rel(path, root)
                yield Entry(path, root, rel, st, folder=folder, name=name)
            if depth < max_depth:
                stack.extend((base + d, depth + 1) for d in reversed(before.subdirs))
            continue
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)  # order does not matter: results are sorted later
        except OSError as exc:
            yield Entry(
                folder, root, _rel(folder, root), None, f"unreadable folder: {exc.strerror}"
            )
            continue
        if memo is not None:
            memo.listed += 1
        if folder != root and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment
        trusted = mtime is not None and (
            mtime < memo.trust_before_ns  # type: ignore[union-attr]
            if mtime % 1_000_000_000
            else mtime < memo.coarse_before_ns  # type: ignore[union-attr]
        )
        record = Folder(mtime if trusted else None, [], [], {})
        if memo is not None:
            current[folder] = record
        known_name = set(before.by_name) if before is not None else ()
        known_content = before.by_content if before is not None else {}
        subfolders = []
        for entry in entries:
            path = entry.path
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                record.mtime_ns = None
                yield Entry(path, root, _rel(path, root), None, f"unreadable: {exc.strerror}")
                continue
            name = entry.name
            if is_dir:
                rel = path[prefix:] if plain else _rel(path, root)
                if name.lower() in DEFAULT_IGNORE_DIRS or _ignored(rel, name, ignore):
                    continue
                if depth + 1 > max_depth:
                    record.mtime_ns = None
                    yield Entry(path, root, rel, None, f"deeper than {max_depth} folders")
                    continue
                subfolders.append((path, depth + 1))
                record.subdirs.append(name)
                continue
            if ignore and _ignored(path[prefix:] if plain else _rel(path, root), name, ignore):
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            if regular and name in known_name:  # its result depends on its name only
                record.by_name.append(name)
                memo.unchanged_by_name += 1  # type: ignore[union-attr]
                continue
            if not regular:
                record.mtime_ns = None  # symlinks, FIFOs, ...: list this folder every time
            try:
                st = entry.stat()
            except OSError as exc:
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    is_link = False
                reason = "broken symlink" if is_link else f"unreadable: {exc.strerror}"
                yield Entry(path, root, _rel(path, root), None, reason)
                continue
            seen = known_content.get(name)
            is_file = st.st_mode & 0o170000 == 0o100000  # a regular file (or a link to one)
            if seen is not None and is_file and seen[1] == st.st_mtime_ns and seen[0] == st.st_size:
                record.by_content[name] = seen
                unchanged.append(path)
                continue
            if st.st_mode & 0o170000 == 0o040000 and entry.is_symlink():
                yield Entry(path, root, _rel(path, root), None, "symlinked folder not followed")
                continue
            rel = path[prefix:] if plain else _rel(path, root)
            yield Entry(path, root, rel, st, folder=folder if is_file else None, name=name)
        stack.extend(reversed(subfolders))


def _rel(path: str, root: str) -> str:
    """Path relative to ``root`` by slicing (``os.path.relpath`` costs more than the stat)."""
    rel = path[len(root) + 1 :] if path.startswith(root + os.sep) else os.path.relpath(path, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel
