"""Export and import of the whole inventory as JSON Lines, generic over the tables.

Every table on the SQLModel metadata is exported (so tables later issues add are
never left behind), in dependency order, rows ordered by primary key, values in
JSON (times as ISO 8601). Credentials are left out unless asked for, and then
only as the hashes the database holds. The first line is a header naming the
format, the schema revisions and the tables; importing into an empty registry
reproduces the same rows, keys and ids, so export -> import -> export is identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

import govern.registry.models  # noqa: F401  (every table on the metadata)
from govern.registry import audit

FORMAT = "govern-export"
VERSION = 1
CREDENTIAL_TABLES = ("api_token", "app_user")
INVENTORY_TABLES = ("automation", "asset", "person")
BATCH = 1000


class TransferError(ValueError):
    """The file cannot be imported; the message says where and why."""


class NotEmpty(TransferError):
    """The target registry already holds an inventory (HTTP 409)."""


def tables(include_credentials: bool = False) -> list[Table]:
    """Tables in dependency order (parents first)."""
    return [
        t
        for t in SQLModel.metadata.sorted_tables
        if include_credentials or t.name not in CREDENTIAL_TABLES
    ]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_lines(session: Session, *, include_credentials: bool = False) -> Iterator[str]:
    """The export, one JSON document per line (header first)."""
    from govern import schema

    chosen = tables(include_credentials)
    connection = session.connection()
    header = {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "revisions": sorted(schema.current_revisions(connection)),
        "tables": [t.name for t in chosen],
        "credentials": include_credentials,
    }
    yield _dumps(header)
    for table in chosen:
        order = list(table.primary_key.columns) or list(table.columns)
        result = connection.execute(select(table).order_by(*order)).mappings()
        for row in result:
            yield _dumps({"table": table.name, "row": {k: _encode(v) for k, v in row.items()}})


def export_to(handle: IO[str], session: Session, *, include_credentials: bool = False) -> int:
    """Write the export to ``handle``; returns the number of records written."""
    count = -1
    for line in export_lines(session, include_credentials=include_credentials):
        handle.write(line)
        handle.write("\n")
        count += 1
    return count


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _decoder(table: Table):
    """Turn JSON values back into what each column holds."""
    converters = {}
    for column in table.columns:
        kind = column.type
        kind = getattr(kind, "impl_instance", kind)  # TypeDecorators (e.g. UTC datetimes)
        try:
            python_type = kind.python_type
        except NotImplementedError:
            continue
        if python_type is datetime:
            converters[column.name] = datetime.fromisoformat
        elif python_type is date:
            converters[column.name] = date.fromisoformat

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - set(table.columns.keys())
        if unknown:
            raise TransferError(
                f"table {table.name} has no column(s) {', '.join(sorted(unknown))}; "
                "was the file exported by a newer govern? upgrade, then import"
            )
        return {
            k: (converters[k](v) if v is not None and k in converters else v)
            for k, v in row.items()
        }

    return decode


def is_empty(session: Session) -> bool:
    connection = session.connection()
    by_name = SQLModel.metadata.tables
    return all(
        connection.execute(select(func.count()).select_from(by_name[name])).scalar() == 0
        for name in INVENTORY_TABLES
    )


def import_lines(
    session: Session,
    lines: Iterable[str],
    *,
    replace: bool = False,
    source: str = "import",
    actor: str = "local-cli",
) -> dict[str, int]:
    """Load an export into this database, in the caller's transaction.

    The registry must be empty (no automations, assets or people) unless
    ``replace``; the tables named in the header are emptied first (e.g. the
    built-in policies `govern init` installed), then filled with the file's rows
    under their original ids, and the import itself is audited (after the imported
    history, which it does not rewrite). Returns rows imported per table.
    """
    iterator = iter(lines)
    header = _header(next(iterator, ""), source)
    by_name = SQLModel.metadata.tables
    named = header["tables"]
    unknown = [n for n in named if n not in by_name]
    if unknown:
        raise TransferError(
            f"{source}: unknown table(s) {', '.join(unknown)}; upgrade govern, then import"
        )
    if not replace and not is_empty(session):
        raise NotEmpty(
            f"{source}: the registry already holds automations, assets or people; import into "
            "an empty database (govern init on a new GOVERN_DATABASE_URL) or pass --replace"
        )
    connection = session.connection()
    ordered = [t for t in SQLModel.metadata.sorted_tables if t.name in named]
    for table in reversed(ordered):
        connection.execute(table.delete())
    decoders = {t.name: _decoder(t) for t in ordered}
    counts = {t.name: 0 for t in ordered}
    pending: dict[str, list[dict[str, Any]]] = {t.name: [] for t in ordered}
    position = {t.name: i for i, t in enumerate(ordered)}
    current = 0
    for number, line in enumerate(iterator, start=2):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            name, row = record["table"], record["row"]
        except (ValueError, KeyError, TypeError):
            raise TransferError(f"{source}, line {number}: not an export record") from None
        if name not in decoders:
            raise TransferError(f"{source}, line {number}: table {name!r} is not in the header")
        if position[name] < current:
            raise TransferError(f"{source}, line {number}: table {name} out of dependency order")
        if position[name] > current:
            _flush(connection, ordered, pending, counts)
            current = position[name]
        pending[name].append(decoders[name](row))
        if len(pending[name]) >= BATCH:
            _flush(connection, ordered, pending, counts)
    _flush(connection, ordered, pending, counts)
    _reset_sequences(connection, ordered)
    audit.record(
        session,
        actor=actor,
        action="inventory.imported",
        entity_type="inventory",
        entity_key=source,
        after={"records": counts, "replaced": replace},
    )
    return counts


def _header(line: str, source: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError(f"{source}: not a govern export (the first line is not its header)")
    if header.get("version") != VERSION:
        raise TransferError(f"{source}: export format version {header.get('version')} unsupported")
    return header


def _flush(connection: Connection, ordered, pending, counts) -> None:
    for table in ordered:
        rows = pending[table.name]
        if rows:
            connection.execute(table.insert(), rows)
            counts[table.name] += len(rows)
            pending[table.name] = []


def _reset_sequences(connection: Connection, ordered: list[Table]) -> None:
    """PostgreSQL keeps ids in sequences; move them past the imported ids."""
    if connection.dialect.name != "postgresql":
        return
    for table in ordered:
        if "id" not in table.columns or not isinstance(table.c.id.type, Integer):
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
