"""Registry commands: init, db, register, list, show, token.

Importing this module stays light (no SQLAlchemy): ``govern register`` starts parsing a
large batch in worker processes first and imports what writing needs meanwhile. Each
command imports the services it calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govern import gc_pause
from govern.cli import EXIT_INVALID, AppContext, pass_app, quick_exit
from govern.registry.declared import Prepared, prepare
from govern.registry.loading import ManifestStream
from govern.registry.manifest import ManifestInvalid

#: ``govern list --sort`` choices: the keys of ``automations.SORTS`` (a test keeps them
#: equal), named here so that the command line is built without importing the service.
SORT_NAMES = ("key", "-risk", "risk", "-updated", "updated", "-created", "platform", "owner")


@click.command("init")
@pass_app
def init_cmd(app: AppContext) -> None:
    """Create or upgrade the database (safe to run again)."""
    from govern import schema

    schema.upgrade(app.engine)
    after_init = _init_hooks()
    for hook in after_init:
        hook(app)
    click.echo(f"database ready: {app.engine.url.render_as_string(hide_password=True)}")


def _init_hooks():
    """Other areas (e.g. the built-in policy pack) add setup steps here."""
    hooks = []
    try:
        from govern.policies.setup import install_builtin_pack
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.policies.setup".startswith(exc.name):
            raise
    else:
        hooks.append(install_builtin_pack)
    return hooks


@click.group("db")
def db_group() -> None:
    """Database schema management."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Apply migrations up to REVISION."""
    from govern import schema

    schema.upgrade(app.engine, revision)
    click.echo(f"database at {', '.join(sorted(schema.current_revisions(app.engine)))}")


