"""Fixtures of the stations tests: stations in two counties and two prefectures, deputies with serving
mandates (made through the deputies services), a station staff user per station."""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.utils import timezone
from PIL import Image

from liaison.core.testing import make_user
from liaison.deputies.models import ElectoralDistrict, Mandate, Person
from liaison.regions.models import Level
from liaison.stations import services
from liaison.stations.models import Station


def make_deputy(world, region_key: str, name: str, *, gender: str = "m") -> Person:
    """A person with a serving mandate in the congress of `region_key` (direct election with a district
    at county and township level, indirect below a prefecture), through the deputies services."""
    try:
        from liaison.deputies.services import district_create, mandate_create, person_create
    except ImportError:  # the deputies services are not there: rows directly
        return _make_deputy_rows(world, region_key, name, gender=gender)

    congress = world.congresses[region_key]
    person = person_create(actor=None, name=name, gender=gender, region=world.regions[region_key], confirm=True)
    if congress.level in (Level.COUNTY, Level.TOWNSHIP):
        district = ElectoralDistrict.objects.filter(congress=congress).first() or district_create(
            actor=None, congress=congress, name="第一选区"
        )
        mandate_create(
            actor=None,
            person=person,
            congress=congress,
            term=world.terms[region_key],
            election="direct",
            district=district,
        )
    else:
        electing = next(c for c in world.congresses.values() if c.region.parent_id == congress.region_id)
        mandate_create(
            actor=None,
            person=person,
            congress=congress,
            term=world.terms[region_key],
            election="indirect",
            electing_congress=electing,
        )
    assert Mandate.objects.filter(person=person, status=Mandate.Status.SERVING).exists()
    return person


def _make_deputy_rows(world, region_key: str, name: str, *, gender: str) -> Person:
    from liaison.deputies.pinyin import name_pinyin

    congress, term = world.congresses[region_key], world.terms[region_key]
    full, initials = name_pinyin(name)
    person = Person.objects.create(name=name, gender=gender, name_pinyin=full, name_initials=initials)
    if congress.level in (Level.COUNTY, Level.TOWNSHIP):
        district, _ = ElectoralDistrict.objects.get_or_create(
            congress=congress, name="第一选区", defaults={"region": congress.region}
        )
        source = {"election": "direct", "district": district}
    else:
        electing = next(c for c in world.congresses.values() if c.region.parent_id == congress.region_id)
        source = {"election": "indirect", "electing_congress": electing}
    Mandate.objects.create(
        person=person,
        congress=congress,
        term=term,
        start_date=term.start_date,
        level=congress.level,
        region_path=congress.region.path,
        **source,
    )
    return person


@dataclass
class StationWorld:
    world: object
    station: Station  # a township station in 东风镇 (甲一县)
    county_station: Station  # the county's deputies' home in 甲一县
    town2_station: Station  # a station in 西河镇 (甲二县): same prefecture, other county
    other_station: Station  # a station in 南山镇 (乙市): the other prefecture
    town_deputy: Person
    county_deputy: Person
    pref_deputy: Person
    town2_deputy: Person
    other_deputy: Person
    staff: object  # station staff of `station`
    other_staff: object  # station staff of `other_station`


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


T = datetime.time


@pytest.fixture
def sw(world) -> StationWorld:
    r = world.regions
    mk = services.station_create
    station = mk(
        actor=None,
        name="东风镇代表联络站",
        kind="post",
        region=r["town"],
        address="东风镇人民路1号",
        latitude="23.123456",
        longitude="113.654321",
        opening_hours="周一至周五 9:00–17:00",
    )
    county_station = mk(actor=None, name="甲一县代表之家", kind="home", region=r["county"], address="甲一县府前路8号")
    town2_station = mk(actor=None, name="西河镇代表联络站", kind="post", region=r["town2"], address="西河镇河西街2号")
    other_station = mk(
        actor=None, name="南山镇代表联络站", kind="post", region=r["other_town"], address="南山镇山前路3号"
    )
    sw = StationWorld(
        world=world,
        station=station,
        county_station=county_station,
        town2_station=town2_station,
        other_station=other_station,
        town_deputy=make_deputy(world, "town", "王东风"),
        county_deputy=make_deputy(world, "county", "李县", gender="f"),
        pref_deputy=make_deputy(world, "pref", "赵市"),
        town2_deputy=make_deputy(world, "town2", "钱西河"),
        other_deputy=make_deputy(world, "other_town", "孙南山"),
        staff=make_user("station_staff", name="联络站工作人员", roles=[("station_staff", {"station": station})]),
        other_staff=make_user(
            "other_staff", name="南山站工作人员", roles=[("station_staff", {"station": other_station})]
        ),
    )
    return sw


def png_bytes(size=(8, 8), color=(200, 30, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A minimal valid one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
