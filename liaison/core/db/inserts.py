"""New rows written with statements built once per model, for the paths that write many rows a second
(a citizen's opinion writes five or six).

`Model.save()` and `bulk_create()` compile their INSERT again on every call: for a model of forty
fields that costs more than the statement itself, and on SQLite it is spent while the writer holds
the database (see liaison/core/db/sqlite/base.py). `insert(obj)` and `insert_many(objs)` write what
`save()` would write for a new row — defaults, `auto_now`/`auto_now_add`, each field's own preparation
(encryption included) — with one cached statement, and read back the primary key and any database-
computed columns (RETURNING, on SQLite 3.35+ and PostgreSQL). They send no model signals (the
project uses none), do not call a model's own `save()` (use them only where it adds nothing for a new
row: AuditLog's refuses changes, not new rows) and refuse multi-table inheritance.

**Several rows in one statement.** Each statement is a round trip to PostgreSQL, and on a busy server
the round trips (the waits, the wake-ups, BEGIN and COMMIT of their own) cost more than the rows.
Inside `one_write()`, `insert()` and `insert_many()` on PostgreSQL only queue their statements; at the
end of the block they go to the server together, in one simple-protocol message: outside a
transaction PostgreSQL runs them as one implicit transaction (all or nothing, one commit); inside one
they are part of it, behind a savepoint. So the rows a block queues are written after everything
else the block does, nothing in the block can read them, and they are not read back: an object's
primary key is known only if it was set before — by `reserve_pk(obj)`, which takes the next value of
the table's sequence — and database-computed columns stay unread (a later access loads them). Other
statements of the block that refer to those rows (a foreign key, which PostgreSQL checks at commit;
an `on_commit` callback) need the block inside `transaction.atomic()`. On SQLite `one_write()` is
`transaction.atomic()` and the rows are written at once (a local database has no round trip to save;
the transaction takes the writer's turn once)."""

import contextlib

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin

_statements: dict[tuple, tuple[str, list, list, list]] = {}


def _statement(model: type[Model], connection, rows: int, *, with_pk: bool, returning: bool) -> tuple:
    key = (connection.alias, connection.vendor, model, rows, with_pk, returning)
    built = _statements.get(key)
    if built is not None:
        return built
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label}: multi-table inheritance is not supported here")
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and (with_pk or not (f.primary_key and isinstance(f, AutoFieldMixin)))
    ]
    for f in fields:
        if hasattr(f, "get_placeholder"):
            raise TypeError(f"{meta.label}.{f.name}: a field with its own placeholder is not supported here")
    back = [f for f in meta.db_returning_fields if not (with_pk and f.primary_key)] if returning else []
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = "INSERT INTO {} ({}) VALUES {}".format(
        qn(meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join([row] * rows)
    )
    if back:
        sql += " RETURNING " + ", ".join(qn(f.column) for f in back)
    converters = []
    for f in back:
        col = f.get_col(meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))
    built = _statements[key] = (sql, fields, back, converters)
    return built


def _queue(connection) -> list | None:
    """The statements an open `one_write()` block holds back on this connection, or None."""
    return getattr(connection, "_liaison_pending_writes", None)


