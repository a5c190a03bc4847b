"""Fixtures of the opinions tests: the shared world plus a township station with its staff and a
deputy on duty, township handling units, a township officer and a deputy's account.

`ow` gives everything; `submit` makes an opinion through the service."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from liaison.core.testing import World, make_user
from liaison.opinions import services
from liaison.opinions.models import Opinion
from liaison.regions.services import unit_create
from liaison.stations import services as station_services
from liaison.stations.tests.conftest import make_deputy


@dataclass
class OpinionWorld:
    w: World
    station: object
    other_station: object
    deputy: object
    users: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)

    @property
    def regions(self):
        return self.w.regions


@pytest.fixture
def ow(world) -> OpinionWorld:
    station = station_services.station_create(
        actor=None, name="东风镇人大代表联络站", kind="post", region=world.regions["town"], address="东风镇政府大院"
    )
    other_station = station_services.station_create(
        actor=None, name="南山镇人大代表联络站", kind="post", region=world.regions["other_town"], address="南山镇"
    )
    deputy = make_deputy(world, "town", "王代表")
    station_services.station_deputy_assign(actor=None, station=station, person=deputy)
    o = OpinionWorld(w=world, station=station, other_station=other_station, deputy=deputy)
    o.users = dict(world.users)
    o.users["staff"] = make_user("staff", name="联络站工作人员", roles=[("station_staff", {"station": station})])
    o.users["other_staff"] = make_user(
        "other_staff", name="南山站工作人员", roles=[("station_staff", {"station": other_station})]
    )
    o.users["town_officer"] = make_user(
        "town_officer", name="镇人大办", roles=[("liaison_officer", {"region": world.regions["town"]})]
    )
    o.users["deputy"] = make_user("deputy_user", name="王代表", roles=[("deputy", {"person": deputy})])
    o.units = dict(world.units)
    o.units["town_gov"] = unit_create(
        actor=None, region=world.regions["town"], name="东风镇人民政府", kind="government"
    )
    o.units["town_water"] = unit_create(
        actor=None, region=world.regions["town"], name="东风镇水利站", kind="department"
    )
    o.users["town_unit"] = make_user(
        "town_unit", name="镇政府办理员", roles=[("handling_unit", {"unit": o.units["town_gov"]})]
    )
    o.users["water_unit"] = make_user(
        "water_unit", name="水利站办理员", roles=[("handling_unit", {"unit": o.units["town_water"]})]
    )
    return o


@pytest.fixture
def submit(ow):
    """Make an opinion: online at the station by default; keyword arguments go to opinion_submit."""

    def make(**kwargs) -> Opinion:
        args = {
            "actor": None,
            "channel": Opinion.Channel.STATION_ONLINE,
            "region": ow.regions["village"],
            "station": ow.station,
            "text": "村口道路坑洼多年未修，雨天积水严重，希望尽快修缮。",
            "name": "李群众",
        }
        args.update(kwargs)
        opinion, _secret = services.opinion_submit(**args)
        return opinion

    return make


def today() -> datetime.date:
    return timezone.localdate()
