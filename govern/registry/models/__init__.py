"""The tables of the system of record. Import models from here."""

from govern.registry.models.compliance import Decision, Policy, PolicyResult, Waiver
from govern.registry.models.discovery import Discovery, ScanRun, ScanTarget
from govern.registry.models.inventory import Access, Asset, Automation, AutomationLink, Person
from govern.registry.models.queue import EvaluationQueue
from govern.registry.models.security import ApiToken, AuditEvent, User

__all__ = [
    "Access",
    "ApiToken",
    "Asset",
    "AuditEvent",
    "Automation",
    "AutomationLink",
    "Decision",
    "Discovery",
    "EvaluationQueue",
    "Person",
    "Policy",
    "PolicyResult",
    "ScanRun",
    "ScanTarget",
    "User",
    "Waiver",
]
