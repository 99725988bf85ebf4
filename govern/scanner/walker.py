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


def display(path: str) -> str:
    """A printable, JSON-safe form of a path with undecodable bytes."""
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def walk(root: str, *, ignore: tuple[str, ...] = (), max_depth: int = 64) -> Iterator[Entry]:
    """Files under ``root`` (or ``root`` itself). Problems come back as entries with ``error``."""
    root = os.path.abspath(root)
    try:
        top = os.stat(root)
    except OSError as exc:
        yield Entry(root, root, os.path.basename(root), None, f"unreadable: {exc.strerror}")
        return
    if not os.path.isdir(root):
        yield Entry(root, os.path.dirname(root), os.path.basename(root), top)
        return
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)  # order does not matter: results are sorted later
        except OSError as exc:
            yield Entry(
                folder, root, _rel(folder, root), None, f"unreadable folder: {exc.strerror}"
            )
            continue
        if any(e.name == "pyvenv.cfg" for e in entries) and folder != root:
            continue  # a virtual environment
        subfolders = []
        for entry in entries:
            rel = _rel(entry.path, root)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                yield Entry(entry.path, root, rel, None, f"unreadable: {exc.strerror}")
                continue
            if is_dir:
                if entry.name.lower() in DEFAULT_IGNORE_DIRS or _ignored(rel, entry.name, ignore):
                    continue
                if depth + 1 > max_depth:
                    yield Entry(entry.path, root, rel, None, f"deeper than {max_depth} folders")
                    continue
                subfolders.append((entry.path, depth + 1))
                continue
            if _ignored(rel, entry.name, ignore):
                continue
            if is_link and os.path.isdir(entry.path):
                yield Entry(entry.path, root, rel, None, "symlinked folder not followed")
                continue
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                reason = "broken symlink" if is_link else f"unreadable: {exc.strerror}"
                yield Entry(entry.path, root, rel, None, reason)
                continue
            yield Entry(entry.path, root, rel, st)
        stack.extend(reversed(subfolders))


def _rel(path: str, root: str) -> str:
    """Path relative to ``root`` by slicing (``os.path.relpath`` costs more than the stat)."""
    rel = path[len(root) + 1 :] if path.startswith(root + os.sep) else os.path.relpath(path, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel
