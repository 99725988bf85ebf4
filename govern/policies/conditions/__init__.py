"""The fixed condition vocabulary (no Python eval): each term a small class in a registry.

Importing this package registers the built-in terms; outside packages add their own
through the ``govern.policy_conditions`` entry point group (loaded on demand).
"""

from __future__ import annotations

from govern.policies.conditions import assets, field, lineage, logic, person  # noqa: F401
from govern.policies.conditions.base import Condition, Verdict, conditions

__all__ = ["Condition", "Verdict", "conditions"]
