import io
import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.test import override_settings
from PIL import Image

from liaison.stations import services
from liaison.stations.models import Station

from .conftest import T, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(sw):
    """Deputies at the township station, one published slot, one draft, one published far away."""
    for person in (sw.town_deputy, sw.county_deputy):
        services.station_deputy_assign(actor=None, station=sw.station, person=person)
    published = services.slot_create(
        actor=None,
        station=sw.station,
        date=day(10),
        start_time=T(9),
        end_time=T(11, 30),
        deputies=[sw.town_deputy, sw.county_deputy],
        topic="听取群众意见",
        publish=True,
    )
    draft = services.slot_create(
        actor=None,
        station=sw.station,
        date=day(12),
        start_time=T(14),
        end_time=T(16),
        deputies=[sw.town_deputy],
        topic="草稿主题",
    )
    far = services.slot_create(
        actor=None,
        station=sw.station,
        date=day(90),
        start_time=T(9),
        end_time=T(10),
        deputies=[sw.town_deputy],
        topic="远期接待",
        publish=True,
    )
    return published, draft, far


def test_station_list_filters(client, sw):
    r = client.get("/stations/")
    assert r.status_code == 200
    text = r.content.decode()
    for s in (sw.station, sw.county_station, sw.town2_station, sw.other_station):
        assert s.name in text
    text = client.get("/stations/", {"region": sw.world.regions["county"].pk}).content.decode()
    assert sw.station.name in text and sw.county_station.name in text and sw.other_station.name not in text
    text = client.get("/stations/", {"kind": "home"}).content.decode()
    assert sw.county_station.name in text and sw.station.name not in text
    text = client.get("/stations/", {"q": "河西街"}).content.decode()
    assert sw.town2_station.name in text and sw.station.name not in text


def test_station_list_ignores_bad_input(client, sw):
    for params in ({"region": "abc"}, {"region": "999999"}, {"kind": "nope"}, {"page": "x"}, {"q": "x" * 500}):
        assert client.get("/stations/", params).status_code == 200


def test_closed_station_hidden(client, sw):
    Station.objects.filter(pk=sw.town2_station.pk).update(is_active=False)
    assert sw.town2_station.name not in client.get("/stations/").content.decode()
    assert client.get(f"/stations/{sw.town2_station.pk}/").status_code == 404
    assert client.get(f"/stations/{sw.town2_station.pk}/calendar.ics").status_code == 404


def test_station_detail_shows_published_roster_only(client, sw, roster):
    published, draft, far = roster
    r = client.get(f"/stations/{sw.station.pk}/")
    assert r.status_code == 200
    text = r.content.decode()
    assert sw.station.address in text and "周一至周五" in text and "23.123456" in text
    assert "听取群众意见" in text and "09:00–11:30" in text
    assert "草稿主题" not in text  # drafts are not public
    assert "远期接待" not in text  # beyond the next 60 days
    assert f'href="/deputies/{sw.town_deputy.pk}/"' in text and sw.county_deputy.name in text
    assert f'href="/stations/{sw.station.pk}/opinions/new/"' in text
    assert f"/stations/{sw.station.pk}/calendar.ics" in text and f"/stations/{sw.station.pk}/poster.png" in text


def test_station_detail_404(client, sw):
    assert client.get("/stations/999999/").status_code == 404


def test_public_deputies_exclude_those_without_serving_mandate(client, sw, roster):
    from liaison.stations import selectors

    sw.county_deputy.mandates.update(status="terminated")
    assert client.get(f"/stations/{sw.station.pk}/").status_code == 200
    assert [p.pk for p in selectors.station_public_deputies(station=sw.station)] == [sw.town_deputy.pk]


def test_list_query_count_is_constant(client, sw, django_assert_num_queries):
    region = sw.world.regions["pref"].pk
    with django_assert_num_queries(5):  # region, breadcrumbs, children, count, page
        client.get("/stations/", {"region": region})
    for i in range(15):
        services.station_create(actor=None, name=f"加站{i}", kind="post", region=sw.world.regions["town"], address="x")
    with django_assert_num_queries(5):
        r = client.get("/stations/", {"region": region})
    assert "加站14" in r.content.decode() or "加站1" in r.content.decode()


