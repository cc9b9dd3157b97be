"""Plain SQL for the few statements every request or every intake runs.

Django compiles a queryset into SQL on every evaluation: about a millisecond for a filtered read with two joins
on these machines, and as much for an insert of a wide row, against a tenth of that for the database to answer.
The statements that every API request (its token, its person's roles) and every intake (the case, its event,
its audit entry, its notifications) runs are written here once, as text, and their rows made into model
instances the way the ORM makes them: the same columns in the same order, through the same converters of each
field and of the backend (SQLite's dates, for instance, come back as text), with related rows cached where
`select_related` would cache them. Each statement's ORM twin stays in the tests, which hold the two to the same
answer on SQLite and on PostgreSQL.

Only for statements of a fixed shape; everything else goes through the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, transaction
from django.db.models import Field, Model


def _field(model: type[Model], name: str) -> Field:
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found


def table(model: type[Model]) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


@functools.cache
def columns(model: type[Model], alias: str = "") -> str:
    """Every concrete column of `model`, in the order of its fields (as `from_db` takes them), qualified by
    `alias` (or by its table)."""
    quote = connections["default"].ops.quote_name
    prefix = quote(alias) if alias else quote(model._meta.db_table)
    return ", ".join(f"{prefix}.{quote(str(f.column))}" for f in model._meta.concrete_fields)


@functools.cache
def _converters(model: type[Model], alias: str) -> tuple[tuple[int, Any, tuple], ...]:
    """(position, column expression, converters) of each field whose value the database does not give as Python
    expects, as Django's compiler finds them."""
    connection = connections[alias]
    found = []
    for i, f in enumerate(model._meta.concrete_fields):
        col = f.get_col(model._meta.db_table)
        funcs = tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        if funcs:
            found.append((i, col, funcs))
    return tuple(found)


def instance(model: type[Model], values: Sequence, alias: str = "default") -> Model:
    """A model instance from a row of `columns(model)`, as the ORM would make it."""
    values = list(values)
    connection = connections[alias]
    for i, col, funcs in _converters(model, alias):
        for convert in funcs:
            values[i] = convert(values[i], col, connection)
    return model.from_db(alias, _attnames(model), values)


@functools.cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def select(sql: str, params: Sequence, *models: type[Model], alias: str = "default") -> list:
    """Rows of `sql` (which selects `columns(m)` of each model in turn) as instances: one a row for one model,
    a tuple a row for several (a missing row of an outer join gives None)."""
    widths = [len(m._meta.concrete_fields) for m in models]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        made, start = [], 0
        for model, width in zip(models, widths, strict=True):
            part = row[start:start + width]
            start += width
            pk_at = model._meta.concrete_fields.index(model._meta.pk)
            made.append(None if part[pk_at] is None else instance(model, part, alias))
        out.append(made[0] if len(models) == 1 else tuple(made))
    return out


def rows_of(model: type[Model], column: str, given: Any, alias: str = "default") -> list:
    """`model.objects.filter(<column>=given)` in the model's own order (`Meta.ordering` of plain field names)."""
    quote = connections[alias].ops.quote_name
    order = []
    for name in model._meta.ordering or ():
        if not isinstance(name, str):
            raise TypeError(f"{model.__name__} is ordered by an expression: read it through the ORM")
        descending = name.startswith("-")
        order.append(quote(str(_field(model, name.lstrip("-")).column)) + (" DESC" if descending else ""))
    by = f" ORDER BY {', '.join(order)}" if order else ""
    return select(f"SELECT {columns(model)} FROM {table(model)} WHERE {quote(column)} = %s{by}",  # noqa: S608
                  [given], model, alias=alias)


def cache_related(obj: Model, name: str, related: Model | None) -> None:
    """What `select_related(name)` leaves on `obj`: the related row, read with it."""
    field = obj._meta.get_field(name)
    if not hasattr(field, "set_cached_value"):
        raise TypeError(f"{name} is not a relation of {type(obj).__name__}")
    field.set_cached_value(obj, related)


def update(obj: Model, names: Iterable[str], where: dict | None = None, alias: str = "default") -> int:
    """`UPDATE` of the columns `names` of `obj`'s row to its values (as `QuerySet.update` writes them: no
    `pre_save`), where its key and each of `where` (column: value) match; how many rows changed (0: another
    transaction changed it first, for a version column)."""
    connection = connections[alias]
    model = type(obj)
    quote = connection.ops.quote_name
    fields = [_field(model, name) for name in names]
    conditions = {model._meta.pk.column: obj.pk, **(where or {})}
    sql = (f"UPDATE {table(model)} SET {', '.join(f'{quote(str(f.column))} = %s' for f in fields)} "  # noqa: S608
           f"WHERE {' AND '.join(f'{quote(c)} = %s' for c in conditions)}")
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *conditions.values()])
        return cursor.rowcount


def value(model: type[Model], name: str, given: Any, alias: str = "default") -> Any:
    """`given` as the database takes it for `model.name` (a time on SQLite is text in UTC, for example)."""
    return _field(model, name).get_db_prep_value(given, connections[alias], prepared=False)


@functools.lru_cache(maxsize=64)
def _insert_sql(model: type[Model], alias: str, rows: int, ignore_conflicts: bool) -> tuple[str, tuple]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key or not f.db_returning)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    verb = "INSERT"
    tail = ""
    if ignore_conflicts:
        if connection.vendor == "sqlite":
            verb = "INSERT OR IGNORE"
        else:
            tail = " ON CONFLICT DO NOTHING"
    returning = ""
    pk = model._meta.pk
    if pk.db_returning and not ignore_conflicts and rows == 1:
        returning = f" RETURNING {quote(model._meta.db_table)}.{quote(str(pk.column))}"
    sql = (f"{verb} INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "
           f"VALUES {', '.join([one] * rows)}{tail}{returning}")
    return sql, fields


def insert(objs: Iterable[Model], *, ignore_conflicts: bool = False, alias: str = "default") -> None:
    """Insert new rows of one model in one statement, as `save(force_insert=True)` (one row) or `bulk_create`
    would: each field's `pre_save` (an `auto_now_add`, a default) and its value as the database takes it. An
    automatic key comes back into a single row unless conflicts are ignored (a row not written has none)."""
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert() takes rows of one model")
    if model._meta.pk.db_returning and any(obj.pk is not None for obj in objs):
        raise ValueError("insert() writes new rows: their automatic key is the database's to give")
    connection = connections[alias]
    fields = _insert_sql(model, alias, 1, ignore_conflicts)[1]
    # SQLite's limit of parameters (as bulk_create), and at most 1,000 rows a statement (a fan-out to thousands)
    batch = max(1, min(1000, connection.ops.bulk_batch_size(fields, objs)))
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start:start + batch]
            sql = _insert_sql(model, alias, len(chunk), ignore_conflicts)[0]
            cursor.execute(sql, [f.get_db_prep_save(f.pre_save(obj, True), connection)
                                 for obj in chunk for f in fields])
            if " RETURNING " in sql:
                setattr(chunk[0], model._meta.pk.attname, cursor.fetchone()[0])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
