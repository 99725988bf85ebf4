"""The scan loop: walk, pick detectors cheaply, read each file once, enrich, cache, group."""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import stat as statmod
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from govern.scanner import ai, fingerprint, registry, secrets, signals, text
from govern.scanner.archive import ArchiveRefused, FsContainer, ZipContainer
from govern.scanner.artifact import Artifact, Container
from govern.scanner.base import Detector
from govern.scanner.cache import CacheBroken, ScanCache
from govern.scanner.context import Limits, ScanContext
from govern.scanner.matcher import Matcher
from govern.scanner.model import Finding, Skipped
from govern.scanner.walker import display, walk

ARCHIVE_EXTS = (".zip",)
OFFICE_EXTS = (
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
SNIFF_EXTS = ("", ".txt", ".xml", ".conf", ".cfg", ".job", ".task", ".robin", ".in", ".sh-old")
NEVER_EXTS = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".tif",
        ".tiff",
        ".ico",
        ".svg",
        ".webp",
        ".pdf",
        ".docx",
        ".xlsx",
        ".pptx",
        ".odt",
        ".ods",
        ".odp",
        ".mp3",
        ".mp4",
        ".wav",
        ".avi",
        ".mov",
        ".mkv",
        ".iso",
        ".exe",
        ".dll",
        ".so",
        ".dylib",
        ".o",
        ".a",
        ".class",
        ".jar",
        ".pyc",
        ".pyo",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".rar",
        ".tar",
        ".parquet",
        ".avro",
        ".orc",
        ".db",
        ".sqlite",
        ".mdb",
        ".accdb",
        ".pst",
        ".ost",
        ".msg",
        ".eml",
        ".csv",
        ".tsv",
        ".log",
        ".md",
        ".rst",
        ".html",
        ".htm",
        ".css",
        ".map",
        ".lock",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".bin",
        ".dat",
        ".frx",
        ".pkl",
        ".npy",
        ".npz",
        ".h5",
        ".whl",
        ".egg",
        ".min.js",
    ]
)
Progress = Callable[[int, int, str], None]


def _finding_payload(f: Finding) -> dict[str, Any]:
    data = dataclasses.asdict(f)
    for key, value in data.items():
        if isinstance(value, set):
            data[key] = sorted(value)
    data["owner_hints"] = [list(h) for h in f.owner_hints]
    return data


def _finding_from(data: dict[str, Any]) -> Finding:
    data = dict(data)
    for key in ("reads", "writes", "calls", "ai_services", "ai_models", "credentials", "runs"):
        data[key] = set(data.get(key) or [])
    data["owner_hints"] = [tuple(h) for h in data.get("owner_hints") or []]
    return Finding(**data)


