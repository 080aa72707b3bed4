"""SQL for whole batches: rows for a list of ids read along an index whatever the planner's
statistics say, rows inserted in one statement leaving out what a unique constraint refuses,
and (PostgreSQL) a cursor that sends big array parameters apart from the SQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


def rows_for_ids(
    model: type[models.Model], field: str, ids: Iterable[int], columns: Sequence[str], **equal: Any
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``model`` whose ``field`` is one of ``ids`` (and whose other
    fields equal ``equal``), as tuples in no particular order.

    ``WHERE field IN (500 ids)`` is planned from the column's statistics; a table that has not
    been analysed yet (a new one, one that grew fast, a server without autovacuum) is assumed to
    hold 200 distinct values, so 500 ids look like the whole table and PostgreSQL scans all of
    it, for every batch (bench/executor.py: 17 ms a batch at 66,000 outbox rows, growing). Asked
    one id at a time through ``unnest … CROSS JOIN LATERAL`` (``OFFSET 0`` keeps the planner
    from turning that back into the same join), the index on ``field`` is the only sensible
    plan. Other databases get the plain ``IN``.
    """
    meta = model._meta
    names = [str(_field(model, name).column) for name in columns]
    ids = list(ids)
    if not ids:
        return []
    if connection.vendor != "postgresql":
        return list(model._default_manager.filter(**{f"{field}__in": ids}, **equal).values_list(*columns))
    conditions = [f"{_field(model, field).column} = v.id"]
    params: list[Any] = [ids]
    for name, value in equal.items():
        conditions.append(f"{_field(model, name).column} = %s")
        params.append(value.pk if isinstance(value, models.Model) else value)
    # Only the model's own table and column names are formatted in; values are parameters.
    sql = (
        f"SELECT {', '.join(f't.{n}' for n in names)} FROM unnest(%s::bigint[]) AS v(id) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT {', '.join(names)} FROM {meta.db_table} "
        f"WHERE {' AND '.join(conditions)} OFFSET 0) AS t"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")  # a reverse relation, say
    return found


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows`` (values in the order of the fields named in ``columns``, and the values in
    ``same``, field name → value, for every row) in that order, leaving out every one a unique
    constraint refuses; returns how many went in.

    PostgreSQL: one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING``, the columns sent
    as binary arrays apart from the SQL (a batch of 10,000 enrollments in one statement,
    bench/executor.py). Other databases: the same ``INSERT … ON CONFLICT DO NOTHING`` row by row.
    The count is what the database inserted, so rows a concurrent writer added meanwhile are not
    counted twice.
    """
    if not rows:
        return 0
    same = dict(same or {})
    fields = [_field(model, name) for name in columns]
    constants = [_field(model, name) for name in same]
    names = ", ".join(str(f.column) for f in (*fields, *constants))
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        values = ", ".join(["%s"] * (len(fields) + len(constants)))
        tail = [f.get_db_prep_save(value, connection) for f, value in zip(constants, same.values(), strict=True)]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT DO NOTHING",  # noqa: S608 - names are ours
                [
                    [*(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)), *tail]
                    for row in rows
                ],
            )
            return int(cursor.rowcount)

    def dumped(field: models.Field[Any, Any], value: Any) -> Any:
        return json.dumps(value) if isinstance(field, models.JSONField) else value

    varying = ", ".join(str(f.column) for f in fields)
    scalars = "".join(f", %s::{f.db_type(connection)}" for f in constants)
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    with bound_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {varying}{scalars} "  # noqa: S608 - names are ours
            f"FROM unnest({arrays}) WITH ORDINALITY AS v({varying}, row_number) "
            "ORDER BY row_number ON CONFLICT DO NOTHING",
            [
                *(dumped(f, value) for f, value in zip(constants, same.values(), strict=True)),
                *([dumped(f, row[index]) for row in rows] for index, f in enumerate(fields)),
            ],
        )
        return int(cursor.rowcount)


@contextmanager
def bound_cursor() -> Iterator[Any]:
    """A psycopg cursor on Django's PostgreSQL connection (same transaction) that sends parameters
    apart from the statement (server-side binding).

    Django's cursors bind on the client: every value is quoted into the SQL text, which for the
    arrays of a batch (``unnest(%s::bigint[], …)`` with 10,000 values in ten columns) costs more
    than the statement (bench/executor.py: a third of enrolling 100,000 contacts). Statements
    run here are not seen by ``connection.execute_wrapper``.
    """
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


class AnyOf(models.Lookup):
    """``field__any=[…]``: ``field = ANY(%s)`` with the list as one array parameter on PostgreSQL,
    ``IN (…)`` elsewhere.

    For the lists of a batch (a thousand emails, keys, ids) ``IN`` costs more in Python than
    the query costs in the database: each value is prepared as a lookup parameter and psycopg
    splits a query string with a thousand placeholders on every execution.
    """

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)  # foreign keys keep a lookup registry of their own
