"""Rendering a scan result for a terminal (table) or machines (json)."""

from __future__ import annotations

import json
from typing import Any


def as_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False, default=str)


def as_table(result: dict[str, Any]) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buffer = StringIO()
    console = Console(file=buffer, width=200, no_color=True)
    table = Table(title="Discoveries", show_lines=False)
    for column in (
        "platform",
        "name",
        "trigger",
        "AI",
        "secrets",
        "copies",
        "owner hint",
        "location",
    ):
        table.add_column(column, overflow="fold")
    roots = [str(r).rstrip("/") + "/" for r in result["scan"].get("roots", [])]
    for d in result["discoveries"]:
        location = d["location"]
        for root in roots:
            if location.startswith(root):
                location = location[len(root) :]
                break
        trig = d["triggers"][0] if d["triggers"] else {}
        trig_text = trig.get("type", "") + (f" {trig['schedule']}" if trig.get("schedule") else "")
        table.add_row(
            d["platform"],
            str(d["name"])[:40],
            trig_text,
            ", ".join(d["ai_services"]),
            ", ".join(sorted({s["type"] for s in d["secrets"]})) or "",
            str(d.get("copies", 1)),
            str(d.get("owner_hint") or ""),
            location,
        )
    console.print(table)
    s = result["scan"]
    console.print(
        f"{s['files_seen']} files seen, {s['files_read']} read ({s['bytes_read']} bytes), "
        f"{s['files_cached']} unchanged, {s['discoveries']} discoveries, {s['secrets']} secrets, "
        f"{s['duplicate_groups']} duplicate groups, {s['skipped_count']} skipped, "
        f"{s['duration_seconds']} s"
    )
    return buffer.getvalue()
