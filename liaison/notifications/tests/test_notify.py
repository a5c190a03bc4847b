"""notify(): one row per channel, recipients, rendering, once-only keys, delivery on commit."""

import pytest
from django.db import connection, transaction

from liaison.core.testing import make_user
from liaison.notifications.models import DeliveryAttempt, Notification
from liaison.notifications.services import notify

from .conftest import outbox_lines

pytestmark = pytest.mark.django_db

CTX = {"name": "王东风", "thing_id": 7}


def test_in_app_is_delivered_at_once(world, committed):
    user = world.users["officer"]
    with committed() as callbacks:
        (row,) = notify(kind="test.hello", context=CTX, user=user)
    assert callbacks == []  # nothing to deliver later: the row is the inbox entry
    row.refresh_from_db()
    assert (row.channel, row.status, row.user) == ("in_app", "sent", user)
    assert row.sent_at is not None and row.read_at is None and row.attempts == 0
    assert row.url == "/work/things/7/"


def test_rendering_fills_names_only_and_uses_the_language(world):
    user = world.users["officer"]
    (zh,) = notify(kind="test.hello", context=CTX, user=user)
    (en,) = notify(kind="test.hello", context=CTX, user=user, language="en")
    assert zh.subject == "验证码" and zh.language == "zh-hans"
    assert en.subject == "Verification code" and en.language == "en"
    # a missing name stays as written; an attribute lookup is never evaluated
    assert zh.body == "Hello 王东风, see {missing} and {name.__class__}"


def test_unknown_kind_or_channel_is_a_programming_error(world):
    with pytest.raises(LookupError):
        notify(kind="nope", context={}, user=world.users["officer"])
    with pytest.raises(ValueError):
        notify(kind="test.hello", context={}, user=world.users["officer"], channels=("fax",))


def test_sms_and_email_go_out_after_commit(world, committed, outbox_file):
    user = world.users["officer"]
    user.phone, user.email = "13800138000", "officer@example.cn"
    user.save()
    with committed() as callbacks:
        rows = notify(kind="test.hello", context=CTX, user=user, channels=("in_app", "sms", "email"))
        assert {r.status for r in rows if r.channel != "in_app"} == {"pending"}
        assert outbox_lines(outbox_file) == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    by_channel = {r.channel: Notification.objects.get(pk=r.pk) for r in rows}
    assert by_channel["sms"].status == by_channel["email"].status == "sent"
    assert by_channel["sms"].attempts == 1 and by_channel["sms"].sent_at is not None
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2
    lines = outbox_lines(outbox_file)
    assert {line["channel"] for line in lines} == {"sms", "email"}
    assert {line["to"] for line in lines} == {"138****8000", "o***@example.cn"}
    assert all("王东风" in line["body"] for line in lines)


def test_addresses_are_encrypted_at_rest(world):
    (row,) = notify(kind="test.hello", context=CTX, phone="13800138000", channels=("sms",))
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM notifications_notification WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "13800138000" not in stored
    assert Notification.objects.get(pk=row.pk).address == "13800138000"


def test_explicit_address_wins_and_missing_recipients_are_skipped(world):
    user = world.users["officer"]  # no phone, no e-mail
    assert notify(kind="test.hello", context=CTX, user=user, channels=("sms", "email")) == []
    assert notify(kind="test.hello", context=CTX, channels=("in_app",)) == []
    (row,) = notify(kind="test.hello", context=CTX, user=user, email="x@example.cn", channels=("email",))
    assert row.address == "x@example.cn" and row.user == user


def test_a_person_with_a_phone_can_be_texted(world):
    class Person:  # anything with a phone, e.g. a deputies Person
        phone = "13900139000"

    (row,) = notify(kind="test.hello", context=CTX, user=Person(), channels=("sms", "in_app"))
    assert (row.channel, row.address, row.user) == ("sms", "13900139000", None)


def test_related_record_is_kept_for_links(world):
    region = world.regions["county"]
    (row,) = notify(kind="test.hello", context=CTX, user=world.users["officer"], related=region)
    assert (row.related_type, row.related_id) == ("regions.region", str(region.pk))


