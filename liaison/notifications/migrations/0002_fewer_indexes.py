"""Fewer indexes to write for every notification: the recipient is indexed first in the inbox index,
and on PostgreSQL `kind` (compared whole) loses its pattern-ops copy. The index is dropped by name
(SQLite's AlterField would copy the whole table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from liaison.core.db.operations import drop_column_index, drop_pattern_copies


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recipient",
                    ),
                ),
            ],
            database_operations=[drop_column_index("notifications_notification", "user_id")],
        ),
        drop_pattern_copies("notifications_notification", "kind"),
    ]
