"""Open311 GeoReport v2 at /open311/v2/: services are categories, a POST makes an opinion (channel
api, phone kept unconfirmed, nothing sent to it), GET follows it by tracking code and lists only
published results — never personal data, in JSON and XML, errors in Open311's format."""

import datetime
from decimal import Decimal
from functools import partial
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from liaison.notifications.models import Notification
from liaison.opinions import services
from liaison.opinions.models import Opinion
from liaison.opinions.tests.test_services import fed_back
from liaison.stations import services as station_services

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
TEXT = "村口道路坑洼多年未修，雨天积水严重，希望尽快修缮。"
PERSONAL = ("李", "群众", "13812345678", "li@example.com")


def create(client, ow, headers=None, **data):
    form = {
        "service_code": "transport",
        "jurisdiction_id": ow.regions["village"].code,
        "address_string": "红星村村口",
        "description": TEXT,
        **data,
    }
    return client.post(f"{BASE}/requests.json", form, headers=headers)


def test_services_are_the_categories_of_a_place(client, ow):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    rows = response.json()
    transport = next(r for r in rows if r["service_code"] == "transport")
    assert transport == {
        "service_code": "transport",
        "service_name": "交通出行",
        "description": "交通出行",
        "metadata": False,
        "type": "realtime",
        "keywords": "transport",
        "group": transport["group"],
    }
    services.category_create(actor=ow.users["officer"], region=ow.regions["county"], name="乡村振兴", code="rural")
    local = client.get(f"{BASE}/services.json", {"jurisdiction_id": ow.regions["town"].code}).json()
    assert {"rural", "transport"} <= {r["service_code"] for r in local}
    assert next(r for r in local if r["service_code"] == "rural")["group"] == "甲一县"
    assert "rural" not in {r["service_code"] for r in rows}
    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "services" and root.find("service/metadata").text == "false"
    definition = client.get(f"{BASE}/services/transport.json").json()
    assert definition == {"service_code": "transport", "attributes": []}
    unknown = client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999999999"})
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404


