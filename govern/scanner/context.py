"""Per-scan state shared by every detector: the matcher, the key, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from govern.scanner.matcher import Matcher


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 8 * 1024 * 1024
    max_archive_bytes: int = 64 * 1024 * 1024
    max_member_bytes: int = 8 * 1024 * 1024
    max_archive_total: int = 100 * 1024 * 1024
    max_archive_members: int = 5000
    max_ratio: int = 200
    max_depth: int = 64
    max_files: int = 5_000_000
    sniff_bytes: int = 4096


@dataclass
class ScanContext:
    matcher: Matcher
    secret_key: str
    limits: Limits = field(default_factory=Limits)
