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


@pytest.mark.django_db(transaction=True)
def test_sqlite_writers_take_turns_on_the_lock_file():
    """A writer waits while another holds a transaction, and goes on as soon as it ends (not after
    one of SQLite's sleeps of up to 100 ms); the turn is released by COMMIT and by ROLLBACK."""
    if connection.vendor != "sqlite":
        pytest.skip("the lock file is SQLite's")
    import time

    from django.db import transaction

    root = region_create(actor=None, name="轮候省", code="990000000000", level="province", parent=None)
    holding = threading.Event()
    release = threading.Event()
    released_at: list[float] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                Region.objects.filter(pk=root.pk).update(name="轮候省一")
                holding.set()
                release.wait(5)
                released_at.append(time.monotonic())
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(5)
    lock_path = connection.settings_dict["NAME"] + "-writer.lock"
    threading.Timer(0.45, release.set).start()
    started = time.monotonic()
    with transaction.atomic():
        Region.objects.filter(pk=root.pk).update(name="轮候省二")
        entered = time.monotonic()
    thread.join()
    import os

    assert os.path.exists(lock_path)
    assert entered - started >= 0.4  # it waited for the holder
    assert entered - released_at[0] < 0.03  # and went on at once
    root.refresh_from_db()
    assert root.name == "轮候省二"
    with pytest.raises(RuntimeError), transaction.atomic():
        Region.objects.filter(pk=root.pk).update(name="撤销")
        raise RuntimeError
    with transaction.atomic():  # the rollback gave the turn back
        Region.objects.filter(pk=root.pk).update(name="轮候省三")
    root.refresh_from_db()
    assert root.name == "轮候省三"


@pytest.mark.django_db(transaction=True)
def test_sqlite_checkpoints_after_the_turn():
    """SQLite's automatic checkpoint (inside a COMMIT, while the next writers wait) is only a backstop;
    a connection copies the log back after its commit, once the turn is released."""
    if connection.vendor != "sqlite":
        pytest.skip("the write-ahead log is SQLite's")
    from django.db import transaction

    from liaison.core.db.sqlite import base

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 10000
    root = region_create(actor=None, name="检查点省", code="990000000000", level="province", parent=None)
    connection._checkpointed_at = 0.0  # due
    released = []
    real_checkpoint = base.DatabaseWrapper.checkpoint_if_due

    def checkpoint(self):
        released.append(not self._writer_held)
        real_checkpoint(self)

    base.DatabaseWrapper.checkpoint_if_due = checkpoint
    try:
        with transaction.atomic():
            Region.objects.filter(pk=root.pk).update(name="检查点省一")
    finally:
        base.DatabaseWrapper.checkpoint_if_due = real_checkpoint
    assert released == [True]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, log_frames, checkpointed = cursor.fetchone()
    assert busy == 0 and log_frames == checkpointed
    # not due again within CHECKPOINT_SECONDS: the next commit copies nothing
    assert connection._checkpointed_at > 0


@pytest.mark.django_db
def test_rows_written_on_every_submission_keep_only_the_indexes_they_need():
    """No single-column index beside a composite that starts with the same column, and (PostgreSQL)
    no pattern-ops copy of an index on a column that is only compared whole."""
    with connection.cursor() as cursor:
        indexes = {
            table: [
                i["columns"] for i in connection.introspection.get_constraints(cursor, table).values() if i["index"]
            ]
            for table in ("core_auditlog", "notifications_notification")
        }
    assert ["model"] not in indexes["core_auditlog"] and ["model", "object_id", "at"] in indexes["core_auditlog"]
    assert ["user_id"] not in indexes["notifications_notification"]
    assert ["user_id", "channel", "read_at", "created_at"] in indexes["notifications_notification"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('core_auditlog', 'notifications_notification')"
                " AND indexname LIKE %s",
                ["%\\_like"],
            )
            assert cursor.fetchall() == []