def test_post_then_get_round_trip(client, ow):
    response = create(client, ow, first_name="群众", last_name="李", email="li@example.com", lat="23.1", long="113.2")
    assert response.status_code == 201, response.content
    (row,) = response.json()
    code = row["service_request_id"]
    assert len(code) == 12 and code in row["service_notice"] and row["account_id"] is None
    opinion = Opinion.objects.get(tracking_code=code)
    assert opinion.channel == "api" and opinion.category.code == "transport"
    assert opinion.region == ow.regions["village"] and opinion.location == "红星村村口"
    assert opinion.submitter_name == "李群众" and opinion.submitter_email == "li@example.com"
    assert opinion.latitude == Decimal("23.100000") and opinion.notify_by == "none"

    (got,) = client.get(f"{BASE}/requests/{code}.json").json()
    assert got["service_request_id"] == code and got["status"] == "open"
    assert got["service_code"] == "transport" and got["address"] == "红星村"
    assert "description" not in got and got["lat"] is None  # not published
    assert got["requested_datetime"].endswith("+08:00")
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": f"{code.lower()},NOSUCHCODE99"}).json()
    assert [r["service_request_id"] for r in listed] == [code]
    xml = ElementTree.fromstring(client.get(f"{BASE}/requests/{code}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == code


def test_a_phone_is_kept_unconfirmed_and_never_texted(client, ow):
    response = create(client, ow, phone="+86 138 1234 5678")
    assert response.status_code == 201
    opinion = Opinion.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert opinion.submitter_phone == "13812345678" and opinion.phone_verified is False
    services.opinion_answer_on_spot(actor=ow.users["town_officer"], opinion_id=opinion.pk, answer="已答复：本周修复。")
    assert not Notification.objects.filter(kind="opinion.answered").exists()
    bad = create(client, ow, phone="12345")
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400


def test_post_errors_in_open311_format(client, ow, settings):
    cases = [
        ({"service_code": "no-such"}, 400),
        ({"description": ""}, 400),
        ({"description": "短"}, 400),
        ({"address_string": "", "jurisdiction_id": ow.regions["village"].code}, 400),
        ({"jurisdiction_id": "", "lat": "", "long": ""}, 400),
        ({"jurisdiction_id": "000000000000"}, 404),
        ({"lat": "x", "long": "1"}, 400),
    ]
    for data, status in cases:
        response = create(client, ow, **data)
        assert response.status_code == status, (data, response.content)
        body = response.json()
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    xml = client.post(f"{BASE}/requests.xml", {"description": TEXT})
    root = ElementTree.fromstring(xml.content)
    assert xml.status_code == 400 and root.tag == "errors" and root.find("error/code").text == "400"
    english = client.post(f"{BASE}/requests.json", {"description": TEXT}, HTTP_ACCEPT_LANGUAGE="en")
    assert "location is required" in english.json()[0]["description"]
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert not Opinion.objects.exists()


def test_region_from_the_nearest_station(client, ow):
    station_services.station_update  # noqa: B018 - the station gets its coordinates directly below
    type(ow.station).objects.filter(pk=ow.station.pk).update(
        latitude=Decimal("23.120000"), longitude=Decimal("113.250000")
    )
    type(ow.other_station).objects.filter(pk=ow.other_station.pk).update(
        latitude=Decimal("23.500000"), longitude=Decimal("113.900000")
    )
    near = create(client, ow, jurisdiction_id="", lat="23.121", long="113.251")
    assert near.status_code == 201
    assert Opinion.objects.get(tracking_code=near.json()[0]["service_request_id"]).region == ow.regions["town"]
    # within a jurisdiction, only its stations count
    inside = create(client, ow, jurisdiction_id=ow.regions["other_county"].code, lat="23.121", long="113.251")
    assert (
        Opinion.objects.get(tracking_code=inside.json()[0]["service_request_id"]).region == ow.regions["other_county"]
    )
    far = create(client, ow, jurisdiction_id="", lat="40.0", long="116.0")
    assert far.status_code == 400 and far.json()[0]["code"] == 400


def test_idempotency_and_the_per_address_limit(client, ow, settings):
    settings.OPINION_SUBMIT_PER_IP_HOUR = 1
    key = "0b9d2f4e-8c1a-4b7d-9e3f-2a6c5d4e3f21"
    first = create(client, ow, headers={"Idempotency-Key": key})
    again = create(client, ow, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    limited = create(client, ow)
    assert limited.status_code == 429 and limited.json()[0]["code"] == 429 and limited["Retry-After"]
    assert Opinion.objects.count() == 1


def test_listing_shows_only_published_results_without_personal_data(client, ow, submit, django_assert_max_num_queries):
    hidden = submit(name="李群众", phone="13812345678", actor=ow.users["staff"], channel="visit")
    shown = fed_back(ow, partial(submit, name="李群众", email="li@example.com", text=f"李群众反映：{TEXT}"))
    Opinion.objects.filter(pk=shown.pk).update(latitude=Decimal("23.123456"), longitude=Decimal("113.254321"))
    services.opinion_publish(
        actor=ow.users["town_officer"],
        opinion_id=shown.pk,
        title="道路修缮",
        text=f"李群众反映：{TEXT}",
        answer="路面已全部修复。",
    )
    with django_assert_max_num_queries(4):
        response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    rows = response.json()
    assert [r["service_request_id"] for r in rows] == [f"P-{shown.pk}"]
    (row,) = rows
    assert row["status"] == "closed" and row["status_notes"] == "路面已全部修复。"
    assert row["description"].startswith("李**") and row["lat"] == 23.123 and row["long"] == 113.254
    assert row["agency_responsible"] == "东风镇人民政府"
    text = response.content.decode()
    for value in (*PERSONAL[2:], "李群众", shown.tracking_code, hidden.tracking_code, "联络站工作人员"):
        assert value not in text
    assert client.get(f"{BASE}/requests/P-{shown.pk}.json").json()[0]["description"] == row["description"]
    assert client.get(f"{BASE}/requests.json", {"status": "open"}).json() == []
    assert len(client.get(f"{BASE}/requests.json", {"service_code": "transport,other"}).json()) == 0
    old = (timezone.now() - datetime.timedelta(days=400)).date().isoformat()
    assert client.get(f"{BASE}/requests.json", {"end_date": old}).json() == []
    other = client.get(f"{BASE}/requests.json", {"jurisdiction_id": ow.regions["other_county"].code}).json()
    assert other == []
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_lookup_by_code_shows_the_tracking_view_and_counts_misses(client, ow, submit, settings):
    settings.OPINION_TRACK_MISSES_PER_IP_HOUR = 2
    opinion = fed_back(ow, partial(submit, name="李群众"))
    (row,) = client.get(f"{BASE}/requests/{opinion.tracking_code}.json").json()
    assert row["status"] == "closed" and row["status_notes"] == opinion.answer  # as on the tracking page
    assert "description" not in row and row["service_request_id"] == opinion.tracking_code
    assert client.get(f"{BASE}/requests/AAAAAAAAAAAA.json").status_code == 404
    assert client.get(f"{BASE}/requests/BBBBBBBBBBBB.json").status_code == 404
    blocked = client.get(f"{BASE}/requests/{opinion.tracking_code}.json")
    assert blocked.status_code == 429 and blocked.json()[0]["code"] == 429