class Engine:
    """One scan's worth of state. Build, call ``scan``, read ``findings`` and stats."""

    def __init__(
        self,
        *,
        secret_key: str,
        ignore: tuple[str, ...] = (),
        cache_path: Path | None = None,
        progress: Progress | None = None,
        limits: Limits | None = None,
    ):
        self.secret_key = secret_key
        self.limits = limits or Limits()
        self.ignore = tuple(ignore)
        self.cache_path = cache_path
        self.cache = ScanCache(cache_path, self._cache_key())
        self.progress = progress
        self._detectors: list[Detector] | None = None
        self._ctx: ScanContext | None = None
        self.findings: list[Finding] = []
        self.skipped: list[Skipped] = []
        self.stats: Counter = Counter()
        self._uids: dict[int, str | None] = {}
        self._by_name = False
        self.discoveries: list[dict[str, Any]] = []

    def _cache_key(self) -> str:
        """What, besides the files, decides a scan's result: ignores, limits, the secret key
        (secret hashes are keyed with it; only a keyed digest of it is stored)."""
        key = hmac.new(self.secret_key.encode(), b"govern-scan-cache", "sha256").hexdigest()
        return json.dumps(
            [list(self.ignore), dataclasses.asdict(self.limits), key[:16]], sort_keys=True
        )

    # -- detectors, built on first need (an unchanged rescan never needs them) --

    def _load(self) -> None:
        self._detectors = registry.load()
        table = [*secrets.KEYWORDS, *signals.KEYWORDS, *ai.KEYWORDS]
        for det in self._detectors:
            table.extend(det.keywords)
        self._ctx = ScanContext(Matcher(table), self.secret_key, self.limits)
        self.by_ext: dict[str, list[Detector]] = defaultdict(list)
        self.by_name: dict[str, list[Detector]] = defaultdict(list)
        self.claimers = [d for d in self._detectors if type(d).claims is not Detector.claims]
        self.sniffers = [d for d in self._detectors if d.sniffs]
        for det in self._detectors:
            for ext in det.extensions:
                self.by_ext[ext].append(det)
            for name in det.filenames:
                self.by_name[name].append(det)

    @property
    def detectors(self) -> list[Detector]:
        if self._detectors is None:
            self._load()
        return self._detectors  # type: ignore[return-value]

    @property
    def ctx(self) -> ScanContext:
        if self._ctx is None:
            self._load()
        return self._ctx  # type: ignore[return-value]

    @property
    def loaded(self) -> bool:
        return self._detectors is not None

    # -- candidates ----------------------------------------------------------

    def candidates(self, rel: str, name: str) -> list[Detector]:
        if self._detectors is None:
            self._load()
        lname = name.lower()
        ext = os.path.splitext(lname)[1]
        found = list(self.by_name.get(lname, ())) + list(self.by_ext.get(ext, ()))
        lrel = rel.lower()
        found += [d for d in self.claimers if d not in found and d.claims(lrel, lname, ext)]
        return sorted(found, key=lambda d: (d.priority, d.name))

    # -- the loop ------------------------------------------------------------

    def scan(self, paths: list[Path]) -> None:
        """Walk, analyse what is new or changed, take the rest from the cache; sets
        ``discoveries`` (contract dicts, sorted by location) and ``skipped``."""
        try:
            self._scan(paths)
        except CacheBroken:  # the cache file broke under us: forget it, scan cold
            assert self.cache_path is not None
            self.cache_path.unlink(missing_ok=True)
            self.cache = ScanCache(self.cache_path, self._cache_key())
            self.findings, self.skipped, self.stats = [], [], Counter()
            self._scan(paths)

    def _scan(self, paths: list[Path]) -> None:
        cache = self.cache
        memo = cache.memo
        current = memo.current if memo is not None else {}
        for root in paths:
            for entry in walk(
                os.fspath(root), ignore=self.ignore, max_depth=self.limits.max_depth, memo=memo
            ):
                location = display(entry.path)
                if entry.error:
                    self._skip(location, entry.error)
                    continue
                self.stats["files_seen"] += 1
                if self.progress and self.stats["files_seen"] % 200 == 0:
                    self.progress(self.stats["files_seen"], self.stats["bytes_read"], location)
                if entry.folder is None and memo is not None:  # a file given as a root
                    kept = cache.lookup(location, entry.stat.st_size, entry.stat.st_mtime_ns)
                    if kept is not None:
                        self.stats["files_cached"] += 1
                        self._cached(location, kept)
                        continue
                by_name = self._file(entry.path, entry.root, entry.rel, location, entry.stat)
                record = current.get(entry.folder) if entry.folder else None
                if record is not None and by_name is not None:
                    if by_name:
                        record.by_name.append(entry.name)
                    else:
                        record.by_content[entry.name] = (entry.stat.st_size, entry.stat.st_mtime_ns)
        if memo is not None:
            # unchanged files: not opened; their findings come from the cache
            self.stats["folders_listed"] = memo.listed
            self.stats["folders_unchanged"] = memo.unchanged_folders
            cached = memo.unchanged_by_name + len(memo.unchanged)
            self.stats["files_seen"] += cached
            self.stats["files_cached"] += cached
            kept = cache.result() if cache.unchanged() else None
            if kept is not None:  # nothing changed at all: the last result still holds
                self.discoveries = kept["discoveries"]
                repeated = sum(1 for s in self.skipped if s.cached)
                self.skipped = [s for s in self.skipped if not s.cached]
                self.stats["skipped"] -= repeated
                for location, reason in kept["skipped"]:
                    self._skip(location, reason, cached=True)
                self.skipped.sort(key=lambda s: s.location)
                return
            for location, payload in sorted(cache.payloads(memo.unchanged).items()):
                self._cached(location, payload)
        self.discoveries = [f.as_dict() for f in self.grouped()]
        self.skipped.sort(key=lambda s: s.location)
        if memo is not None:
            skipped = [[s.location, s.reason] for s in self.skipped if s.cached]
            cache.save({"discoveries": self.discoveries, "skipped": skipped})

    def _cached(self, location: str, cached: dict[str, Any]) -> None:
        for item in cached.get("findings", []):
            self.findings.append(_finding_from(item))
        if cached.get("skipped"):
            self._skip(location, cached["skipped"], cached=True)

    def _skip(self, location: str, reason: str, *, cached: bool = False) -> None:
        """Record a skipped file; ``cached`` reasons are the ones a rescan repeats."""
        self.stats["skipped"] += 1
        if len(self.skipped) < 10_000:
            self.skipped.append(Skipped(location, reason, cached))

    def _file(self, path: str, root: str, rel: str, location: str, st) -> bool | None:
        """Analyse one new or changed file. True when its result depends on its name only
        (never opened: a rescan need not even ``stat`` it), None when not a regular file."""
        if not statmod.S_ISREG(st.st_mode):
            self._skip(location, "not a regular file")
            return None
        self._by_name = False
        findings, reason, digest = self._analyze(path, root, rel, location, st)
        if self._by_name:
            return True
        self.findings.extend(findings)
        if reason:
            self._skip(location, reason, cached=True)
        payload = {"findings": [_finding_payload(f) for f in findings], "skipped": reason}
        self.cache.store(location, st.st_size, st.st_mtime_ns, digest, payload)
        return False

    def _read(self, path: str, limit: int) -> bytes:
        with open(path, "rb") as handle:
            data = handle.read(limit)
        self.stats["files_read"] += 1
        self.stats["bytes_read"] += len(data)
        return data

    def _analyze(self, path, root, rel, location, st) -> tuple[list[Finding], str | None, str]:
        name = os.path.basename(rel)
        lname = name.lower()
        ext = os.path.splitext(lname)[1]
        limits = self.limits
        try:
            if ext in ARCHIVE_EXTS:
                if st.st_size > limits.max_archive_bytes:
                    return [], f"archive larger than {limits.max_archive_bytes} bytes", ""
                data = self._read(path, limits.max_archive_bytes + 1)
                return self._archive(data, location, st), None, fingerprint.content_hash(data)
            dets = self.candidates(rel, name)
            sniffed = not dets
            if not dets:
                if ext in NEVER_EXTS or (ext not in SNIFF_EXTS and not self._odd_ext(ext)):
                    self._by_name = True  # classified by name: never opened
                    return [], None, ""
                if st.st_size > 2 * 1024 * 1024 or st.st_size == 0:
                    return [], None, ""
                head = self._read(path, limits.sniff_bytes)
                if text.is_binary(head):
                    return [], None, ""
                head_text, _ = text.decode(head)
                dets = [d for d in self.sniffers if d.sniff(head_text)]
                if not dets:
                    return [], None, ""
            if st.st_size > limits.max_file_bytes:
                return [], f"larger than {limits.max_file_bytes} bytes", ""
            data = self._read(path, limits.max_file_bytes + 1)
        except PermissionError:
            return [], "unreadable: permission denied", ""
        except OSError as exc:
            return [], f"unreadable: {exc.strerror or type(exc).__name__}", ""
        binary_ok = ext in OFFICE_EXTS
        if not binary_ok and text.is_binary(data[:8192]):
            return [], "binary content", fingerprint.content_hash(data)
        art = Artifact(
            location=location,
            relpath=rel,
            data=data,
            ctx=self.ctx,
            container=FsContainer(root),
            size=st.st_size,
            mtime=st.st_mtime,
            owner=self._owner(st.st_uid),
        )
        found = self._detect(art, dets)
        if not found and not sniffed and ext in SNIFF_EXTS:
            # a name that suggested one format (notes.txt for a Robin script) may hold
            # another (a crontab saved as crontab.txt): let the content decide
            head = art.text[: limits.sniff_bytes]
            more = [d for d in self.sniffers if d not in dets and d.sniff(head)]
            if more:
                found = self._detect(art, more)
        return found, None, fingerprint.content_hash(data)

    @staticmethod
    def _odd_ext(ext: str) -> bool:
        """Extensions that are really part of a name (``backup.2024``, ``flows_host.bak``)."""
        return len(ext) > 6 or ext[1:].isdigit() or ext in (".bak", ".old", ".orig", ".copy")

    def _owner(self, uid: int) -> str | None:
        if uid not in self._uids:
            try:
                import pwd

                name = pwd.getpwuid(uid).pw_name
            except (KeyError, ImportError):
                name = None
            self._uids[uid] = None if name in (None, "root", "nobody") else name
        return self._uids[uid]

    def _archive(self, data: bytes, location: str, st) -> list[Finding]:
        try:
            container = ZipContainer(data, self.ctx.limits)
        except ArchiveRefused as exc:
            self._skip(location, str(exc))
            return []
        found: list[Finding] = []
        for member in container.names():
            mname = member.rsplit("/", 1)[-1]
            dets = self.candidates(member, mname)
            if not dets or mname.lower().endswith(ARCHIVE_EXTS):
                continue
            body = container.read(member, self.ctx.limits.max_member_bytes)
            if body is None:
                self._skip(
                    f"{location}!/{display(member)}", "archive member unreadable or too large"
                )
                continue
            ext = os.path.splitext(mname.lower())[1]
            if ext not in OFFICE_EXTS and text.is_binary(body[:8192]):
                continue
            art = Artifact(
                location=f"{location}!/{display(member)}",
                relpath=member,
                data=body,
                ctx=self.ctx,
                container=container,
                size=len(body),
                mtime=st.st_mtime,
            )
            for finding in self._detect(art, dets):
                finding.extra.setdefault("archive", location)
                found.append(finding)
        return found

    def _detect(self, art: Artifact, dets: list[Detector]) -> list[Finding]:
        for det in dets:
            try:
                findings = det.analyze(art)
            except Exception as exc:  # one bad file never stops the scan
                self.stats["detector_errors"] += 1
                self._skip(art.location, f"detector {det.name} failed: {type(exc).__name__}")
                continue
            if findings:
                for finding in findings:
                    self._enrich(finding, art)
                return findings
        return []

    def _enrich(self, f: Finding, art: Artifact) -> None:
        f.content_hash = f.content_hash or fingerprint.content_hash(art.data)
        if not f.fingerprint:
            f.fingerprint = fingerprint.of_text(art.text, strip_comments=True)
        if f.generic_signals:
            found = secrets.find_secrets(
                art.text, art.hits, self.ctx.secret_key, ignore_text=f.ignore_text
            )
            f.secrets.extend(found)
            signals.extract(f, art.text, art.hits)
        for s in f.secrets:
            s.setdefault("file", art.location)
        if art.owner:
            f.owner(6, art.owner)
        user = signals.OWNER_PATH_RE.search(art.location)
        if user and user.group("user").lower() not in signals._NOT_USERS:
            f.owner(3, user.group("user"))
        for provider in list(f.ai_services):
            endpoint = ai.DEFAULT_ENDPOINTS.get(provider)
            if endpoint and not any(c.startswith(endpoint) for c in f.calls):
                f.calls.add(endpoint)
        for model in f.ai_models:
            provider = ai.provider_for_model(model)
            if provider and not f.ai_services:
                f.ai_services.add(provider)
        f.ignore_text = []
        self._scrub(f)
        if not f.files:
            f.files = [art.location]

    def _scrub(self, f: Finding) -> None:
        """Secrets never travel in details, extras, names or hints (a cron line, an Exec)."""
        matcher = self.ctx.matcher

        def clean(value):
            if isinstance(value, str):
                return secrets.redact_text(value, matcher) if len(value) >= 8 else value
            if isinstance(value, list):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        f.name = clean(f.name)
        f.triggers = [clean(t) for t in f.triggers]
        f.extra = clean(f.extra)
        f.runs = {clean(r) for r in f.runs}
        f.credentials = {clean(c) for c in f.credentials}
        f.owner_hints = [(s, clean(h)) for s, h in f.owner_hints]
        f.errors = [clean(e) for e in f.errors]
        f.reads, f.writes, f.calls = (
            {clean(a) for a in group} for group in (f.reads, f.writes, f.calls)
        )

    # -- results -------------------------------------------------------------

    def grouped(self) -> list[Finding]:
        """Merge findings of one group (project folders) into one discovery each."""
        groups: dict[str, list[Finding]] = defaultdict(list)
        singles: list[Finding] = []
        for f in self.findings:
            (groups[f.group].append(f) if f.group else singles.append(f))
        for key, members in groups.items():
            members.sort(key=lambda m: (not m.extra.get("primary"), m.location))
            base = members[0]
            prints = sorted(m.fingerprint or "" for m in members)
            for other in members[1:]:
                base.merge(other)
            base.location = key
            base.fingerprint = fingerprint.of_text("|".join(prints))
            singles.append(base)
        singles.sort(key=lambda f: f.location)
        return singles


def limits_from(**overrides) -> Limits:
    return dataclasses.replace(Limits(), **overrides)


def noop_container() -> Container | None:
    return None


__all__ = ["Engine", "limits_from", "time"]