def insert_many(objs: list[Model], *, using: str | None = None) -> list[Model]:
    """INSERT new rows of one model in one statement; sets each object's primary key and computed
    columns and marks it saved (inside `one_write()` on PostgreSQL: queues the statement, see the
    module's text). Returns the objects."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    pending = _queue(connection)
    with_pk = objs[0].pk is not None and isinstance(model._meta.pk, AutoFieldMixin)
    sql, fields, returning, converters = _statement(
        model, connection, len(objs), with_pk=with_pk, returning=pending is None
    )
    params = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("insert_many takes objects of one model")
        if with_pk and obj.pk is None:
            raise TypeError("insert_many takes objects that all have a primary key or none has")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    if pending is not None:
        pending.append((sql, params))
        rows = [()] * len(objs)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if returning else [()] * len(objs)
        if len(rows) != len(objs):  # pragma: no cover - the database answers one row per row inserted
            raise RuntimeError(f"{len(objs)} rows inserted, {len(rows)} returned")
    # The rows come back in the order of VALUES, as Django's own bulk_create assumes on both databases.
    for obj, row in zip(objs, rows, strict=True):
        for f, value, (col, convert) in zip(returning, row, converters, strict=False):
            for converter in convert:
                value = converter(value, col, connection)
            setattr(obj, f.attname, value)
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert_per_row(obj: Model, field: str, sql: str, params, *, using: str | None = None) -> None:
    """INSERT a copy of the new row `obj` for each row of a one-column query (`sql`, `params`), with
    `field` set to that row's value: one INSERT … SELECT, so the database reads the values and writes
    the rows in the same statement (queued inside `one_write()` on PostgreSQL). The rows are not read
    back, and `obj` stays unsaved."""
    model = type(obj)
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    target = model._meta.get_field(field)
    key = (connection.alias, connection.vendor, model, "per row", target.attname)
    built = _statements.get(key)
    if built is None:
        fields = [
            f
            for f in _statement(model, connection, 1, with_pk=False, returning=False)[1]
            if f.attname != target.attname
        ]
        qn = connection.ops.quote_name
        head = "INSERT INTO {} ({}) SELECT q.*, {} FROM (".format(
            qn(model._meta.db_table),
            ", ".join([qn(target.column)] + [qn(f.column) for f in fields]),
            ", ".join(["%s"] * len(fields)),
        )
        built = _statements[key] = (head, fields)
    head, fields = built
    statement = f"{head}{sql}) q"
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] + list(params)
    pending = _queue(connection)
    if pending is not None:
        pending.append((statement, values))
        return
    with connection.cursor() as cursor:
        cursor.execute(statement, values)


def insert(obj: Model, *, using: str | None = None) -> Model:
    """INSERT one new row (see the module's text); returns the object, saved."""
    return insert_many([obj], using=using)[0]


def reserve_pk(obj: Model, *, using: str | None = None) -> Model:
    """Give a new object its primary key before it is written, from the table's sequence (PostgreSQL),
    so that rows queued beside it in `one_write()` can refer to it. Elsewhere a no-op: the key comes
    from the INSERT, which `one_write()` does not hold back there."""
    model = type(obj)
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or not isinstance(model._meta.pk, AutoFieldMixin):
        return obj
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [meta.db_table, meta.pk.column])
        obj.pk = cursor.fetchone()[0]
    return obj


@contextlib.contextmanager
def one_write(*, using: str = DEFAULT_DB_ALIAS):
    """Write the new rows of the block together (see the module's text): on PostgreSQL in one round
    trip at the end of the block, all or none; on SQLite in one transaction. A block inside another
    joins it (no savepoint)."""
    connection = connections[using]
    if getattr(connection, "_liaison_one_write", False):
        yield
        return
    connection._liaison_one_write = True
    try:
        if connection.vendor != "postgresql":
            with transaction.atomic(using=using):
                yield
            return
        pending = connection._liaison_pending_writes = []
        try:
            yield
        finally:
            connection._liaison_pending_writes = None
        if pending:
            _send(connection, using, pending)
    finally:
        connection._liaison_one_write = False


def _send(connection, using: str, pending: list) -> None:
    from psycopg import ClientCursor

    # Inside a transaction, a savepoint keeps a failed write from aborting the rest of it (as the
    # implicit transaction does outside one, and transaction.atomic() on SQLite).
    nested = transaction.atomic(using=using) if connection.in_atomic_block else contextlib.nullcontext()
    with nested, connection.cursor() as cursor:
        # Each statement's values are merged into it on its own (psycopg caches the parse of a
        # statement, not of the long text of several), and the text is sent with no parameters.
        merge = ClientCursor(connection.connection).mogrify
        cursor.execute(";\n".join(merge(sql, params) for sql, params in pending))
