"""Assets: parsing their names and keeping their attributes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry.ai_providers import ai_provider_for, is_external
from govern.registry.manifest import normalise_asset_key
from govern.registry.models import Access, Asset, Automation

KIND_BY_SCHEME = {
    "postgres": "table",
    "postgresql": "table",
    "mysql": "table",
    "mssql": "table",
    "sqlserver": "table",
    "oracle": "table",
    "snowflake": "table",
    "bigquery": "table",
    "file": "file",
    "smb": "file",
    "sharepoint": "spreadsheet",
    "onedrive": "file",
    "gsheets": "spreadsheet",
    "mailto": "mailbox",
    "smtp": "mailbox",
    "imap": "mailbox",
    "exchange": "mailbox",
    "http": "api",
    "https": "api",
    "kafka": "queue",
    "amqp": "queue",
    "sftp": "folder",
    "ftp": "folder",
}
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".ods")


def split_key(key: str) -> tuple[str, str]:
    """``scheme://authority/name`` -> (``scheme://authority``, ``name``)."""
    scheme, sep, rest = key.partition("://")
    if not sep:
        return key, ""
    authority, _, name = rest.partition("/")
    return f"{scheme}://{authority}", name


def infer_kind(key: str) -> str:
    scheme = key.split("://", 1)[0].lower()
    if ai_provider_for(key):
        return "ai-service"
    if key.lower().endswith(SPREADSHEET_SUFFIXES):
        return "spreadsheet"
    return KIND_BY_SCHEME.get(scheme, "other")


def new_asset(key: str, internal_domains: tuple[str, ...] = ()) -> Asset:
    return Asset(**new_asset_values(key, internal_domains))


def new_asset_values(key: str, internal_domains: tuple[str, ...] = ()) -> dict[str, Any]:
    """The columns of an asset first known by its name (the rest take their defaults)."""
    key = normalise_asset_key(key)
    namespace, name = split_key(key)
    provider = ai_provider_for(key)
    return {
        "key": key,
        "namespace": namespace,
        "name": name,
        "kind": infer_kind(key),
        "external": is_external(key, internal_domains) or (provider not in (None, "ollama")),
        "ai_provider": provider,
        "tags": [],
    }


def apply_inline(asset: Asset, ref: dict[str, Any]) -> bool:
    """Attributes given where an automation references the asset.

    A declared Asset manifest is authoritative; inline attributes only fill in
    what it leaves open. Returns True when something changed.
    """
    changed = False
    mapping = {
        "classification": "classification",
        "kind": "kind",
        "external": "external",
        "approved": "approved",
    }
    for src, attr in mapping.items():
        if src not in ref:
            continue
        if asset.declared and getattr(asset, attr) not in (None, "other"):
            continue
        if getattr(asset, attr) != ref[src]:
            setattr(asset, attr, ref[src])
            changed = True
    tags = sorted(set(asset.tags or []) | set(ref.get("tags", [])))
    if tags != sorted(asset.tags or []):
        asset.tags = tags
        changed = True
    if changed:
        asset.updated_at = utcnow()
    return changed


def fetch_by_keys(session: Session, keys: set[str]) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for asset in session.exec(select(Asset).where(col(Asset.key).in_(chunk))):
            found[asset.key] = asset
    return found


def get_asset(session: Session, key: str) -> Asset | None:
    return session.exec(select(Asset).where(Asset.key == normalise_asset_key(key))).first()


ASSET_FILTERS = {
    "kind": Asset.kind,
    "classification": Asset.classification,
    "namespace": Asset.namespace,
    "ai_provider": Asset.ai_provider,
}


def list_assets(
    session: Session,
    *,
    filters: dict[str, list[str]] | None = None,
    external: bool | None = None,
    approved: bool | None = None,
    tag: str | None = None,
    search: str = "",
    after: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Asset], int]:
    """A page of assets ordered by key; ``after`` is a keyset cursor (the last key seen)."""
    query = select(Asset)
    count = select(func.count()).select_from(Asset)
    clauses = []
    for name, values in (filters or {}).items():
        column = ASSET_FILTERS.get(name)
        if column is None:
            raise ValueError(f"unknown filter {name!r}; use one of: {', '.join(ASSET_FILTERS)}")
        if values:
            clauses.append(col(column).in_(values))
    if external is not None:
        clauses.append(Asset.external == external)
    if approved is not None:
        clauses.append(Asset.approved == approved)
    if tag:
        clauses.append(cast(Asset.tags, String).like(f'%"{tag}"%'))
    if search:
        like = f"%{search.lower()}%"
        clauses.append(or_(func.lower(Asset.key).like(like), func.lower(Asset.title).like(like)))
    for clause in clauses:
        query = query.where(clause)
        count = count.where(clause)
    total = session.exec(count).one()
    if after:
        query = query.where(Asset.key > after)
        offset = 0
    items = list(session.exec(query.order_by(col(Asset.key)).offset(offset).limit(limit)))
    return items, total


def usage(session: Session, asset: Asset) -> list[dict[str, Any]]:
    """Which automations read, write or call this asset."""
    rows = session.exec(
        select(Access.mode, Access.learned, Automation.key, Automation.lifecycle)
        .join(Automation, col(Automation.id) == col(Access.automation_id))
        .where(Access.asset_id == asset.id)
        .order_by(col(Automation.key), col(Access.mode))
    )
    return [
        {"automation": key, "mode": mode, "learned": learned, "lifecycle": lifecycle}
        for mode, learned, key, lifecycle in rows
    ]
