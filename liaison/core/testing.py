"""Building blocks for tests: a small world of regions, congresses, units and one user per role,
made through the services. Two prefectures, so that every scope test has an "outside" to try."""

import datetime
from dataclasses import dataclass, field

from liaison.accounts.models import Role, User
from liaison.regions.models import Congress, HandlingUnit, Level, Region, Term
from liaison.regions.services import congress_create, region_create, term_create, unit_create

PASSWORD = "Test-Pass-2026!"


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    congresses: dict[str, Congress] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)
    units: dict[str, HandlingUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def make_user(username: str, *, name: str = "", roles: list[tuple[str, dict]] | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, name=name or username)
    for kind, scope in roles or []:
        Role.objects.create(user=user, kind=kind, **scope)
    return user


def make_world() -> World:
    w = World()
    tree = [
        ("prov", "测试省", "440000000000", Level.PROVINCE, None),
        ("pref", "甲市", "440100000000", Level.PREFECTURE, "prov"),
        ("county", "甲一县", "440101000000", Level.COUNTY, "pref"),
        ("town", "东风镇", "440101001000", Level.TOWNSHIP, "county"),
        ("village", "红星村", "440101001001", Level.VILLAGE, "town"),
        ("county2", "甲二县", "440102000000", Level.COUNTY, "pref"),
        ("town2", "西河镇", "440102001000", Level.TOWNSHIP, "county2"),
        ("other_pref", "乙市", "440200000000", Level.PREFECTURE, "prov"),
        ("other_county", "乙一县", "440201000000", Level.COUNTY, "other_pref"),
        ("other_town", "南山镇", "440201001000", Level.TOWNSHIP, "other_county"),
    ]
    for key, name, code, level, parent in tree:
        w.regions[key] = region_create(
            actor=None, name=name, code=code, level=level, parent=w.regions[parent] if parent else None
        )
    start, end = datetime.date(2022, 1, 1), datetime.date(2026, 12, 31)
    for key in ("pref", "county", "town", "county2", "town2", "other_pref", "other_county", "other_town"):
        w.congresses[key] = congress_create(actor=None, region=w.regions[key])
        w.terms[key] = term_create(actor=None, congress=w.congresses[key], number=7, start_date=start, end_date=end)
    w.units["county_gov"] = unit_create(
        actor=None, region=w.regions["county"], name="甲一县人民政府", kind="government"
    )
    w.units["county_edu"] = unit_create(actor=None, region=w.regions["county"], name="甲一县教育局", kind="department")
    w.units["other_edu"] = unit_create(
        actor=None, region=w.regions["other_county"], name="乙一县教育局", kind="department"
    )
    w.users["officer"] = make_user(
        "officer", name="县联络员", roles=[("liaison_officer", {"region": w.regions["county"]})]
    )
    w.users["pref_officer"] = make_user(
        "pref_officer", name="市联络员", roles=[("liaison_officer", {"region": w.regions["pref"]})]
    )
    w.users["other_officer"] = make_user(
        "other_officer", name="乙县联络员", roles=[("liaison_officer", {"region": w.regions["other_county"]})]
    )
    w.users["leader"] = make_user("leader", name="县领导", roles=[("leadership", {"region": w.regions["county"]})])
    w.users["unit"] = make_user("unit", name="教育局办理员", roles=[("handling_unit", {"unit": w.units["county_edu"]})])
    w.users["sysadmin"] = make_user("sysadmin", name="系统管理员", roles=[("system_admin", {})])
    w.users["secadmin"] = make_user("secadmin", name="安全管理员", roles=[("security_admin", {})])
    w.users["auditor"] = make_user("auditor", name="审计管理员", roles=[("audit_admin", {})])
    w.users["nobody"] = make_user("nobody", name="无角色用户")
    return w
