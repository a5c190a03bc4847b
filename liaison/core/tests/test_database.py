"""The database settings hold under concurrent writers: on SQLite (WAL, busy timeout, BEGIN IMMEDIATE)
writers queue instead of failing with "database is locked"."""

import threading

import pytest
from django.db import connection, connections

from liaison.regions.models import Region
from liaison.regions.services import region_create


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_all_succeed():
    root = region_create(actor=None, name="并发省", code="990000000000", level="province", parent=None)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                region_create(
                    actor=None, name=f"市{n}-{i}", code=f"98{n:02d}{i:02d}000000", level="prefecture", parent=root
                )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Region.objects.filter(parent=root).count() == 60


@pytest.mark.django_db
def test_connection_settings_for_the_engine():
    """SQLite: WAL with a busy timeout. PostgreSQL: persistent connections with health checks."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    else:
        assert connection.vendor == "postgresql"
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
