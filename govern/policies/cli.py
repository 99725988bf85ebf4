"""Policy commands: ``govern policy ...``, ``govern check`` and ``govern waiver ...``.

Thin shells over plain functions; invalid input exits 2 naming the file and field.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govern.cli import EXIT_INVALID, AppContext, pass_app
from govern.db import read_session, write_session
from govern.registry.auth import LOCAL_ADMIN


def _fail(problems, what: str = "problem(s)") -> None:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"{len(problems)} {what}", err=True)
    sys.exit(EXIT_INVALID)


@click.group("policy")
def policy_group() -> None:
    """Write, validate, test and run policies."""


@policy_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_cmd(files) -> None:
    """Validate policy FILES (or directories); exit 2 with the path of each mistake."""
    from govern.policies.loader import PolicyInvalid, compile_documents
    from govern.registry.manifest import LoadResult, Problem, load_path

    loaded = LoadResult()
    for path in files:
        if not path.exists():
            loaded.problems.append(Problem(str(path), "", "no such file or directory"))
            continue
        loaded.extend(load_path(path))
    try:
        policies = compile_documents(loaded)
    except PolicyInvalid as exc:
        _fail(exc.problems)
    click.echo(f"{len(policies)} polic{'y' if len(policies) == 1 else 'ies'} valid")


@policy_group.command("schema")
def schema_cmd() -> None:
    """Print the policy JSON Schema (generated from the condition registry)."""
    from govern.policies.schema import policy_schema

    click.echo(json.dumps(policy_schema(), indent=2))


@policy_group.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--policies", "policy_files", multiple=True, type=click.Path(path_type=Path),
              help="Extra policy files to test (besides the built-in pack and DIR).")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too.")
def test_cmd(directory: Path, policy_files, verbose: bool) -> None:
    """Run the YAML test cases (*_test.yaml) in DIRECTORY; fails when no test ran."""
    from govern.policies.loader import PolicyInvalid
    from govern.policies.testing import CaseFileInvalid, format_report, run_directory

    try:
        report = run_directory(directory, policy_files=list(policy_files))
    except (PolicyInvalid, CaseFileInvalid) as exc:
        _fail(exc.problems)
    click.echo(format_report(report, verbose))
    if not report.ok:
        sys.exit(1)


@policy_group.command("explain")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def explain_cmd(app: AppContext, key: str, fmt: str) -> None:
    """Explain each policy's result for automation KEY (namespace/name),
    or what the policy with id KEY checks."""
    from govern.policies import explain, store
    from govern.registry.automations import NotFound

    with read_session(app.migrated_engine()) as session:
        if "/" not in key:
            found = [p for p in store.all_policies(session) if p.id == key]
            if not found:
                raise click.ClickException(f"no policy {key!r}; see `govern policy list`")
            data = explain.describe_policy(found[0])
            if fmt == "json":
                click.echo(json.dumps(data, indent=2))
                return
            click.echo(f"{data['id']}: {data['title']} [{data['severity']}, {data['mode']}]")
            click.echo(f"  applies to automations where {data['appliesTo']}")
            click.echo(f"  passes when {data['checks']}")
            click.echo(f"  how to fix: {data['remediation']}")
            return
        try:
            items = explain.explain_automation(session, key)
        except NotFound as exc:
            raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps({"automation": key, "results": items}, indent=2))
    else:
        click.echo(explain.format_explanation(key, items))


@policy_group.command("list")
@pass_app
def list_cmd(app: AppContext) -> None:
    """List stored policies with their open and waived violations."""
    from govern.policies.views import policy_rows

    with read_session(app.migrated_engine()) as session:
        rows = policy_rows(session)
    click.echo(f"{'POLICY':40} {'SEVERITY':9} {'MODE':8} {'ON':3} {'OPEN':>5} {'WAIVED':>6}")
    for r in rows:
        click.echo(
            f"{r['id'][:40]:40} {r['severity']:9} {r['mode']:8} "
            f"{'yes' if r['enabled'] else 'no':3} {r['open']:>5} {r['waived']:>6}"
        )


@policy_group.command("evaluate")
@click.option("--key", "keys", multiple=True, help="Only these automations (repeatable).")
@click.option("--pending", is_flag=True, help="Only automations queued by large registrations.")
@pass_app
def evaluate_cmd(app: AppContext, keys, pending: bool) -> None:
    """Evaluate policies now (all automations, --key ones, or the --pending queue)
    and store the results."""
    from govern.policies.evaluate import evaluate_committed

    if pending:
        from govern.policies.pending import drain

        if keys:
            raise click.UsageError("use --pending or --key, not both")
        click.echo(json.dumps(drain(app.migrated_engine()).as_dict(), indent=2))
        return
    summary = evaluate_committed(app.migrated_engine(), keys=list(keys) or None)
    click.echo(json.dumps(summary.as_dict(), indent=2))


@policy_group.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_app
def apply_cmd(app: AppContext, files) -> None:
    """Store policies from FILES (add or update by id) and re-evaluate everything."""
    from govern.policies import store
    from govern.policies.evaluate import evaluate
    from govern.policies.loader import PolicyInvalid, load_file

    policies = []
    try:
        for path in files:
            policies += load_file(path)
    except PolicyInvalid as exc:
        _fail(exc.problems)
    with write_session(app.migrated_engine()) as session:
        changed = store.install(session, policies, actor=LOCAL_ADMIN.actor, source="custom")
        if changed["created"] or changed["updated"]:
            evaluate(session)
    click.echo(
        ", ".join(f"{len(v)} {k}" for k, v in changed.items()) + " (re-evaluated)"
        if changed["created"] or changed["updated"]
        else "no change"
    )


@policy_group.command("enable")
@click.argument("policy_id")
@click.option("--off", is_flag=True, help="Disable instead.")
@pass_app
def enable_cmd(app: AppContext, policy_id: str, off: bool) -> None:
    """Enable (or --off: disable) a stored policy, then re-evaluate."""
    from govern.policies import store
    from govern.policies.evaluate import evaluate
    from govern.registry.automations import NotFound

    try:
        with write_session(app.migrated_engine()) as session:
            store.set_enabled(session, policy_id, not off, actor=LOCAL_ADMIN.actor)
            evaluate(session)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{policy_id} {'disabled' if off else 'enabled'}")


@click.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text")
@click.option(
    "--policies",
    "policy_files",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Your organisation's policy files (replace built-ins with the same id).",
)
@click.option("--namespace", default="sandbox", show_default=True,
              help="Namespace for automations found by scanning.")  # fmt: skip
@click.option("--owner", help="Owner email for automations found by scanning.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file.")
def check_cmd(path: Path, fmt: str, policy_files, namespace: str, owner, output) -> None:
    """Check PATH (a manifest, a script, a flow export or a folder) against the policies,
    offline. Exits 1 when an enforce-mode policy fails (review would be blocked)."""
    from govern.policies import check
    from govern.policies.loader import PolicyInvalid
    from govern.registry.manifest import ManifestInvalid

    try:
        findings = check.run_check(
            path, policy_files=list(policy_files), namespace=namespace, owner=owner
        )
        policies = check.policy_set(list(policy_files))
    except (ManifestInvalid, PolicyInvalid) as exc:
        _fail(exc.problems)
    if fmt == "json":
        text = json.dumps(check.as_json(findings), indent=2, default=str)
    elif fmt == "sarif":
        from govern.policies.sarif import to_sarif

        base = path if path.is_dir() else path.parent
        text = json.dumps(to_sarif(findings, policies, base=base), indent=2)
    else:
        text = check.format_text(findings)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    sys.exit(check.exit_code(findings))


@click.group("waiver")
def waiver_group() -> None:
    """Accept a policy failure for a while (waivers always expire)."""


@waiver_group.command("create")
@click.option("--policy", "policy_id", required=True)
@click.option("--automation", "automation_key", help="namespace/name")
@click.option(
    "--selector",
    help="A condition as JSON, e.g. "
    '\'{"field": {"path": "namespace", "op": "eq", "value": "hr"}}\'',
)
@click.option("--reason", required=True)
@click.option("--approver", required=True, help="Approver's email.")
@click.option("--ticket", default="")
@click.option("--expires", required=True, help="YYYY-MM-DD, at most one year ahead.")
@pass_app
def waiver_create(
    app: AppContext, policy_id, automation_key, selector, reason, approver, ticket, expires
) -> None:
    """Grant a waiver for a policy on one automation or a selector."""
    from govern.policies.evaluate import evaluate
    from govern.policies.waivers import WaiverInvalid, create

    try:
        parsed = json.loads(selector) if selector else None
    except json.JSONDecodeError as exc:
        click.echo(f"error: --selector is not valid JSON: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    try:
        with write_session(app.migrated_engine()) as session:
            waiver = create(
                session,
                policy_id=policy_id,
                automation_key=automation_key,
                selector=parsed,
                reason=reason,
                approver=approver,
                ticket=ticket,
                expires=expires,
                principal=LOCAL_ADMIN,
            )
            evaluate(session, keys=[automation_key] if automation_key else None)
    except WaiverInvalid as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"waiver {waiver.id} granted until {waiver.expires_at:%Y-%m-%d}")


@waiver_group.command("list")
@click.option("--state", type=click.Choice(["active", "expired", "revoked"]))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def waiver_list(app: AppContext, state, fmt) -> None:
    """List waivers with their state (active, expired, revoked) and days left."""
    from govern.policies.waivers import list_waivers

    with read_session(app.migrated_engine()) as session:
        items = list_waivers(session, state_filter=state)
    if fmt == "json":
        click.echo(json.dumps({"items": items}, indent=2))
        return
    click.echo(f"{'ID':>4} {'STATE':8} {'EXPIRES':10} {'POLICY':32} TARGET")
    for w in items:
        target = w["automation"] or json.dumps(w["selector"])
        click.echo(
            f"{w['id']:>4} {w['state']:8} {w['expiresAt'][:10]} {w['policy'][:32]:32} {target}"
        )


@waiver_group.command("revoke")
@click.argument("waiver_id", type=int)
@click.option("--comment", default="")
@pass_app
def waiver_revoke(app: AppContext, waiver_id: int, comment: str) -> None:
    """Revoke a waiver now; affected results count again."""
    from govern.policies.evaluate import evaluate
    from govern.policies.waivers import revoke
    from govern.registry.automations import NotFound

    try:
        with write_session(app.migrated_engine()) as session:
            revoke(session, waiver_id, principal=LOCAL_ADMIN, comment=comment)
            evaluate(session)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"waiver {waiver_id} revoked")


COMMANDS = (policy_group, check_cmd, waiver_group)
