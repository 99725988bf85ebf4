"""Inserting many rows at once with the least work per row.

A registration of 10,000 manifests inserts ~40,000 rows. Through SQLAlchemy Core each
value of each row goes through parameter bookkeeping and its type's bind processor
(JSON serialised, timestamps formatted), about half the time of the whole insert. On
SQLite :func:`insert_rows` hands the driver's ``executemany`` plain tuples instead: each
column's own bind processor converts the values (memoised for repeated ones, such as
the batch's timestamp), and JSON made beforehand (``texts``: what the JSON type would
store, see ``govern.registry.declared.to_json``) is used as is. Other databases go
through Core, with such JSON parsed back first, so both paths store the same values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlmodel import Session

#: Rows per statement through Core (other databases).
CORE_CHUNK = 1000

#: (statement, row -> its values in column order, [(index, bind processor)])
_Plan = tuple[str, Callable[[dict], tuple], list[tuple[int, Callable[[Any], Any]]]]
_PLANS: WeakKeyDictionary[Dialect, dict[tuple, _Plan]] = WeakKeyDictionary()


def insert_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    common: dict[str, Any] | None = None,
    texts: Collection[str] = (),
) -> None:
    """INSERT ``rows`` (dicts with the same keys, column name -> value) into ``table``.

    ``common``: the values of other columns, the same in every row (converted once).
    ``texts``: the JSON columns that hold JSON text already.
    """
    if not rows:
        return
    common = common or {}
    connection = session.connection()
    dialect = connection.dialect
    if not _driver_ready(dialect):
        shared = _parsed(common, texts)
        for start in range(0, len(rows), CORE_CHUNK):
            chunk = [{**shared, **_parsed(row, texts)} for row in rows[start : start + CORE_CHUNK]]
            session.execute(table.insert(), chunk)
        return
    columns = tuple(rows[0])
    sql, values_of, processors = _plan(dialect, table, columns, tuple(common))
    conversions = []
    names, shared = tuple(common), list(common.values())
    for index, process in processors:
        if index >= len(columns):  # a common value: converted here, once
            at = index - len(columns)
            if names[at] not in texts:
                shared[at] = process(shared[at])
        elif columns[index] not in texts:
            conversions.append((index, _memoised(process)))
    tail = tuple(shared)
    if not conversions:
        params = [values_of(row) + tail for row in rows]
    else:
        params = []
        for row in rows:
            values = list(values_of(row))
            for index, convert in conversions:
                values[index] = convert(values[index])
            params.append((*values, *tail))
    connection.exec_driver_sql(sql, params)


def _driver_ready(dialect: Dialect) -> bool:
    """SQLite, with the JSON serialiser that ``texts`` were made like."""
    return dialect.name == "sqlite" and getattr(dialect, "_json_serializer", None) in (
        None,
        json.dumps,
    )


def _parsed(row: dict[str, Any], texts: Collection[str]) -> dict[str, Any]:
    if not texts:
        return row
    return {k: json.loads(v) if k in texts else v for k, v in row.items()}


def _plan(
    dialect: Dialect, table: Table, columns: tuple[str, ...], common: tuple[str, ...]
) -> _Plan:
    """The statement for a row's ``columns`` then the ``common`` ones, a getter of a row's
    values, and the bind processors by position."""
    plans = _PLANS.setdefault(dialect, {})
    plan = plans.get((table.name, columns, common))
    if plan is None:
        names = columns + common
        quote = dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        processors = []
        for index, name in enumerate(names):
            process = table.c[name].type._cached_bind_processor(dialect)
            if process is not None:
                processors.append((index, process))
        values_of = itemgetter(*columns) if len(columns) > 1 else _one(columns[0])
        plan = plans[(table.name, columns, common)] = (sql, values_of, processors)
    return plan


def _one(column: str) -> Callable[[dict], tuple]:
    return lambda row: (row[column],)


def _memoised(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The same timestamp, flag or empty list object repeats across a batch: convert it
    once (by identity, within one insert, so equal values of other types never share a
    result)."""
    done: dict[int, tuple[Any, Any]] = {}

    def convert(value: Any) -> Any:
        hit = done.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        result = process(value)
        done[id(value)] = (value, result)
        return result

    return convert
