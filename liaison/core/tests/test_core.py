import pytest
from django.db import DatabaseError

from liaison.core import crypto
from liaison.core.models import AuditLog


def test_encryption_round_trip_and_randomised():
    a, b = crypto.encrypt("13812341234"), crypto.encrypt("13812341234")
    assert a != b and a.startswith("v1:") and "1381234" not in a
    assert crypto.decrypt(a) == "13812341234"


def test_mask_phone():
    assert crypto.mask_phone("13812341234") == "138****1234"
    assert crypto.mask_phone("") == ""


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_503_without_database(client, db, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    with monkeypatch.context() as patch:  # the database "goes away" only for this request
        patch.setattr(connection, "cursor", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_audit_rows_cannot_change(world):
    row = AuditLog.objects.first()
    assert row is not None
    row.reason = "edited"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


def test_audit_rows_cannot_change_in_bulk(world):
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(action="create").update(reason="edited")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
