import json

import pytest
from django.test import override_settings

from liaison.api.models import ApiToken
from liaison.core.models import AuditLog
from liaison.stations import services
from liaison.stations.models import DutySlot

from .conftest import T, day

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_public_list_and_filters(client, sw):
    r = client.get("/api/stations/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 4 and {s["name"] for s in body["items"]} >= {sw.station.name, sw.other_station.name}
    item = next(s for s in body["items"] if s["id"] == sw.station.pk)
    assert item["latitude"] == pytest.approx(23.123456) and item["url"] == f"/stations/{sw.station.pk}/"
    r = client.get("/api/stations/", {"region": sw.world.regions["county"].pk, "kind": "home"})
    assert [s["id"] for s in r.json()["items"]] == [sw.county_station.pk]
    r = client.get("/api/stations/", {"q": "南山"})
    assert [s["id"] for s in r.json()["items"]] == [sw.other_station.pk]
    r = client.get("/api/stations/", {"limit": 1, "offset": 1})
    assert r.json()["count"] == 4 and len(r.json()["items"]) == 1


def test_public_list_bad_input_is_not_500(client, sw):
    assert client.get("/api/stations/", {"region": 999999}).json()["code"] == "not_found"
    assert client.get("/api/stations/", {"limit": "x"}).status_code == 422
    assert client.get("/api/stations/", {"limit": 100000}).json()["limit"] == 200


def test_public_detail_and_roster(client, sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    published = services.slot_create(
        actor=None,
        station=sw.station,
        date=day(9),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.town_deputy],
        publish=True,
    )
    services.slot_create(actor=None, station=sw.station, date=day(10), start_time=T(9), end_time=T(11))  # draft
    r = client.get(f"/api/stations/{sw.station.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["deputies"] == [
        {"id": sw.town_deputy.pk, "name": sw.town_deputy.name, "url": f"/deputies/{sw.town_deputy.pk}/"}
    ]
    assert body["opinion_url"] == f"/stations/{sw.station.pk}/opinions/new/"
    roster = client.get(f"/api/stations/{sw.station.pk}/roster").json()
    assert [s["id"] for s in roster] == [published.pk]
    assert roster[0]["start_time"] == "09:00" and roster[0]["published"] is True
    missing = client.get("/api/stations/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    r = client.get(f"/api/stations/{sw.station.pk}/roster", {"from": day(20).isoformat(), "to": day(1).isoformat()})
    assert r.status_code == 400 and r.json()["code"] == "invalid"


def test_staff_endpoints_need_auth(client, sw):
    r = post(
        client,
        f"/api/stations/{sw.station.pk}/slots",
        {"date": day(20).isoformat(), "start_time": "09:00", "end_time": "10:00"},
    )
    assert r.status_code == 401
    assert client.get(f"/api/stations/{sw.station.pk}/slots").status_code == 401


@override_settings(ROSTER_MIN_NOTICE_DAYS=7)
def test_staff_create_update_publish_delete(client, sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.county_deputy)
    auth = bearer(sw.staff)
    url = f"/api/stations/{sw.station.pk}/slots"
    r = post(
        client,
        url,
        {"date": day(3).isoformat(), "start_time": "09:00", "end_time": "10:00", "deputies": [sw.town_deputy.pk]},
        **auth,
    )
    assert r.status_code == 201, r.content
    slot = r.json()
    assert slot["published"] is False and slot["deputies"][0]["id"] == sw.town_deputy.pk
    r = client.post(f"/api/stations/slots/{slot['id']}/publish", **auth)
    assert r.status_code == 400 and r.json()["code"] == "roster_notice_too_short" and r.json()["field"] == "date"
    r = client.put(
        f"/api/stations/slots/{slot['id']}",
        data=json.dumps(
            {"date": day(8).isoformat(), "start_time": "09:00", "end_time": "10:30", "deputies": [sw.county_deputy.pk]}
        ),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["end_time"] == "10:30"
    r = client.post(f"/api/stations/slots/{slot['id']}/publish", **auth)
    assert r.status_code == 200 and r.json()["published"] is True
    listed = client.get(url, {"from": day(0).isoformat(), "to": day(30).isoformat()}, **auth).json()
    assert [s["id"] for s in listed] == [slot["id"]]
    r = post(
        client,
        f"/api/stations/slots/{slot['id']}/repeat",
        {"frequency": "weekly", "until": day(22).isoformat()},
        **auth,
    )
    assert r.status_code == 201 and [s["date"] for s in r.json()] == [day(15).isoformat(), day(22).isoformat()]
    r = client.delete(f"/api/stations/slots/{slot['id']}", **auth)
    assert r.status_code == 204
    assert not DutySlot.objects.filter(pk=slot["id"]).exists()
    assert AuditLog.objects.filter(model="stations.DutySlot", actor=sw.staff).count() >= 6


def test_staff_errors_are_json(client, sw):
    services.station_deputy_assign(actor=None, station=sw.county_station, person=sw.county_deputy)
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.county_deputy)
    services.slot_create(
        actor=None,
        station=sw.county_station,
        date=day(20),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.county_deputy],
    )
    auth = bearer(sw.staff)
    url = f"/api/stations/{sw.station.pk}/slots"
    base = {"date": day(20).isoformat(), "start_time": "10:00", "end_time": "12:00", "deputies": [sw.county_deputy.pk]}
    r = post(client, url, base, **auth)
    assert (
        r.status_code == 400 and r.json()["code"] == "deputy_double_booked" and "甲一县代表之家" in r.json()["message"]
    )
    r = post(client, url, {**base, "start_time": "13:00", "end_time": "12:00"}, **auth)
    assert r.json()["code"] == "slot_times_out_of_order"
    r = post(client, url, {**base, "deputies": [999999]}, **auth)
    assert r.status_code == 400 and r.json()["field"] == "deputies"
    r = post(client, url, {**base, "date": "2026-02-30"}, **auth)
    assert r.status_code == 422
    r = post(client, f"/api/stations/{sw.other_station.pk}/slots", base, **auth)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = post(client, f"/api/stations/{sw.station.pk}/slots", base, **bearer(sw.world.users["leader"]))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert client.delete("/api/stations/slots/999999", **auth).status_code == 404


def test_openapi_lists_station_paths(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/stations/" in paths and "/api/stations/{station_id}/slots" in paths


# --- evidence of the station standard, uploaded through the API -----------------------------------
def test_evidence_upload_through_the_api(client, sw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liaison.stations.models import StandardEvidence

    from .conftest import png_bytes

    url = f"/api/stations/{sw.station.pk}/standard/plan/evidence"
    headers = bearer(sw.staff)
    r = client.post(url, {"file": SimpleUploadedFile("制度.png", png_bytes()), "note": "上墙制度"}, **headers)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["item"], body["content_type"], body["original_name"], body["note"]) == (
        "plan",
        "image/png",
        "制度.png",
        "上墙制度",
    )
    evidence = StandardEvidence.objects.get(pk=body["id"])
    assert evidence.uploaded_by == sw.staff and body["url"] == f"/work/stations/evidence/{evidence.pk}/"
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CREATE, model="stations.StandardEvidence", object_id=str(evidence.pk)
    ).exists()


def test_evidence_upload_refuses_what_the_form_refuses(client, sw, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liaison.stations.models import StandardEvidence

    from .conftest import png_bytes

    url = f"/api/stations/{sw.station.pk}/standard/plan/evidence"
    headers = {**bearer(sw.staff), "HTTP_ACCEPT_LANGUAGE": "en"}
    fake = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"not really an image", content_type="image/png")
    r = client.post(url, {"file": fake}, **headers)
    assert r.status_code == 400 and r.json()["code"] == "evidence_type_not_allowed"
    settings.EVIDENCE_MAX_BYTES = 100
    r = client.post(url, {"file": SimpleUploadedFile("big.png", png_bytes(size=(64, 64)))}, **headers)
    assert r.status_code == 400 and r.json()["code"] == "evidence_too_large"
    assert client.post(url, {}, **headers).status_code == 422  # no file
    r = client.post(f"/api/stations/{sw.station.pk}/standard/nope/evidence", {"file": fake}, **headers)
    assert r.status_code == 404
    # another station's staff: answered as missing; no token: 401
    r = client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}, **bearer(sw.other_staff))
    assert r.status_code == 404
    assert client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}).status_code == 401
    assert not StandardEvidence.objects.exists()
