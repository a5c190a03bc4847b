"""PostgreSQL: no `varchar_pattern_ops` copies of the indexes of the opinions' code columns (the
tracking code, the two blind indexes, the idempotency key): they are only compared whole, and each copy
was one more random index page to read and write for every new opinion."""

from django.db import migrations

from liaison.core.db.operations import drop_pattern_copies


class Migration(migrations.Migration):
    dependencies = [("opinions", "0005_open_queue_indexes")]

    operations = [
        drop_pattern_copies("opinions_opinion", "tracking_code", "phone_index", "email_index", "idempotency_key")
    ]