@db_group.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Show the applied migration revision(s)."""
    from govern import schema

    current = schema.current_revisions(app.engine)
    click.echo(", ".join(sorted(current)) or "(empty database: run `govern init`)")


@click.command("register")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", envvar="GOVERN_URL", help="Register on a remote govern service.")
@click.option("--token", envvar="GOVERN_TOKEN", help="API token for --url.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
@click.option(
    "--wait",
    is_flag=True,
    help="Evaluate policies before returning, whatever the batch size "
    "(a local batch changing more automations than GOVERN_INLINE_EVALUATION_LIMIT "
    "is otherwise queued for evaluation).",
)
@pass_app
def register_cmd(app: AppContext, paths, url, token, dry_run, quiet, wait) -> None:
    """Register manifests from FILES or DIRECTORIES (all-or-nothing).

    Re-registering an unchanged manifest changes nothing. Any invalid document
    stops the whole batch: problems are listed by file and field, exit code 2.
    Policies are evaluated in the same transaction; a batch changing more than
    GOVERN_INLINE_EVALUATION_LIMIT automations queues their evaluation instead
    (except promotions to production), unless --wait is given.
    """
    quick_exit()
    with gc_pause.paused():  # millions of small, acyclic objects
        _register(app, paths, url, token, dry_run, quiet, wait)


def _register(app: AppContext, paths, url, token, dry_run, quiet, wait) -> None:
    local = not (url or dry_run)
    ready = {"prepare": prepare, "restore": Prepared._make} if local else {}
    with ManifestStream(paths, **ready) as stream:
        streaming = local and _can_stream(app, stream)
        if not streaming:
            loaded = stream.result()
            if loaded.problems:
                _fail(loaded.problems)
            if dry_run:
                click.echo(
                    f"{len(loaded.documents)} manifest(s) valid; nothing written (--dry-run)"
                )
                return
        if url:
            outcomes, queued = _push(url, token, loaded, wait)
        else:
            outcomes, queued = _write(app, stream, wait)
    _summarise(outcomes, quiet)
    if queued:
        click.echo(queued_message(queued, remote=bool(url)))


def _can_stream(app: AppContext, stream: ManifestStream) -> bool:
    """Whether writing may start while workers still read the files: only into a
    database that is there and current, so that an invalid batch still changes nothing
    (not even the schema) and a configuration error is still reported after problems
    in the manifests, as when writing starts once everything is read."""
    if not stream.parallel:
        return False
    _import_writer()  # while the workers read
    try:
        settings = app.settings
    except click.UsageError:
        return False
    if settings.is_sqlite:
        from sqlalchemy.engine import make_url

        database = make_url(settings.database_url).database
        if not database or database == ":memory:" or not Path(database).is_file():
            return False
    from govern import schema

    return schema.is_up_to_date(app.engine)


def _push(url, token, loaded, wait) -> tuple[list[dict], int]:
    from govern.registry.remote import RemoteError, push_manifests

    try:
        answer = push_manifests(url, token, loaded, wait=wait)
    except ManifestInvalid as exc:
        _fail(exc.problems)
    except RemoteError as exc:
        raise click.ClickException(f"{exc}; nothing was registered") from None
    return answer["results"], int(answer.get("evaluationQueued") or 0)


def _write(app: AppContext, stream: ManifestStream, wait: bool) -> tuple[list[dict], int]:
    from govern.registry import automations
    from govern.registry.auth import LOCAL_ADMIN
    from govern.registry.register import register_manifests

    engine = app.migrated_engine()
    try:
        done = register_manifests(
            engine,
            stream,
            principal=LOCAL_ADMIN,
            internal_domains=app.settings.internal_domains,
            inline_limit=None if wait else app.settings.inline_evaluation_limit,
        )
    except ManifestInvalid as exc:
        _fail(exc.problems)
    except automations.Conflict as exc:
        for reason in exc.reasons:
            click.echo(f"blocked: {reason}", err=True)
        click.echo(f"error: {exc}; nothing was registered", err=True)
        sys.exit(EXIT_INVALID)
    return [o.as_dict() for o in done.outcomes], len(done.queued)


def _import_writer() -> None:
    """What a local registration imports to write."""
    from govern.registry import register

    register.import_writers()


def queued_message(count: int, *, remote: bool = False) -> str:
    from govern.policies.pending import DRAIN_INTERVAL_SECONDS

    if remote:
        return (
            f"policy evaluation of {count} automation(s) queued on the service: it starts "
            f"evaluating them within {DRAIN_INTERVAL_SECONDS} s (pass --wait to register "
            "and evaluate in one request)"
        )
    return (
        f"policy evaluation of {count} automation(s) queued: a running `govern serve` or "
        f"`govern scheduler` starts evaluating them within {DRAIN_INTERVAL_SECONDS} s; "
        "or run `govern policy evaluate --pending`"
    )


def _fail(problems) -> None:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"{len(problems)} problem(s); nothing was registered", err=True)
    sys.exit(EXIT_INVALID)


def _summarise(outcomes: list[dict], quiet: bool = False) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["action"]] = counts.get(outcome["action"], 0) + 1
        if not quiet and outcome["action"] != "unchanged" and len(outcomes) <= 50:
            click.echo(f"{outcome['action']:9} {outcome['kind']:10} {outcome['key']}")
    parts = [f"{counts.get(a, 0)} {a}" for a in ("created", "updated", "unchanged")]
    click.echo(f"registered {len(outcomes)} manifest(s): {', '.join(parts)}")


@click.command("list")
@click.option("--platform", multiple=True)
@click.option("--namespace", multiple=True)
@click.option("--owner", multiple=True)
@click.option("--department", multiple=True)
@click.option("--origin", multiple=True, help="declared, discovered or both")
@click.option("--review", multiple=True, help="pending, approved, changes-requested, rejected")
@click.option("--reconciliation", multiple=True, help="registered, shadow, unverified, missing")
@click.option("--risk", multiple=True, help="Risk tier: low, medium, high, critical")
@click.option("--track", multiple=True, help="sandbox or production")
@click.option("--lifecycle", multiple=True, help="draft, active, deprecated, retired")
@click.option("-q", "--search", default="", help="Free text over key, title, owner, location.")
@click.option("--sort", default="key", show_default=True, type=click.Choice(SORT_NAMES))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option("--cursor", default=None, help="The next cursor printed by a previous page.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def list_cmd(app: AppContext, search, sort, limit, offset, cursor, fmt, **filters) -> None:
    """List automations (retired ones only with --lifecycle retired)."""
    from govern.db import read_session
    from govern.registry import automations
    from govern.registry.views import automation_dict

    query = automations.Query(
        filters={k: list(v) for k, v in filters.items() if v}, search=search, sort=sort
    )
    try:
        with read_session(app.migrated_engine()) as session:
            page = automations.list_automations(
                session, query, offset=offset, limit=limit, cursor=cursor, summary=True
            )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if fmt == "json":
        items = [automation_dict(a, full=False) for a in page.items]
        body = {"items": items, "total": page.total, "nextCursor": page.next_cursor}
        click.echo(json.dumps(body, indent=2))
        return
    click.echo(f"{'KEY':42} {'PLATFORM':22} {'OWNER':28} {'ORIGIN':10} {'REVIEW':17} RISK")
    for a in page.items:
        click.echo(
            f"{_cut(a.key, 42):42} {a.platform:22} {_cut(a.owner_email or '-', 28):28} "
            f"{a.origin:10} {a.review_state:17} {a.risk_score:>4}"
        )
    shown = f"-- {len(page.items)} of {page.total}"
    if page.next_cursor:
        shown += f"; next page: --cursor {page.next_cursor}"
    click.echo(shown)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


@click.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def show_cmd(app: AppContext, key: str, fmt: str) -> None:
    """Show one automation (KEY is namespace/name)."""
    from govern.db import read_session
    from govern.registry import automations
    from govern.registry.views import automation_dict

    with read_session(app.migrated_engine()) as session:
        try:
            automation = automations.get(session, key)
        except automations.NotFound as exc:
            raise click.ClickException(str(exc)) from None
        data = {**automation_dict(automation), **automations.relations(session, automation)}
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(_show_text(data))


def _show_text(d: dict) -> str:
    schedule = d["schedule"] and f"{d['schedule']} ({d['scheduleText']})"
    rows = [
        ("key", d["key"]),
        ("title", d["title"]),
        ("platform", d["platform"]),
        ("owner", d["owner"] or "(none)"),
        ("backup owner", d["backupOwner"] or "(none)"),
        ("department", d["department"]),
        ("track / criticality", f"{d['track']} / {d['criticality']}"),
        ("lifecycle", d["lifecycle"]),
        ("origin / reconciliation", f"{d['origin']} / {d['reconciliationState']}"),
        ("review", d["reviewState"] + (f" by {d['reviewedBy']}" if d["reviewedBy"] else "")),
        ("risk", f"{d['riskScore']} ({d['riskTier']})"),
        ("trigger", (d["trigger"] or {}).get("type") or "-"),
        ("schedule", schedule or "-"),
        ("location", d["location"] or "-"),
        ("justification", d["justification"] or "-"),
    ]
    lines = [f"{label + ':':25} {value}" for label, value in rows]
    for acc in d["accesses"]:
        flags = [acc["classification"] or "unclassified"]
        if acc["external"]:
            flags.append("external" + ("" if acc["approved"] else ", NOT approved"))
        lines.append(f"{acc['mode'] + 's:':25} {acc['asset']} [{'; '.join(flags)}]")
    for key in d["triggers"]:
        lines.append(f"{'starts:':25} {key}")
    for key in d["triggeredBy"]:
        lines.append(f"{'started by:':25} {key}")
    return "\n".join(lines)


@click.command("history")
@click.argument("key")
@click.option("--limit", default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def history_cmd(app: AppContext, key: str, limit: int, fmt: str) -> None:
    """The audit history of one automation, newest first, with what changed."""
    from govern.db import read_session
    from govern.registry import audit, automations
    from govern.registry.views import audit_dict

    with read_session(app.migrated_engine()) as session:
        try:
            automations.get(session, key)
        except automations.NotFound as exc:
            raise click.ClickException(str(exc)) from None
        events = audit.history(session, entity_type="automation", entity_key=key, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([audit_dict(e) for e in events], indent=2))
        return
    for event in events:
        click.echo(f"{event.at:%Y-%m-%d %H:%M:%S}Z  {event.action:22} {event.actor}")
        for change in event.diff if event.before is not None else []:
            click.echo(f"    {change['field']}: {change['before']!r} -> {change['after']!r}")
        if event.comment:
            click.echo(f"    comment: {event.comment}")


@click.command("retire")
@click.argument("key")
@click.option("--comment", default="", help="Why it is retired (kept in the audit log).")
@pass_app
def retire_cmd(app: AppContext, key: str, comment: str) -> None:
    """Retire an automation (soft: the record and its history stay)."""
    from govern.db import write_session
    from govern.registry import automations
    from govern.registry.auth import LOCAL_ADMIN

    try:
        with write_session(app.migrated_engine()) as session:
            automations.retire(session, key, principal=LOCAL_ADMIN, comment=comment)
    except automations.NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{key} retired")


@click.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
@click.option("--credentials", is_flag=True, help="Include API token hashes (never values).")
@pass_app
def export_cmd(app: AppContext, output: Path | None, credentials: bool) -> None:
    """Export the whole inventory as JSON Lines (for backup or `govern import`)."""
    from govern.db import read_session
    from govern.registry import transfer

    with read_session(app.migrated_engine()) as session:
        if output is None:
            transfer.export_to(sys.stdout, session, include_credentials=credentials)
            return
        tmp = output.with_name(output.name + ".partial")
        with tmp.open("w", encoding="utf-8") as handle:
            count = transfer.export_to(handle, session, include_credentials=credentials)
        tmp.replace(output)
    click.echo(f"exported {count} record(s) to {output}", err=True)


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--replace", is_flag=True, help="Replace a registry that is not empty.")
@pass_app
def import_cmd(app: AppContext, file, replace: bool) -> None:
    """Import an export (JSON Lines) into an empty registry; all-or-nothing."""
    from govern.db import write_session
    from govern.registry import transfer
    from govern.registry.auth import LOCAL_ADMIN

    try:
        with write_session(app.migrated_engine()) as session:
            counts = transfer.import_lines(
                session, file, replace=replace, source=file.name, actor=LOCAL_ADMIN.actor
            )
    except transfer.TransferError as exc:
        click.echo(f"error: {exc}; nothing was imported", err=True)
        sys.exit(EXIT_INVALID)
    total = sum(counts.values())
    detail = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
    click.echo(f"imported {total} record(s): {detail or 'nothing'}")


@click.group("token")
def token_group() -> None:
    """Create, list and revoke API tokens."""


@token_group.command("create")
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["viewer", "developer", "reviewer", "admin"])
)
@click.option("--namespace", "namespaces", multiple=True, help="Grant a namespace (repeatable).")
@click.option("--email", help="The person the token acts for (owner checks).")
@click.option("--expires-days", type=click.IntRange(1), help="Expire after this many days.")
@pass_app
def token_create(app: AppContext, name, role, namespaces, email, expires_days) -> None:
    """Create a token; its value is printed once and never stored."""
    from datetime import timedelta

    from govern.db import utcnow, write_session
    from govern.registry import auth

    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        with write_session(app.migrated_engine()) as session:
            _, value = auth.create_token(
                session,
                name=name,
                role=role,
                namespaces=list(namespaces),
                email=email,
                expires_at=expires_at,
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(value)
    click.echo(f"token {name!r} ({role}) created; store it now, it is not shown again", err=True)


@token_group.command("list")
@pass_app
def token_list(app: AppContext) -> None:
    """List tokens (never their values)."""
    from govern.db import read_session, utcnow
    from govern.registry import auth

    with read_session(app.migrated_engine()) as session:
        now = utcnow()
        for t in auth.list_tokens(session):
            state = "active"
            if t.revoked_at:
                state = "revoked"
            elif t.expires_at and t.expires_at <= now:
                state = "expired"
            ns = ",".join(t.namespaces) or "-"
            expires = f" expires={t.expires_at:%Y-%m-%d}" if t.expires_at else ""
            who = f" email={t.email}" if t.email else ""
            click.echo(
                f"{t.name:24} {t.role:10} {state:8} {t.prefix}... namespaces={ns}{who}{expires}"
            )


@token_group.command("revoke")
@click.argument("name")
@pass_app
def token_revoke(app: AppContext, name: str) -> None:
    """Revoke a token by name."""
    from govern.db import write_session
    from govern.registry import auth

    try:
        with write_session(app.migrated_engine()) as session:
            auth.revoke_token(session, name=name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"token {name!r} revoked")


COMMANDS = (
    init_cmd,
    db_group,
    register_cmd,
    list_cmd,
    show_cmd,
    history_cmd,
    retire_cmd,
    export_cmd,
    import_cmd,
    token_group,
)
