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
