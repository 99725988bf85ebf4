"""The fixed condition vocabulary (no Python eval): each term a small class in a registry.

Importing this package registers the built-in terms; outside packages add their own
through the ``govern.policy_conditions`` entry point group (``load_plugins``, called
once by the loader and the schema generator).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from govern.policies.conditions import assets, field, lineage, logic, person  # noqa: F401
from govern.policies.conditions.base import Condition, Verdict, conditions

PLUGIN_GROUP = "govern.policy_conditions"


@cache
def load_plugins() -> tuple[str, ...]:
    """Register condition classes other packages publish; returns their names."""
    added = []
    for ep in entry_points(group=PLUGIN_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Condition)):
            raise TypeError(f"entry point {ep.name!r} ({ep.value}) is not a Condition class")
        if conditions.get(cls.name) is None:
            conditions.register(cls)
            added.append(cls.name)
    return tuple(added)


__all__ = ["Condition", "Verdict", "conditions", "load_plugins"]
