"""Fewer indexes to write for every audit record: `model` is indexed first in (model, object_id, at),
and on PostgreSQL `action` and `object_id` (compared whole) lose their pattern-ops copies. The index is
dropped by name (SQLite's AlterField would copy the whole table)."""

from django.db import migrations, models

from liaison.core.db.operations import drop_column_index, drop_pattern_copies


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_calendar_day"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditlog",
                    name="model",
                    field=models.CharField(max_length=100, verbose_name="record type"),
                ),
            ],
            database_operations=[drop_column_index("core_auditlog", "model")],
        ),
        drop_pattern_copies("core_auditlog", "model", "action", "object_id"),
    ]
