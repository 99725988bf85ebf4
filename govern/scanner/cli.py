"""`govern scan`, `govern scheduler` and `govern targets ...`: thin shells over plain functions."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import click

from govern.cli import EXIT_INVALID, AppContext, pass_app


def _progress_bar():
    """A live counter on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    )
    task = progress.add_task("scanning", total=None)

    def update(files: int, nbytes: int, location: str) -> None:
        progress.update(
            task, description=f"{files} files, {nbytes / 1e6:.1f} MB read  {location[-60:]}"
        )

    return progress, update


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--ignore", multiple=True, help="Glob pattern to skip (repeatable), e.g. '*/archive/*'."
)
@click.option("--cache", "cache", type=click.Path(path_type=Path), help="Incremental cache file.")
@click.option(
    "--egress",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Proxy log to analyse (Squid, CSV, JSON Lines).",
)
@click.option("--push", "push_url", help="Send the result to a govern server (remote agent mode).")
@click.option("--token", envvar="GOVERN_TOKEN", help="API token for --push (or GOVERN_TOKEN).")
@click.option("--target", default=None, help="Target name the run is recorded under.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.option("--ingest", is_flag=True, help="Record the result in the local registry.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the output to a file.")
@pass_app
def scan_command(
    app: AppContext,
    paths,
    fmt,
    ignore,
    cache,
    egress,
    push_url,
    token,
    target,
    batch_size,
    ingest,
    output,
):
    """Scan PATHS for automations (and --egress logs for shadow AI / SaaS use)."""
    if not paths and not egress:
        raise click.UsageError("give at least one PATH to scan or an --egress log")
    if push_url and not token:
        raise click.UsageError("--push needs --token (or GOVERN_TOKEN)")
    from govern.scanner.api import scan

    progress, update = _progress_bar()
    if progress:
        progress.start()
    try:
        result = scan(
            list(paths),
            secret_key=app.settings.secret_key,
            ignore=tuple(ignore),
            cache_path=cache,
            progress=update,
            egress_logs=list(egress),
        ).as_dict()
    finally:
        if progress:
            progress.stop()
    target_name = target or (str(paths[0]) if paths else "egress")
    if push_url:
        from govern.scanner.push import PushError, push

        try:
            answers = push(
                result,
                push_url,
                token,
                target=target_name,
                agent=os.uname().nodename,
                batch_size=batch_size,
            )
        except PushError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"pushed {len(result['discoveries'])} discoveries in {len(answers)} batches; run {result['scan']['run_uid']}: {answers[-1].get('status')}",  # noqa: E501
            err=True,
        )
    if ingest:
        from govern.db import write_session
        from govern.registry.auth import LOCAL_ADMIN
        from govern.registry.ingest import ingest as do_ingest

        with write_session(app.migrated_engine()) as session:
            run = do_ingest(
                session,
                result,
                target_name=target_name,
                agent="cli",
                run_uid=result["scan"]["run_uid"],
                principal=LOCAL_ADMIN,
                internal_domains=app.settings.internal_domains,
            )
            click.echo(
                f"ingested: {run.discoveries} discoveries, {run.new_discoveries} new, {run.shadow} new shadow automations, {run.gone} gone",  # noqa: E501
                err=True,
            )
    from govern.scanner.output import as_json, as_table

    text = as_json(result) if fmt == "json" else as_table(result)
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n")
    else:
        click.echo(text.rstrip("\n"))


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every enabled target once, then exit.")
@pass_app
def scheduler_command(app: AppContext, once: bool):
    """Run the scheduler in the foreground (the dedicated-process mode)."""
    engine = app.migrated_engine()
    if once:
        from sqlmodel import select

        from govern.db import read_session
        from govern.registry.models import ScanTarget
        from govern.scanner.run import run_target

        with read_session(engine) as session:
            ids = [t.id for t in session.exec(select(ScanTarget).where(ScanTarget.enabled == True))]  # noqa: E712
        for target_id in ids:
            run = run_target(app.settings, engine, target_id)
            if run is not None:
                click.echo(
                    f"{run.target_name}: {run.status}, {run.discoveries} discoveries, {run.shadow} new shadow, {run.gone} gone"  # noqa: E501
                )
        return
    from govern.scheduler import build_scheduler

    scheduler = build_scheduler(app.settings, engine)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.start()
    click.echo(f"scheduler running with {len(scheduler.get_jobs())} jobs; Ctrl-C to stop", err=True)
    stop.wait()
    scheduler.shutdown(wait=True)


