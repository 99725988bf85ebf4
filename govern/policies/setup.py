"""`govern init` step: store the built-in policy pack (idempotent; revision = content hash)."""

from __future__ import annotations

from govern.db import write_session
from govern.policies import store
from govern.policies.loader import builtin_policies


def install_builtin_pack(app_ctx) -> dict[str, list[str]]:
    """Install or update the built-in pack; operators' enable/disable choices are kept.

    A changed policy triggers a full re-evaluation, as the issue asks.
    """
    return install_pack(app_ctx.engine)


def install_pack(engine) -> dict[str, list[str]]:
    from govern.policies.evaluate import evaluate

    with write_session(engine) as session:
        changed = store.install(session, builtin_policies(), actor="govern-init", source="builtin")
        if changed["created"] or changed["updated"]:
            evaluate(session, kind="full")
    return changed
