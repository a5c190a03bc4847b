"""Migration operations of the project."""

from django.db import migrations


def analyze_operation(*tables: str):
    """A migration operation that gathers SQLite's statistics of `tables` again. A migration that
    adds a stored generated column or a constraint remakes the table on SQLite, and the copy loses its
    rows in sqlite_stat1: the planner then guesses (a report that took under a second walked every
    assignment). Nothing happens on other databases, or when the database was never analyzed."""

    def analyze(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')

    return migrations.RunPython(analyze, migrations.RunPython.noop, elidable=True)


def drop_pattern_copies(table: str, *columns: str):
    """A migration operation that drops, on PostgreSQL, the `varchar_pattern_ops` copy ("…_like")
    Django adds beside the index of every indexed or unique CharField, for `columns` of `table` that
    are only compared whole (never `startswith`): each copy is one more index to write for every new
    row. Nothing happens on SQLite, which has no such copies."""

    def drop(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                " AND indexname LIKE %s AND indexdef LIKE %s",
                [table, "%\\_like", "%varchar_pattern_ops%"],
            )
            for name, definition in cursor.fetchall():
                indexed = definition[definition.index("(") + 1 : definition.rindex(")")].split(",")
                if len(indexed) == 1 and indexed[0].split()[0].strip('"') in columns:
                    cursor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(drop, migrations.RunPython.noop, elidable=True)


def drop_column_index(table: str, column: str):
    """The database side of `db_index=False` on a column Django indexed by itself (its index named as
    Django names it), without remaking the table as SQLite's AlterField would: one DROP INDEX on both
    databases, for use in SeparateDatabaseAndState beside the AlterField."""

    def drop(apps, schema_editor):
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return migrations.RunPython(drop, migrations.RunPython.noop, elidable=True)
