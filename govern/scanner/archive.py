"""Zip archives (platform exports, Office files) opened with bomb and malformation guards."""

from __future__ import annotations

import io
import os
import zipfile

from govern.scanner.artifact import Container
from govern.scanner.context import Limits


class ArchiveRefused(Exception):
    """The archive is malformed or looks like a zip bomb; the message is the reason."""


class ZipContainer(Container):
    def __init__(self, data: bytes, limits: Limits):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ArchiveRefused(f"malformed zip ({type(exc).__name__})") from None
        if len(infos) > limits.max_archive_members:
            raise ArchiveRefused(
                f"zip has {len(infos)} members (limit {limits.max_archive_members})"
            )
        total = sum(i.file_size for i in infos)
        if total > limits.max_archive_total:
            raise ArchiveRefused(f"zip expands to {total} bytes: possible zip bomb")
        for info in infos:
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if ratio > limits.max_ratio and info.file_size > 1_000_000:
                raise ArchiveRefused("zip compression ratio too high: possible zip bomb")
        self.limits = limits
        self.infos = {i.filename.replace("\\", "/").lstrip("/"): i for i in infos if not i.is_dir()}
        self._lower = {name.lower(): name for name in self.infos}

    def names(self) -> list[str]:
        return sorted(self.infos)

    def read(self, relpath: str, limit: int) -> bytes | None:
        name = self.infos.get(relpath) and relpath or self._lower.get(relpath.lower())
        if not name:
            return None
        info = self.infos[name]
        if info.file_size > min(limit, self.limits.max_member_bytes):
            return None
        try:
            with self.zf.open(info) as handle:
                data = handle.read(min(limit, self.limits.max_member_bytes) + 1)
        except (
            zipfile.BadZipFile,
            RuntimeError,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ):
            return None
        if len(data) > min(limit, self.limits.max_member_bytes):
            return None
        return data

    def exists(self, relpath: str) -> bool:
        return relpath in self.infos or relpath.lower() in self._lower


class FsContainer(Container):
    """Siblings on disk, relative to a scan root."""

    def __init__(self, root: str):
        self.root = root

    def _path(self, relpath: str) -> str:
        return os.path.join(self.root, *relpath.split("/"))

    def read(self, relpath: str, limit: int) -> bytes | None:
        path = self._path(relpath)
        try:
            if not os.path.isfile(path) or os.path.getsize(path) > limit:
                return None
            with open(path, "rb") as handle:
                return handle.read(limit)
        except OSError:
            return None

    def exists(self, relpath: str) -> bool:
        return os.path.exists(self._path(relpath))
