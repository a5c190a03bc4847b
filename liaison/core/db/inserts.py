"""New rows written with statements built once per model, for the paths that write many rows a second
(a citizen's opinion writes five or six).

`Model.save()` and `bulk_create()` compile their INSERT again on every call: for a model of forty
fields that costs more than the statement itself, and on SQLite it is spent while the writer holds
the database (see liaison/core/db/sqlite/base.py). `insert(obj)` and `insert_many(objs)` write what
`save()` would write for a new row — defaults, `auto_now`/`auto_now_add`, each field's own preparation
(encryption included) — with one cached statement, and read back the primary key and any database-
computed columns (RETURNING, on SQLite 3.35+ and PostgreSQL). They send no model signals (the
project uses none), do not call a model's own `save()` (use them only where it adds nothing for a new
row: AuditLog's refuses changes, not new rows) and refuse multi-table inheritance."""

from django.db import connections, router
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin

_statements: dict[tuple, tuple[str, list, list, list]] = {}


def _statement(model: type[Model], connection, rows: int) -> tuple[str, list, list, list]:
    key = (connection.alias, connection.vendor, model, rows)
    built = _statements.get(key)
    if built is not None:
        return built
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label}: multi-table inheritance is not supported here")
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]
    for f in fields:
        if hasattr(f, "get_placeholder"):
            raise TypeError(f"{meta.label}.{f.name}: a field with its own placeholder is not supported here")
    returning = list(meta.db_returning_fields)
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = "INSERT INTO {} ({}) VALUES {} RETURNING {}".format(
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join([row] * rows),
        ", ".join(qn(f.column) for f in returning),
    )
    converters = []
    for f in returning:
        col = f.get_col(meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))
    built = _statements[key] = (sql, fields, returning, converters)
    return built


def insert_many(objs: list[Model], *, using: str | None = None) -> list[Model]:
    """INSERT new rows of one model in one statement; sets each object's primary key and computed
    columns and marks it saved. Returns the objects."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    sql, fields, returning, converters = _statement(model, connection, len(objs))
    params = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("insert_many takes objects of one model")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) != len(objs):  # pragma: no cover - the database answers one row per row inserted
        raise RuntimeError(f"{len(objs)} rows inserted, {len(rows)} returned")
    # The rows come back in the order of VALUES, as Django's own bulk_create assumes on both databases.
    for obj, row in zip(objs, rows, strict=True):
        for f, value, (col, convert) in zip(returning, row, converters, strict=True):
            for converter in convert:
                value = converter(value, col, connection)
            setattr(obj, f.attname, value)
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert(obj: Model, *, using: str | None = None) -> Model:
    """INSERT one new row (see the module's text); returns the object, saved."""
    return insert_many([obj], using=using)[0]