def test_detail_query_count_is_constant(client, sw, roster, django_assert_num_queries):
    with django_assert_num_queries(5):  # station, deputies, their mandates, slots, slot deputies
        client.get(f"/stations/{sw.station.pk}/")
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.pref_deputy)
    for offset in range(15, 25):
        services.slot_create(
            actor=None,
            station=sw.station,
            date=day(offset),
            start_time=T(9),
            end_time=T(10),
            deputies=[sw.town_deputy, sw.pref_deputy],
            publish=True,
        )
    with django_assert_num_queries(5):
        client.get(f"/stations/{sw.station.pk}/")


@override_settings(SITE_BASE_URL="https://rd.example.gov.cn")
def test_ics_feed_parses(client, sw, roster):
    published, draft, far = roster
    r = client.get(f"/stations/{sw.station.pk}/calendar.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert {str(e["uid"]) for e in events} == {
        f"dutyslot-{published.pk}@rd.example.gov.cn",
        f"dutyslot-{far.pk}@rd.example.gov.cn",
    }
    tz = list(cal.walk("VTIMEZONE"))
    assert [str(t["tzid"]) for t in tz] == ["Asia/Shanghai"]
    event = next(e for e in events if str(e["uid"]).startswith(f"dutyslot-{published.pk}@"))
    start = event.decoded("dtstart")
    assert start.date() == published.date and start.hour == 9 and start.utcoffset().total_seconds() == 8 * 3600
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("dtend").hour == 11 and event.decoded("dtend").minute == 30
    assert sw.station.name in str(event["summary"])
    assert sw.town_deputy.name in str(event["description"])
    assert sw.station.address in str(event["location"])
    # the UID stays when the slot changes
    services.slot_update(
        actor=None,
        slot=published,
        date=published.date,
        start_time=T(9),
        end_time=T(12),
        deputies=[sw.town_deputy],
        topic="改",
    )
    again = icalendar.Calendar.from_ical(client.get(f"/stations/{sw.station.pk}/calendar.ics").content)
    assert f"dutyslot-{published.pk}@rd.example.gov.cn" in {str(e["uid"]) for e in again.walk("VEVENT")}


@override_settings(SITE_BASE_URL="https://rd.example.gov.cn")
def test_png_poster_is_a_valid_printable_image(client, sw):
    r = client.get(f"/stations/{sw.station.pk}/poster.png")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    image.verify()
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "PNG" and image.size == (1240, 1754)
    # the QR code is there: some pure-black pixels in the middle of the poster
    assert image.convert("L").crop((300, 600, 940, 1100)).getextrema()[0] == 0


def test_png_poster_without_cjk_font(client, sw, monkeypatch):
    from liaison.stations import poster

    monkeypatch.setattr(poster, "cjk_font_path", lambda: None)
    r = client.get(f"/stations/{sw.station.pk}/poster.png")
    assert r.status_code == 200
    Image.open(io.BytesIO(r.content)).verify()


@override_settings(SITE_BASE_URL="https://rd.example.gov.cn")
def test_svg_poster_is_valid_svg(client, sw):
    r = client.get(f"/stations/{sw.station.pk}/poster.svg")
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert sw.station.name in texts
    assert f"https://rd.example.gov.cn/stations/{sw.station.pk}/opinions/new/" in texts
    nested = [e for e in root.iter(f"{ns}svg") if e is not root]
    assert nested and list(nested[0].iter(f"{ns}path"))  # the QR code as a vector path


def test_poster_qr_decodes_to_the_opinion_page(sw, settings):
    """The QR matrix drawn on the poster is the one for the station's opinion URL."""
    from liaison.stations import poster

    settings.SITE_BASE_URL = "https://rd.example.gov.cn/"
    assert poster.opinion_url(sw.station) == f"https://rd.example.gov.cn/stations/{sw.station.pk}/opinions/new/"
    code = poster._qr(poster.opinion_url(sw.station))
    assert code.data_list[0].data.decode() == poster.opinion_url(sw.station)
