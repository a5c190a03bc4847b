import pytest

from liaison.stations import services
from liaison.stations.models import StandardItem

from .conftest import T, day

pytestmark = pytest.mark.django_db


def test_admin_is_read_mostly(client, sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    slot = services.slot_create(
        actor=None, station=sw.station, date=day(9), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
    )
    client.force_login(sw.world.users["sysadmin"])
    for model in ("station", "standarditem", "standardevidence", "dutyslot"):
        assert client.get(f"/admin/stations/{model}/").status_code == 200, model
    assert client.get(f"/admin/stations/station/{sw.station.pk}/change/").status_code == 200
    assert client.get(f"/admin/stations/dutyslot/{slot.pk}/change/").status_code == 200
    assert client.get("/admin/stations/station/add/").status_code == 403
    r = client.post(f"/admin/stations/station/{sw.station.pk}/change/", {"name": "改名"})
    assert r.status_code == 403
    item = StandardItem.objects.get(code="site")
    assert client.get(f"/admin/stations/standarditem/{item.pk}/change/").status_code == 200
    assert client.get(f"/admin/stations/standarditem/{item.pk}/delete/").status_code == 403
    # staff of a station have no business in the admin
    client.force_login(sw.staff)
    assert client.get("/admin/stations/station/").status_code == 403


def test_admin_edits_item_wording_with_audit(client, sw):
    from liaison.core.models import AuditLog

    item = StandardItem.objects.get(code="site")
    client.force_login(sw.world.users["sysadmin"])
    r = client.post(
        f"/admin/stations/standarditem/{item.pk}/change/",
        {"title": "有场地", "description": "场地照片", "order": item.order},
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.description == "场地照片" and item.code == "site"
    assert AuditLog.objects.filter(model="stations.StandardItem", action="update", reason="admin").exists()
