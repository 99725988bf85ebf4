"""`govern lineage ...`: show, paths, impact, orphans, duplicates, top, export.

Thin shells over the graph's queries; the text renderers are plain functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from govern.cli import AppContext, pass_app
from govern.lineage.flows import MAX_HOPS, FlowPath
from govern.lineage.queries import DEFAULT_DEPTH, DIRECTIONS, MAX_DEPTH
from govern.lineage.selectors import SelectorError, parse
from govern.registry.automations import NotFound

FORMATS = click.Choice(["text", "json"])
EXPORT_FORMATS = ("json", "graphml", "openlineage")


def _graph(app: AppContext):
    from govern.lineage import graph_for

    return graph_for(app.migrated_engine())


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None


def render_neighbourhood(hood: dict[str, Any]) -> str:
    """Upstream above the root, downstream below, each with its distance and relation."""
    lines = [f"{hood['root']}  ({hood['direction']}, depth {hood['depth']})"]
    nodes = {n["id"]: n for n in hood["nodes"]}
    root = nodes[hood["root"]]
    for key in ("classification", "kind", "platform", "owner", "lifecycle"):
        if root.get(key):
            lines.append(f"  {key}: {root[key]}")
    ups = [n for n in hood["nodes"] if (n.get("distance") or 0) < 0]
    downs = [n for n in hood["nodes"] if (n.get("distance") or 0) > 0]
    people = [n for n in hood["nodes"] if n.get("distance") is None]
    for title, group in (("upstream", ups), ("downstream", downs)):
        lines.append(f"{title} ({len(group)}):")
        for n in sorted(group, key=lambda x: (abs(x["distance"]), x["id"])):
            extra = f" [{n['classification']}]" if n.get("classification") else ""
            if n.get("external"):
                extra += " external" + ("" if n.get("approved") else ", unapproved")
            lines.append(f"  {abs(n['distance'])}  {n['id']}{extra}")
    if people:
        lines.append(f"owners ({len(people)}):")
        lines += [
            f"  {p['id']}" + ("" if p.get("active") else " (inactive or unknown)") for p in people
        ]
    return "\n".join(lines)


def render_paths(paths: list[FlowPath]) -> str:
    if not paths:
        return "no paths found"
    lines = []
    for index, path in enumerate(paths, 1):
        label = path.classification or "unclassified"
        tags = f" {','.join(path.tags)}" if path.tags else ""
        lines.append(f"{index}. [{label}{tags}] {path.source} -> {path.sink}")
        for hop in path.hops:
            read, write = hop.read_evidence, hop.write_evidence
            lines.append(
                f"     {hop.from_asset} --{read['mode']} ({read['learned']})--> {hop.automation}"
                f" --{write.get('mode', '?')} ({write.get('learned', '?')})--> {hop.to_asset}"
            )
    lines.append(f"{len(paths)} path(s)")
    return "\n".join(lines)


def _selector(option: str, text: str) -> dict:
    try:
        return parse(text)
    except SelectorError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


@click.group("lineage")
def lineage_group() -> None:
    """Where data goes: who reads, writes and calls what."""


@lineage_group.command("show")
@click.argument("node")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="both", show_default=True)
@click.option(
    "--depth", type=click.IntRange(1, MAX_DEPTH), default=DEFAULT_DEPTH, show_default=True
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def show_cmd(app: AppContext, node: str, direction: str, depth: int, fmt: str) -> None:
    """Upstream and downstream of NODE (automation key, asset URI, or email)."""
    hood = _run(_graph(app).neighbourhood, node, direction, depth)
    click.echo(json.dumps(hood, indent=2) if fmt == "json" else render_neighbourhood(hood))


@lineage_group.command("paths")
@click.option("--from", "source", required=True, help="Source selector, e.g. restricted")
@click.option("--to", "sink", required=True, help="Sink selector, e.g. external or ai")
@click.option("--through", default=None, help="Automation key that must be on the path")
@click.option("--max-hops", type=click.IntRange(1, MAX_HOPS), default=6, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def paths_cmd(app: AppContext, source, sink, through, max_hops, limit, fmt) -> None:
    """Data-flow paths from assets matching --from to assets matching --to."""
    src, dst = _selector("--from", source), _selector("--to", sink)
    found = _run(_graph(app).flow_paths, source=src, sink=dst, max_hops=max_hops, through=through)
    total = len(found)
    found = found[:limit] if limit else found
    if fmt == "json":
        click.echo(
            json.dumps({"from": src, "to": dst, "paths": [p.as_dict() for p in found]}, indent=2)
        )
    else:
        click.echo(render_paths(found))
        if len(found) < total:
            click.echo(f"(showing {len(found)} of {total}; raise --limit to see more)")


@lineage_group.command("impact")
@click.argument("node")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def impact_cmd(app: AppContext, node: str, fmt: str) -> None:
    """What is affected if NODE changes (an asset) or stops (an automation)."""
    result = _run(_graph(app).impact, node)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"impact of {result['node']}: {result['size']} automation(s) affected")
    for key in ("automations", "assets", "people"):
        click.echo(f"{key} ({len(result[key])}):")
        for item in result[key]:
            click.echo(f"  {item}")


@lineage_group.command("orphans")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def orphans_cmd(app: AppContext, fmt: str) -> None:
    """Live automations whose owner is unknown or inactive."""
    items = _graph(app).orphans()
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return
    for o in items:
        backup = o["backup_owner"] or "-"
        click.echo(
            f"{o['automation']:44} {o['reason']:15} owner={o['owner'] or '-'} "
            f"backup={backup} blast_radius={o['blast_radius']}"
        )
    click.echo(f"{len(items)} orphan(s)")


@lineage_group.command("duplicates")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def duplicates_cmd(app: AppContext, fmt: str) -> None:
    """Consolidation candidates: same fingerprint, or same inputs and outputs."""
    groups = _graph(app).consolidation_candidates()
    if fmt == "json":
        click.echo(json.dumps(groups, indent=2))
        return
    for g in groups:
        click.echo(f"{g['reason']}: {', '.join(g['automations'])}")
    click.echo(f"{len(groups)} group(s)")


@lineage_group.command("top")
@click.option("--limit", type=click.IntRange(1, 500), default=10, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_app
def top_cmd(app: AppContext, limit: int, fmt: str) -> None:
    """The nodes most automations depend on."""
    items = _graph(app).most_depended_upon(limit)
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return
    for item in items:
        click.echo(f"{item['dependents']:6}  {item['node']}")


def export_text(graph, fmt: str, node: str | None = None, depth: int = DEFAULT_DEPTH) -> str:
    """The export in ``fmt`` as text (OpenLineage: one event per line)."""
    if fmt == "graphml":
        return graph.graphml(node, depth)
    if fmt == "openlineage":
        return "".join(json.dumps(e) + "\n" for e in graph.openlineage_events(node, depth))
    return json.dumps(graph.node_link(node, depth), indent=2) + "\n"


@lineage_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True
)
@click.option("--node", default=None, help="Only the neighbourhood of this node")
@click.option(
    "--depth", type=click.IntRange(1, MAX_DEPTH), default=DEFAULT_DEPTH, show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_app
def export_cmd(app: AppContext, fmt: str, node, depth: int, output: Path | None) -> None:
    """Export as JSON node-link, GraphML (Gephi, yEd) or OpenLineage events (NDJSON)."""
    text = _run(export_text, _graph(app), fmt, node, depth)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


COMMANDS = (lineage_group,)
