"""The busiest path's helpers: liaison.core.db.inserts writes what Model.save() writes for a new row,
with one statement built once per model, and the rows of a `one_write()` block together, all or none;
liaison.core.db.prepared runs an ORM query compiled once and answers what the ORM answers; the
congress above a region is cached and sees a new one at once; PostgreSQL's health check asks the
server only when the connection's socket says something happened."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from liaison.core.db.inserts import insert, insert_many, one_write, reserve_pk
from liaison.core.db.prepared import Prepared
from liaison.core.models import AuditLog
from liaison.opinions.models import Event, Opinion
from liaison.regions.selectors import congress_region_above

pytestmark = pytest.mark.django_db

SKIP = {"id", "created_at", "updated_at", "tracking_code", "idempotency_key"}


def _opinion(world, **extra) -> Opinion:
    town = world.regions["town"]
    return Opinion(
        channel="online",
        region=town,
        region_path=town.path,
        queue_region=town,
        queue_path=town.path,
        title="路灯不亮",
        text="镇上路灯晚上不亮，行人出行不便。",
        submitter_name="李群众",
        submitter_phone="13812345678",
        submitter_email="li@example.cn",
        received_on=world_today(),
        **extra,
    )


def world_today():
    from django.utils import timezone

    return timezone.localdate()


def _stored(pk) -> dict:
    return {k: v for k, v in Opinion.objects.filter(pk=pk).values().get().items() if k not in SKIP}


def test_insert_writes_what_save_writes(world):
    by_orm = _opinion(world, tracking_code="ORMORMORMORM", idempotency_key="orm-key-000000000001")
    by_orm.save()
    fast = _opinion(world, tracking_code="FASTFASTFAST", idempotency_key="fast-key-00000000001")
    with CaptureQueriesContext(connection) as queries:
        assert insert(fast) is fast
    assert len(queries) == 1 and "RETURNING" in queries[0]["sql"]
    assert fast.pk and fast.pk != by_orm.pk and not fast._state.adding
    # the database-computed column came back converted, and the row reads back like the ORM's
    assert fast.still_open is True and by_orm.pk
    assert _stored(fast.pk) == _stored(by_orm.pk)
    again = Opinion.objects.get(pk=fast.pk)
    assert again.submitter_phone == "13812345678"  # encrypted on the way in, like save()
    assert abs((again.updated_at - again.created_at).total_seconds()) < 1  # auto_now(_add), as save() sets them
    raw = Opinion.objects.filter(pk=fast.pk).values_list("submitter_phone", flat=True).query
    with connection.cursor() as cursor:
        cursor.execute(*raw.sql_with_params())
        assert "13812345678" not in str(cursor.fetchone()[0])


def test_insert_many_writes_one_statement_and_sets_each_key(world):
    opinion = _opinion(world, tracking_code="MANYMANYMANY")
    insert(opinion)
    events = [Event(opinion=opinion, action="submit", to_status="submitted", data={"n": n}) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        insert_many(events)
    assert len(queries) == 1
    assert [e.data["n"] for e in Event.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")] == [0, 1, 2]
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    assert insert_many([]) == []
    with pytest.raises(TypeError):
        insert_many([Event(opinion=opinion, action="x"), AuditLog(action="create")])


def _written_together(world, code: str):
    """An opinion and two rows that refer to it, written in one block; the statements it sent."""
    opinion = _opinion(world, tracking_code=code)
    with CaptureQueriesContext(connection) as queries:
        with one_write():
            insert(reserve_pk(opinion))
            assert opinion.pk  # known before the row is written, so the others can refer to it
            insert(Event(opinion=opinion, action="submit", to_status="submitted"))
            insert(AuditLog(action="create", model="opinions.Opinion", object_id=str(opinion.pk)))
    # (inside a transaction, as here, a savepoint keeps a failed block from aborting the rest)
    return opinion, [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_one_write_sends_its_rows_together(world):
    opinion, sent = _written_together(world, "ONEWRITEONE1")
    if connection.vendor == "postgresql":
        # the key from the sequence, then the three rows in one message (no RETURNING to read)
        assert len(sent) == 2 and sent[0].startswith("SELECT nextval(")
        assert sent[1].count("INSERT INTO") == 3 and "RETURNING" not in sent[1]
    else:
        assert len(sent) == 3 and all(sql.startswith("INSERT INTO") for sql in sent)
    assert not opinion._state.adding
    stored = Opinion.objects.get(pk=opinion.pk)
    assert stored.tracking_code == "ONEWRITEONE1" and stored.still_open is True
    assert Event.objects.filter(opinion=opinion, action="submit").count() == 1
    assert AuditLog.objects.filter(model="opinions.Opinion", object_id=str(opinion.pk)).count() == 1
    # a block inside another joins it
    second = _opinion(world, tracking_code="ONEWRITEONE2")
    with one_write():
        insert(reserve_pk(second))
        with one_write():
            insert(Event(opinion=second, action="submit", to_status="submitted"))
        if connection.vendor == "postgresql":
            assert not Opinion.objects.filter(pk=second.pk).exists()  # held back until the outer block ends
    assert Event.objects.filter(opinion__tracking_code="ONEWRITEONE2").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_write_outside_a_transaction_is_all_or_nothing(world):
    """Outside any transaction (as a public submission runs), a block whose last row fails writes none
    of its rows, and the connection goes on working."""
    _written_together(world, "ALLORNONE001")
    before = (Opinion.objects.count(), Event.objects.count(), AuditLog.objects.count())
    assert not connection.in_atomic_block
    again = _opinion(world, tracking_code="ALLORNONE002")
    with pytest.raises(IntegrityError):
        with one_write():
            insert(reserve_pk(again))
            insert(Event(opinion=again, action="submit", to_status="submitted"))
            insert(_opinion(world, tracking_code="ALLORNONE001"))  # the tracking code is taken
    assert (Opinion.objects.count(), Event.objects.count(), AuditLog.objects.count()) == before
    assert not Opinion.objects.filter(tracking_code="ALLORNONE002").exists()
    # an exception inside the block writes nothing either
    with pytest.raises(RuntimeError):
        with one_write():
            insert(reserve_pk(_opinion(world, tracking_code="ALLORNONE003")))
            raise RuntimeError("stop")
    assert not Opinion.objects.filter(tracking_code="ALLORNONE003").exists()
    # inside a transaction the rows are part of it
    with transaction.atomic():
        _written_together(world, "ALLORNONE004")
    assert Opinion.objects.filter(tracking_code="ALLORNONE004").exists()


def test_the_congress_above_a_region_is_cached_and_a_new_congress_is_seen_at_once(world):
    from liaison.regions.models import Congress
    from liaison.regions.services import congress_create, region_create

    town = world.regions["town"]
    hamlet = region_create(actor=None, name="新村", code="440101001002", level="village", parent=town)
    assert congress_region_above(hamlet.path) == (town.pk, town.path)
    with CaptureQueriesContext(connection) as queries:
        assert congress_region_above(hamlet.path) == (town.pk, town.path)
    assert len(queries) == 0
    # a township without a congress sends its opinions to the county's, until it has one
    county = world.regions["county"]
    new_town = region_create(actor=None, name="新镇", code="440101002000", level="township", parent=county)
    assert congress_region_above(new_town.path) == (county.pk, county.path)
    congress_create(actor=None, region=new_town)
    assert congress_region_above(new_town.path) == (new_town.pk, new_town.path)
    assert Congress.objects.filter(region=new_town).exists()
    assert congress_region_above("/999999/") is None
    # a region moved under another congress's region goes there at once (a new path, answered afresh)
    from liaison.regions.services import region_move

    other_town = region_create(actor=None, name="西镇", code="440101003000", level="township", parent=county)
    congress_create(actor=None, region=other_town)
    assert congress_region_above(hamlet.path) == (town.pk, town.path)
    moved = region_move(actor=None, region=hamlet, new_parent=other_town)
    assert congress_region_above(moved.path) == (other_town.pk, other_town.path)
    # and a congress's own region moved: its new path at once
    other_town = region_move(actor=None, region=other_town, new_parent=world.regions["pref"])
    moved.refresh_from_db()
    assert moved.path.startswith(other_town.path)
    assert congress_region_above(moved.path) == (other_town.pk, other_town.path)


def test_prepared_answers_what_the_orm_answers(world):
    from datetime import timedelta

    from django.utils import timezone

    from liaison.opinions.models import PublicAttempt
    from liaison.regions.models import Region

    by_pk = Prepared(lambda pk: Region.objects.filter(pk=pk).order_by())
    town = world.regions["town"]
    for _ in range(2):  # compiled on the first call, reused on the second
        with CaptureQueriesContext(connection) as queries:
            found = by_pk.first(pk=town.pk)
        assert len(queries) == 1
        assert found == town and found.path == town.path and found.created_at == town.created_at
        assert isinstance(found.created_at, type(town.created_at)) and found._state.adding is False
    assert by_pk.first(pk=10**9) is None

    now = timezone.now()
    for minutes in (5, 30, 90):
        PublicAttempt.objects.create(kind=PublicAttempt.Kind.SUBMIT, ip="10.0.0.1", at=now - timedelta(minutes=minutes))
    PublicAttempt.objects.create(kind=PublicAttempt.Kind.TRACK_MISS, ip="10.0.0.1", at=now)
    recent = Prepared(
        lambda kind, ip, since: (
            PublicAttempt.objects.filter(kind=kind, ip=ip, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:10]
        )
    )
    rows = recent.rows(kind=PublicAttempt.Kind.SUBMIT, ip="10.0.0.1", since=now - timedelta(hours=1))
    expected = list(
        PublicAttempt.objects.filter(kind="submit", ip="10.0.0.1", at__gt=now - timedelta(hours=1))
        .order_by("-at")
        .values_list("at", flat=True)
    )
    assert [at for (at,) in rows] == expected and len(expected) == 2
    assert recent.rows(kind="submit", ip="10.9.9.9", since=now - timedelta(hours=1)) == []


def test_prepared_refuses_a_value_it_cannot_swap(world):
    from liaison.regions.models import Region

    pattern = Prepared(lambda name: Region.objects.filter(name__startswith=name))
    with pytest.raises(ValueError):
        pattern.rows(name="东")  # the value is wrapped in a LIKE pattern, so it cannot be swapped
    by_pk = Prepared(lambda pk: Region.objects.filter(pk=pk))
    with pytest.raises(TypeError):
        by_pk.rows(pk=1, other=2)
    with pytest.raises(TypeError):
        by_pk.rows(pk=1.5)


@pytest.mark.django_db(transaction=True)
def test_postgresql_health_check_asks_only_when_the_socket_says_something_happened():
    if connection.vendor != "postgresql":
        pytest.skip("the health check is PostgreSQL's")
    import time

    import psycopg

    from liaison.core.db.postgresql.base import _quiet

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    assert _quiet(connection.connection) and connection.is_usable()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
        password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while _quiet(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _quiet(connection.connection) and not connection.is_usable()
    # what Django does before a request's first query: the dead connection is replaced, no error
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_page_read_in_two_steps_is_the_page_read_in_one(world):
    """liaison.core.paging: the keys of the page first, then its rows with their joins, in order."""
    from django.core.paginator import Paginator

    from liaison.core.paging import read_page, rows_in_two_steps
    from liaison.regions.models import Region

    qs = Region.objects.select_related("parent").order_by("-depth", "name", "id")
    assert len(qs) >= 5
    with CaptureQueriesContext(connection) as queries:
        rows = rows_in_two_steps(qs, 1, 4)
        parents = [r.parent.name if r.parent else None for r in rows]  # joined: no query per row
    assert len(queries) == 2
    expected = list(qs[1:4])
    assert rows == expected and parents == [r.parent.name if r.parent else None for r in expected]
    assert rows_in_two_steps(qs, 10**6, 10**6 + 3) == []
    page = read_page(Paginator(qs, 2).get_page(2))
    assert page.object_list == list(qs[2:4]) and page.number == 2 and page.has_next()
