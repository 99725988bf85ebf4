"""Conditions on the owner or backup owner, as the people directory knows them."""

from __future__ import annotations

from govern.policies.conditions.base import Condition, Verdict, conditions
from govern.policies.facts import PersonFact


@conditions.register
class PersonCondition(Condition):
    """Check the owner or backup owner. Every key given must hold:
    ``known`` (the person is in the directory), ``active`` (known and active: true, or
    known and gone: false), ``min_certification`` (known, certified at that level or
    higher, and the certification has not expired). Nobody named means every check
    fails except ``known: false``."""

    name = "person"
    summary = "the owner or backup owner is known, active, certified at a level"
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["who"],
        "minProperties": 2,
        "properties": {
            "who": {"enum": ["owner", "backup"]},
            "known": {"type": "boolean"},
            "active": {"type": "boolean"},
            "min_certification": {"type": "integer", "minimum": 0, "maximum": 3},
        },
    }
    examples = [
        {"person": {"who": "owner", "active": True, "min_certification": 1}},
        {"person": {"who": "owner", "active": False}},
        {"person": {"who": "backup", "known": True}},
        {"not": {"person": {"who": "backup", "active": False}}},
    ]

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.who = spec["who"]
        self.known = spec.get("known")
        self.active = spec.get("active")
        self.level = spec.get("min_certification")

    def _person(self, facts) -> tuple[str | None, PersonFact | None]:
        if self.who == "owner":
            return facts.values["owner_email"], facts.owner
        return facts.values["backup_owner_email"], facts.backup

    def _holds(self, p: PersonFact | None, ctx) -> bool:
        if self.known is not None and (p is not None) is not self.known:
            return False
        if self.active is not None and (p is None or p.active is not self.active):
            return False
        if self.level is not None:
            if p is None or p.certification_level < self.level:
                return False
            if p.certification_expires is not None and p.certification_expires < ctx.today:
                return False
        return True

    def test(self, facts, ctx) -> bool:
        return self._holds(self._person(facts)[1], ctx)

    def _predicate(self):
        holds = self._holds
        if self.who == "owner":
            return lambda f, ctx: holds(f.owner, ctx)
        return lambda f, ctx: holds(f.backup, ctx)

    def explain(self, facts, ctx) -> Verdict:
        email, p = self._person(facts)
        label = "the owner" if self.who == "owner" else "the backup owner"
        holds = self._holds(p, ctx)
        if not email:
            return Verdict(holds, f"no {label[4:]} is named", [{"person": self.who}])
        if p is None:
            reason = f"{label} {email} is not in the people directory"
        else:
            state = "active" if p.active else "no longer active"
            cert = f"certified at level {p.certification_level}"
            if p.certification_level == 0:
                cert = "not certified"
            elif p.certification_expires is not None:
                expired = p.certification_expires < ctx.today
                cert += f" ({'expired' if expired else 'valid until'} "
                cert += f"{p.certification_expires.isoformat()})"
            reason = f"{label} {email} is {state} and {cert}"
        evidence = {
            "person": self.who,
            "email": email,
            "known": p is not None,
            "active": p.active if p else None,
            "certificationLevel": p.certification_level if p else None,
            "certificationExpires": p.certification_expires.isoformat()
            if p and p.certification_expires
            else None,
        }
        return Verdict(holds, reason, [evidence])

    def describe(self) -> str:
        label = "the owner" if self.who == "owner" else "the backup owner"
        parts = []
        if self.known is not None:
            parts.append("is in the people directory" if self.known else "is not in the directory")
        if self.active is not None:
            parts.append("is active" if self.active else "has left (inactive)")
        if self.level is not None:
            parts.append(f"holds a current certification of level {self.level} or higher")
        return f"{label} " + " and ".join(parts)
