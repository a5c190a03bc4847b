"""PostgreSQL: drop the `varchar_pattern_ops` copies ("…_like") that Django adds beside the index of
every unique or indexed CharField, for the four code columns of opinions that are only ever compared
whole (the tracking code, the two blind indexes and the idempotency key). Each copy is one more random
page to read and write for every new opinion; with millions of opinions those pages are not in memory.
Nothing happens on SQLite, which has no such copies."""

from django.db import migrations

COLUMNS = ("tracking_code", "phone_index", "email_index", "idempotency_key")


def drop_pattern_copies(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'opinions_opinion'"
            " AND indexname LIKE %s AND indexdef LIKE %s",
            ["%\\_like", "%varchar_pattern_ops%"],
        )
        for name, definition in cursor.fetchall():
            columns = definition[definition.index("(") + 1 : definition.rindex(")")].split(",")
            if len(columns) == 1 and columns[0].split()[0] in COLUMNS:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("opinions", "0005_open_queue_indexes")]

    operations = [migrations.RunPython(drop_pattern_copies, migrations.RunPython.noop, elidable=True)]
