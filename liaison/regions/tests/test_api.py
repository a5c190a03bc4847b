"""The regions API: public reads, staff writes through the services within scope, JSON errors."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.api.models import ApiToken
from liaison.core.models import AuditLog
from liaison.regions import services
from liaison.regions.models import Congress, HandlingUnit, Organ, Region, Session, Term


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method, url, user=None, data=None, lang=None, raw=None):
    headers = bearer(user) if user is not None else {}
    if lang:
        headers["HTTP_ACCEPT_LANGUAGE"] = lang
    body = raw if raw is not None else json.dumps(data or {})
    return getattr(client, method)(url, data=body, content_type="application/json", **headers)


# --- public reads -------------------------------------------------------------------------------------


def test_region_tree_by_parent_and_search(client, world):
    top = client.get("/api/regions/").json()
    assert [r["name"] for r in top["items"]] == ["测试省"] and top["count"] == 1
    prov = world.regions["prov"]
    children = client.get(f"/api/regions/?parent={prov.pk}").json()
    assert [r["name"] for r in children["items"]] == ["甲市", "乙市"]
    assert children["items"][0]["child_count"] == 2 and children["items"][0]["congress_id"]
    found = client.get("/api/regions/", {"q": "镇"}).json()
    assert {r["name"] for r in found["items"]} == {"东风镇", "西河镇", "南山镇"}
    found = client.get("/api/regions/", {"q": "镇", "parent": world.regions["county"].pk}).json()
    assert [r["name"] for r in found["items"]] == ["东风镇"]
    one = client.get(f"/api/regions/{world.regions['county'].pk}").json()
    assert one["code"] == "440101000000" and one["unit_count"] == 2
    assert client.get("/api/regions/", {"level": "county", "q": "县"}).json()["count"] == 3


def test_lists_are_paged(client, world):
    page = client.get("/api/regions/", {"q": "4401", "page_size": 4, "page": 2}).json()
    assert page["count"] == 6 and page["pages"] == 2 and page["page"] == 2 and page["page_size"] == 4
    assert len(page["items"]) == 2
    first = client.get("/api/regions/", {"q": "4401", "page_size": 4}).json()
    assert len(first["items"]) == 4 and not {r["id"] for r in first["items"]} & {r["id"] for r in page["items"]}
    assert client.get("/api/regions/", {"q": "4401", "page": 9}).json()["items"] == []
    assert client.get("/api/regions/", {"page_size": 0}).status_code == 400
    assert client.get("/api/regions/", {"page_size": 1000}).status_code == 400
    assert client.get("/api/regions/", {"page": 0}).status_code == 400


def test_congresses_and_units(client, world):
    data = client.get("/api/regions/congresses", {"within": world.regions["pref"].pk}).json()
    assert data["count"] == 5
    county = client.get("/api/regions/congresses", {"region": world.regions["county"].pk}).json()["items"][0]
    assert county["terms"][0]["number"] == 7 and county["motion_threshold"] == 10
    town = client.get(f"/api/regions/congresses/{world.congresses['town'].pk}").json()
    assert town["motion_threshold"] == 5 and town["region_name"] == "东风镇"
    units = client.get("/api/regions/units", {"within": world.regions["pref"].pk}).json()
    assert {u["name"] for u in units["items"]} == {"甲一县人民政府", "甲一县教育局"}
    services.unit_deactivate(actor=None, unit=world.units["county_edu"])
    units = client.get("/api/regions/units", {"region": world.regions["county"].pk, "kind": "department"}).json()
    assert units["count"] == 0  # inactive units are not offered publicly
    assert client.get("/api/regions/units", {"q": "教育"}).json()["count"] == 1


def test_public_lists_keep_a_constant_number_of_queries(client, world):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ["/api/regions/?q=镇", "/api/regions/congresses", "/api/regions/units"]
    before = [count(u) for u in urls]
    county = world.regions["county"]
    for i in range(5):
        town = services.region_create(actor=None, name=f"新镇{i}", code=f"77{i}", level="township", parent=county)
        congress = services.congress_create(actor=None, region=town)
        services.term_create(
            actor=None,
            congress=congress,
            number=1,
            start_date=world.terms["county"].start_date,
            end_date=world.terms["county"].end_date,
        )
        services.unit_create(actor=None, region=town, name=f"新镇政府{i}", kind="government")
    assert [count(u) for u in urls] == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/regions/?parent=abc",
        "/api/regions/?level=planet",
        "/api/regions/?page=x",
        "/api/regions/congresses?within=abc",
        "/api/regions/units?kind=spaceship",
    ],
)
def test_bad_query_parameters_are_400_json(client, world, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["message"]


def test_missing_objects_are_404_json(client, world):
    for url in ("/api/regions/999999", "/api/regions/congresses/999999", "/api/regions/units?within=999999"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url


# --- staff writes -------------------------------------------------------------------------------------


def test_writes_need_a_token(client, world):
    response = send(client, "post", "/api/regions/", data={"name": "x", "code": "1", "level": "township"})
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["leader", "unit", "nobody", "auditor"])
def test_roles_that_may_not_write_get_403(client, world, role):
    response = send(
        client,
        "patch",
        f"/api/regions/congresses/{world.congresses['county'].pk}",
        world.users[role],
        {"motion_threshold": 3},
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Congress.objects.get(pk=world.congresses["county"].pk).motion_threshold == 10


def test_officer_writes_in_scope_and_gets_404_outside(client, world):
    officer = world.users["officer"]
    other = world.regions["other_county"]
    cases = [
        ("post", "/api/regions/", {"name": "外镇", "code": "123", "level": "township", "parent_id": other.pk}),
        ("patch", f"/api/regions/{other.pk}", {"name": "改名"}),
        ("patch", f"/api/regions/{world.regions['town'].pk}", {"parent_id": world.regions["other_county"].pk}),
        ("post", "/api/regions/congresses", {"region_id": world.regions["other_town"].pk}),
        ("patch", f"/api/regions/congresses/{world.congresses['other_county'].pk}", {"motion_threshold": 3}),
        (
            "post",
            "/api/regions/terms",
            {
                "congress_id": world.congresses["other_county"].pk,
                "number": 8,
                "start_date": "2027-01-01",
                "end_date": "2031-12-31",
            },
        ),
        ("patch", f"/api/regions/terms/{world.terms['other_county'].pk}", {"number": 9}),
        (
            "post",
            "/api/regions/sessions",
            {
                "term_id": world.terms["other_county"].pk,
                "number": 1,
                "start_date": "2023-01-01",
                "end_date": "2023-01-02",
            },
        ),
        ("post", "/api/regions/units", {"region_id": other.pk, "name": "新局", "kind": "department"}),
        ("patch", f"/api/regions/units/{world.units['other_edu'].pk}", {"is_active": False}),
        (
            "post",
            "/api/regions/organs",
            {"congress_id": world.congresses["other_county"].pk, "kind": "presidium", "name": "x"},
        ),
    ]
    audit_before = AuditLog.objects.count()
    for method, url, data in cases:
        response = send(client, method, url, officer, data)
        assert response.status_code == 404, (url, response.content)
        assert response.json()["code"] == "not_found"
    assert AuditLog.objects.count() == audit_before


def test_officer_cannot_add_a_top_level_region(client, world):
    response = send(
        client, "post", "/api/regions/", world.users["officer"], {"name": "省", "code": "9", "level": "province"}
    )
    assert response.status_code == 403
    response = send(
        client, "post", "/api/regions/", world.users["sysadmin"], {"name": "省", "code": "9", "level": "province"}
    )
    assert response.status_code == 201 and response.json()["parent_id"] is None


def test_full_write_round_trip_is_audited(client, world):
    officer = world.users["officer"]
    county = world.regions["county"]

    r = send(
        client,
        "post",
        "/api/regions/",
        officer,
        {"name": "新桥镇", "code": "440101002000", "level": "township", "parent_id": county.pk},
    )
    assert r.status_code == 201, r.content
    town_id = r.json()["id"]
    r = send(client, "patch", f"/api/regions/{town_id}", officer, {"name": "新桥街道", "reason": "撤镇设街道"})
    assert r.status_code == 200 and r.json()["name"] == "新桥街道"

    r = send(client, "post", "/api/regions/congresses", officer, {"region_id": town_id, "motion_threshold": 6})
    assert r.status_code == 201 and r.json()["motion_threshold"] == 6
    congress_id = r.json()["id"]
    r = send(client, "patch", f"/api/regions/congresses/{congress_id}", officer, {"motion_threshold": 5})
    assert r.status_code == 200 and r.json()["motion_threshold"] == 5

    r = send(
        client,
        "post",
        "/api/regions/terms",
        officer,
        {"congress_id": congress_id, "number": 1, "start_date": "2022-01-01", "end_date": "2026-12-31"},
    )
    assert r.status_code == 201
    term_id = r.json()["id"]
    r = send(client, "patch", f"/api/regions/terms/{term_id}", officer, {"end_date": "2027-01-31"})
    assert r.status_code == 200 and r.json()["end_date"] == "2027-01-31"

    r = send(
        client,
        "post",
        "/api/regions/sessions",
        officer,
        {
            "term_id": term_id,
            "number": 1,
            "start_date": "2023-01-10",
            "end_date": "2023-01-12",
            "notice_date": "2023-01-02",
            "motion_deadline": "2023-01-11T12:00:00",
        },
        lang="en",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["notice_days"] == 8 and body["notice_short"] is True
    assert body["warnings"] and "15" in body["warnings"][0]
    session_id = body["id"]
    r = send(client, "patch", f"/api/regions/sessions/{session_id}", officer, {"notice_date": "2022-12-20"})
    assert r.status_code == 200 and r.json()["warnings"] == []
    session = Session.objects.get(pk=session_id)
    assert session.motion_deadline is not None and session.notice_date.isoformat() == "2022-12-20"

    r = send(
        client,
        "post",
        "/api/regions/organs",
        officer,
        {"congress_id": congress_id, "kind": "presidium", "name": "主席团"},
    )
    assert r.status_code == 201
    organ_id = r.json()["id"]
    r = send(client, "patch", f"/api/regions/organs/{organ_id}", officer, {"name": "新桥街道人大工委"})
    assert r.status_code == 200

    r = send(
        client,
        "post",
        "/api/regions/units",
        officer,
        {"region_id": town_id, "name": "新桥街道办事处", "kind": "government"},
    )
    assert r.status_code == 201 and r.json()["level"] == "township"
    unit_id = r.json()["id"]
    r = send(client, "patch", f"/api/regions/units/{unit_id}", officer, {"is_active": False, "reason": "合并"})
    assert r.status_code == 200 and r.json()["is_active"] is False

    expected = [
        ("regions.Region", town_id, "create"),
        ("regions.Region", town_id, "update"),
        ("regions.Congress", congress_id, "create"),
        ("regions.Congress", congress_id, "update"),
        ("regions.Term", term_id, "create"),
        ("regions.Term", term_id, "update"),
        ("regions.Session", session_id, "create"),
        ("regions.Session", session_id, "update"),
        ("regions.Organ", organ_id, "create"),
        ("regions.Organ", organ_id, "update"),
        ("regions.HandlingUnit", unit_id, "create"),
        ("regions.HandlingUnit", unit_id, "update"),
    ]
    for model, pk, action in expected:
        assert AuditLog.objects.filter(model=model, object_id=str(pk), action=action, actor=officer).exists(), (
            model,
            action,
        )
    assert AuditLog.objects.get(model="regions.Region", object_id=str(town_id), action="update").reason == "撤镇设街道"


def test_validation_errors_are_400_in_the_callers_language(client, world):
    officer = world.users["officer"]
    county, town, village = world.regions["county"], world.regions["town"], world.regions["village"]

    # A cycle in the tree.
    r = send(
        client, "patch", f"/api/regions/{county.pk}", world.users["pref_officer"], {"parent_id": village.pk}, lang="en"
    )
    assert r.status_code == 400
    assert r.json() == {
        "code": "invalid",
        "message": "A region cannot be placed inside itself or its own subtree.",
        "field": "parent_id",
        "errors": {"parent_id": ["A region cannot be placed inside itself or its own subtree."]},
    }
    r = send(
        client,
        "patch",
        f"/api/regions/{county.pk}",
        world.users["pref_officer"],
        {"parent_id": village.pk},
        lang="zh-hans",
    )
    assert r.status_code == 400 and r.json()["message"] == "不能把区划移到它自身或它的下级区划之下（会形成循环）。"
    assert Region.objects.get(pk=county.pk).parent == world.regions["pref"]

    # Dates out of order, a notice after the opening, a threshold of 0.
    r = send(
        client,
        "post",
        "/api/regions/sessions",
        officer,
        {"term_id": world.terms["county"].pk, "number": 1, "start_date": "2023-01-10", "end_date": "2023-01-09"},
        lang="en",
    )
    assert r.status_code == 400 and r.json()["field"] == "end_date"
    r = send(
        client,
        "post",
        "/api/regions/sessions",
        officer,
        {
            "term_id": world.terms["county"].pk,
            "number": 1,
            "start_date": "2023-01-10",
            "end_date": "2023-01-12",
            "notice_date": "2023-01-15",
        },
    )
    assert r.status_code == 400 and r.json()["field"] == "notice_date"
    r = send(
        client, "patch", f"/api/regions/congresses/{world.congresses['county'].pk}", officer, {"motion_threshold": 0}
    )
    assert r.status_code == 400 and r.json()["field"] == "motion_threshold"
    # A duplicate name in the region.
    r = send(
        client,
        "post",
        "/api/regions/units",
        officer,
        {"region_id": county.pk, "name": "甲一县教育局", "kind": "department"},
    )
    assert r.status_code == 400 and r.json()["field"] == "name"
    # A parent unit of another region.
    r = send(
        client,
        "post",
        "/api/regions/units",
        officer,
        {"region_id": town.pk, "name": "某所", "kind": "department", "parent_id": world.units["county_gov"].pk},
    )
    assert r.status_code == 400 and r.json()["field"] == "parent_id"
    assert not Session.objects.exists() and HandlingUnit.objects.count() == 3


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("not json", None),
        ("[1, 2]", None),
        ('{"term_id": 1}', "number"),
        ('{"term_id": "x", "number": 1, "start_date": "2023-01-10", "end_date": "2023-01-12"}', "term_id"),
        ('{"term_id": 1, "number": 1, "start_date": "10/01/2023", "end_date": "2023-01-12"}', "start_date"),
        (
            '{"term_id": 1, "number": 1, "start_date": "2023-01-10", "end_date": "2023-01-12", "colour": "red"}',
            "colour",
        ),
    ],
)
def test_malformed_bodies_are_400_not_422_or_500(client, world, raw, field):
    r = send(client, "post", "/api/regions/sessions", world.users["officer"], raw=raw, lang="en")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and body["message"]
    if field:
        assert field in body["errors"]


def test_system_admin_moves_a_subtree_through_the_api(client, world):
    admin = world.users["sysadmin"]
    county2, other_pref = world.regions["county2"], world.regions["other_pref"]
    r = send(client, "patch", f"/api/regions/{county2.pk}", admin, {"parent_id": other_pref.pk, "reason": "区划调整"})
    assert r.status_code == 200 and r.json()["parent_id"] == other_pref.pk
    town2 = Region.objects.get(pk=world.regions["town2"].pk)
    assert town2.path.startswith(other_pref.path) and town2.depth == 3
    # The prefecture officer no longer reaches it; the other prefecture's officer would (and it 404s for the first).
    r = send(client, "patch", f"/api/regions/{county2.pk}", world.users["pref_officer"], {"name": "x"})
    assert r.status_code == 404


def test_term_patch_cannot_strand_sessions(client, world, things):
    r = send(
        client,
        "patch",
        f"/api/regions/terms/{world.terms['county'].pk}",
        world.users["officer"],
        {"start_date": "2022-06-01"},
    )
    assert r.status_code == 400 and r.json()["field"] == "start_date"
    assert Term.objects.get(pk=world.terms["county"].pk).start_date.isoformat() == "2022-01-01"


def test_unit_patch_is_all_or_nothing(client, world):
    gov, edu = world.units["county_gov"], world.units["county_edu"]
    services.unit_update(actor=None, unit=edu, name=edu.name, kind="department", parent=gov)
    r = send(
        client, "patch", f"/api/regions/units/{gov.pk}", world.users["officer"], {"name": "新政府", "is_active": False}
    )
    assert r.status_code == 400  # a department is still active
    assert HandlingUnit.objects.get(pk=gov.pk).name == "甲一县人民政府"


def test_openapi_lists_the_regions_endpoints(client, world):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/regions/" in paths and "/api/regions/sessions/{session_id}" in paths
    assert "requestBody" in paths["/api/regions/sessions"]["post"]
    assert Organ.objects.count() == 0
