"""A world with deputies: districts and delegations, persons with mandates in the county, its
township and the other prefecture, a group, a station with its deputies, a station-staff user and a
deputy user. Everything is made through the services."""

import datetime
import io
from dataclasses import dataclass, field

import pytest
from PIL import Image

from liaison.accounts.models import Role
from liaison.core.testing import World, make_user
from liaison.deputies import services
from liaison.deputies.models import Mandate, Person
from liaison.stations import services as station_services


@dataclass
class DeputyWorld:
    w: World
    districts: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    mandates: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    stations: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


def png_bytes(size=(8, 8), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=fmt)
    return out.getvalue()


def add_deputy(dw: DeputyWorld, key: str, name: str, congress_key: str, *, gender="m", birth_year=1970, **kw):
    w = dw.w
    congress = w.congresses[congress_key]
    person = services.person_create(
        actor=None, name=name, gender=gender, birth_year=birth_year, region=congress.region, **kw
    )
    district = dw.districts.get(congress_key)
    mandate = services.mandate_create(
        actor=None,
        person=person,
        congress=congress,
        term=w.terms[congress_key],
        election=Mandate.Election.DIRECT if district else Mandate.Election.INDIRECT,
        district=district,
        electing_congress=None if district else w.congresses["county"],
    )
    dw.persons[key] = person
    dw.mandates[key] = mandate
    return person, mandate


def build(w: World) -> DeputyWorld:
    dw = DeputyWorld(w=w)
    for key in ("county", "town", "county2", "town2", "other_county", "other_town"):
        dw.districts[key] = services.district_create(actor=None, congress=w.congresses[key], name="第一选区")
    add_deputy(dw, "zhang", "张三丰", "county", phone="13800000001", phone_public=True, email="z@example.cn")
    add_deputy(dw, "li", "李四", "county", gender="f", birth_year=1980)
    add_deputy(dw, "wang", "王五", "town")
    add_deputy(dw, "zhao", "赵六", "other_county")
    add_deputy(dw, "pref", "钱七", "pref")  # indirect, elected by the county congress
    # 张三丰 also holds a township mandate (a person may hold two at once)
    dw.mandates["zhang_town"] = services.mandate_create(
        actor=None,
        person=dw.persons["zhang"],
        congress=w.congresses["town"],
        term=w.terms["town"],
        election=Mandate.Election.DIRECT,
        district=dw.districts["town"],
    )
    dw.groups["g"] = services.group_create(actor=None, name="东风小组", region=w.regions["town"])
    services.membership_add(actor=None, group=dw.groups["g"], mandate=dw.mandates["zhang"], position="leader")
    services.membership_add(actor=None, group=dw.groups["g"], mandate=dw.mandates["wang"])
    station = station_services.station_create(
        actor=None, name="东风镇代表联络站", kind="post", region=w.regions["town"], address="东风路1号"
    )
    station_services.station_deputy_assign(actor=None, station=station, person=dw.persons["wang"])
    dw.stations["s"] = station
    dw.users["staff"] = make_user("staff", name="站务员", roles=[(Role.Kind.STATION_STAFF, {"station": station})])
    dw.users["deputy"] = make_user("deputy", name="李四", roles=[(Role.Kind.DEPUTY, {"person": dw.persons["li"]})])
    return dw


@pytest.fixture
def dw(world) -> DeputyWorld:
    return build(world)


@pytest.fixture
def png():
    return png_bytes


__all__ = ["DeputyWorld", "Person", "add_deputy", "build", "png_bytes", "datetime"]
