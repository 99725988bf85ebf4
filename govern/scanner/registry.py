"""Detector registry: built-ins plus plugins from the ``govern.detectors`` entry-point group."""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from govern.scanner.base import Detector

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "govern.detectors"
BUILTIN_MODULES = (
    "airflow",
    "github_actions",
    "windows_task",
    "systemd",
    "crontab",
    "notebook",
    "n8n",
    "power_automate",
    "logic_apps",
    "node_red",
    "zapier",
    "make",
    "uipath",
    "apps_script",
    "pad",
    "office_macro",
    "vba",
    "powershell",
    "batch",
    "shell",
    "python_script",
)
_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: add a detector under its ``name``."""
    if not cls.name:
        raise ValueError(f"detector {cls.__qualname__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def load() -> list[Detector]:
    """Every detector, built-in and plugged in, ordered by priority."""
    for module in BUILTIN_MODULES:
        importlib.import_module(f"govern.scanner.detectors.{module}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not stop the scan
            log.warning("detector plugin %s failed to load: %s", ep.name, exc)
            continue
        if isinstance(loaded, type) and issubclass(loaded, Detector):
            _REGISTRY.setdefault(loaded.name or ep.name, loaded)
    return sorted((cls() for cls in _REGISTRY.values()), key=lambda d: (d.priority, d.name))


def names() -> list[str]:
    return [d.name for d in load()]
