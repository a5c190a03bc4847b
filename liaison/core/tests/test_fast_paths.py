"""The busiest path's helpers: liaison.core.db.inserts writes what Model.save() writes for a new row,
with one statement built once per model; liaison.core.db.prepared runs an ORM query compiled once and
answers what the ORM answers; the congress above a region is cached and sees a new one at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.core.db.inserts import insert, insert_many
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