@click.group("targets")
def targets_group():
    """Manage scan targets (places scanned on a schedule)."""


def _call(app: AppContext, fn, *args, **kwargs):
    from govern.db import write_session
    from govern.registry.auth import LOCAL_ADMIN
    from govern.registry.automations import Conflict, NotFound
    from govern.scanner import targets

    try:
        with write_session(app.migrated_engine()) as session:
            result = fn(session, *args, principal=LOCAL_ADMIN, **kwargs)
            return targets.target_dict(result) if result is not None else None
    except targets.TargetInvalid as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    except (NotFound, Conflict) as exc:
        raise click.ClickException(str(exc)) from None


def _values(kind, location, namespace, interval, cron, ignore, missing_after, enabled):
    values = {
        "kind": kind,
        "location": location,
        "namespace": namespace,
        "interval_seconds": interval,
        "cron": cron,
        "missing_after_runs": missing_after,
        "enabled": enabled,
    }
    values = {k: v for k, v in values.items() if v is not None}
    if ignore:
        values["ignore"] = list(ignore)
    return values


_options = [
    click.option("--kind", type=click.Choice(["path", "egress"])),
    click.option("--namespace"),
    click.option("--interval", type=int, help="Seconds between runs (>= 60)."),
    click.option("--cron", help="5-field cron, UTC."),
    click.option("--ignore", multiple=True),
    click.option(
        "--missing-after", type=int, help="Runs unseen before a declared automation is missing."
    ),
]


def _with_options(fn):
    for option in reversed(_options):
        fn = option(fn)
    return fn


@targets_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def targets_list(app: AppContext, fmt: str):
    """List scan targets."""
    import json

    from govern.db import read_session
    from govern.scanner import targets

    with read_session(app.migrated_engine()) as session:
        items = [targets.target_dict(t) for t in targets.list_targets(session)]
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return
    for t in items:
        when = t["cron"] or f"every {t['interval_seconds']}s"
        state = "enabled" if t["enabled"] else "disabled"
        click.echo(
            f"{t['name']:<24} {t['kind']:<7} {when:<18} {state:<9} last success {t['last_success_at'] or '-'}  {t['location']}"  # noqa: E501
        )


@targets_group.command("add")
@click.argument("name")
@click.argument("location")
@_with_options
@pass_app
def targets_add(
    app: AppContext, name, location, kind, namespace, interval, cron, ignore, missing_after
):
    """Add a target NAME scanning LOCATION."""
    from govern.scanner import targets

    values = _values(kind, location, namespace, interval, cron, ignore, missing_after, None)
    t = _call(app, targets.create, {"name": name, **values})
    click.echo(f"added scan target {t['name']} ({t['location']})")


@targets_group.command("update")
@click.argument("name")
@click.option("--location")
@click.option("--enable/--disable", "enabled", default=None)
@_with_options
@pass_app
def targets_update(
    app: AppContext, name, location, enabled, kind, namespace, interval, cron, ignore, missing_after
):
    """Change a target."""
    from govern.scanner import targets

    values = _values(kind, location, namespace, interval, cron, ignore, missing_after, enabled)
    t = _call(app, targets.update, name, values)
    click.echo(f"updated scan target {t['name']}")


@targets_group.command("remove")
@click.argument("name")
@pass_app
def targets_remove(app: AppContext, name):
    """Delete a target (its runs and discoveries stay)."""
    from govern.scanner import targets

    _call(app, targets.delete, name)
    click.echo(f"removed scan target {name}")


@targets_group.command("run")
@click.argument("name")
@pass_app
def targets_run(app: AppContext, name):
    """Scan a target now and ingest the result."""
    from govern.db import read_session
    from govern.registry.automations import NotFound
    from govern.scanner import targets
    from govern.scanner.run import run_target

    engine = app.migrated_engine()
    try:
        with read_session(engine) as session:
            target_id = targets.get(session, name).id
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    run = run_target(app.settings, engine, target_id)
    if run is None:
        raise click.ClickException(f"scan target {name} is disabled")
    click.echo(
        f"{name}: {run.status} in {run.duration_seconds or 0:.2f}s: {run.discoveries} discoveries, {run.new_discoveries} new, {run.shadow} new shadow automations, {run.gone} gone"  # noqa: E501
    )


COMMANDS = (scan_command, scheduler_command, targets_group)