def test_dedupe_key_writes_once_per_channel(world, committed):
    user = world.users["officer"]
    with committed() as callbacks:
        first = notify(
            kind="test.hello", context=CTX, user=user, phone="13800138000", channels=("in_app", "sms"), dedupe_key="k1"
        )
        again = notify(
            kind="test.hello", context=CTX, user=user, phone="13800138000", channels=("in_app", "sms"), dedupe_key="k1"
        )
    assert len(first) == 2 and again == []
    assert len(callbacks) == 1  # one SMS delivery, not two
    assert Notification.objects.filter(dedupe_key="k1").count() == 2
    # a channel not yet written for the key is written
    (email,) = notify(kind="test.hello", context=CTX, email="a@example.cn", channels=("sms", "email"), dedupe_key="k1")
    assert email.channel == "email"
    # the caller's transaction survives a repeated key
    other = make_user("someone")
    assert len(notify(kind="test.hello", context=CTX, user=other, dedupe_key="k2")) == 1


def test_rolled_back_change_sends_nothing(world, committed, outbox_file):
    with committed() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(kind="test.hello", context=CTX, phone="13800138000", channels=("sms",))
            raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert outbox_lines(outbox_file) == []


def test_secret_values_are_masked_in_the_log_but_sent(world, committed, outbox_file):
    with committed():
        (row,) = notify(kind="test.secret", context={"code": "123456"}, phone="13800138000", channels=("sms",))
        assert row.body == "Your code is ******."
        assert Notification.objects.get(pk=row.pk).sealed_body == "Your code is 123456."
    row.refresh_from_db()
    assert row.status == "sent" and row.body == "Your code is ******." and row.sealed_body == ""
    assert outbox_lines(outbox_file)[0]["body"] == "Your code is 123456."


@pytest.mark.django_db(transaction=True)
def test_real_commit_and_rollback(outbox_file):
    """With real transactions (no test wrapper): a committed notify is delivered, a rolled-back one is not."""
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(kind="test.hello", context=CTX, phone="13800138001", channels=("sms",))
        raise RuntimeError
    assert outbox_lines(outbox_file) == [] and not Notification.objects.exists()
    with transaction.atomic():
        (row,) = notify(kind="test.hello", context=CTX, phone="13800138002", channels=("sms",))
    row.refresh_from_db()
    assert row.status == "sent"
    assert [line["to"] for line in outbox_lines(outbox_file)] == ["138****8002"]


def test_inbox_rows_for_a_query_of_users_are_the_rows_for_their_ids(world):
    """notify_inbox with `recipients` (the database reads the users in the statement that writes the
    rows) writes, for each user the query answers, the row that a list of their ids would write."""
    from liaison.accounts.models import User
    from liaison.core.db.inserts import one_write
    from liaison.core.db.prepared import Prepared
    from liaison.notifications.services import notify_inbox

    wanted = [world.users["officer"].pk, world.users["leader"].pk]
    query = Prepared(
        lambda first, second: (
            User.objects.filter(pk__gte=first, pk__lte=second, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )
    first, second = min(wanted), max(wanted)
    expected = list(User.objects.filter(pk__gte=first, pk__lte=second, is_active=True).values_list("pk", flat=True))
    related = world.users["officer"]
    with one_write():
        written = notify_inbox(
            kind="test.hello",
            context=CTX,
            recipients=query.sql_with_params(first=first, second=second),
            related=related,
        )
    assert written is None  # the number is the database's to know
    assert notify_inbox(kind="test.hello", context=CTX, user_ids=expected, language="en", related=related) == len(
        expected
    )
    fields = ("kind", "channel", "status", "subject", "body", "url", "related_type", "related_id", "dedupe_key")
    by_query = {n.user_id: n for n in Notification.objects.filter(kind="test.hello", language="zh-hans")}
    by_ids = {n.user_id: n for n in Notification.objects.filter(kind="test.hello", language="en")}
    assert sorted(by_query) == sorted(by_ids) == sorted(expected) and len(expected) >= 2
    for user_id, row in by_query.items():
        twin = by_ids[user_id]
        assert [getattr(row, f) for f in fields if f not in ("subject", "body")] == [
            getattr(twin, f) for f in fields if f not in ("subject", "body")
        ]
        assert row.subject == "验证码" and row.sent_at is not None and row.read_at is None
    with pytest.raises(ValueError):
        notify_inbox(kind="test.hello", context=CTX, recipients=("SELECT 1", []), dedupe_key="k")
