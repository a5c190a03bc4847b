"""The /work/regions/ pages: a matrix of roles × URLs (scope 404, read-only 403, anonymous to log-in),
the forms through the services (with audit rows), and constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.core.models import AuditLog
from liaison.core.testing import make_user
from liaison.regions import services
from liaison.regions.models import Congress, HandlingUnit, Organ, Region, Session, Term


def urls_for(world, things, side: str):
    """Every /work/regions/ URL, for the objects of one county ("county" or "other_county")."""
    region, congress, term = world.regions[side], world.congresses[side], world.terms[side]
    unit = world.units["county_edu" if side == "county" else "other_edu"]
    read = [
        reverse("regions:detail", args=[region.pk]),
        reverse("regions:children", args=[region.pk]),
    ]
    write = [
        reverse("regions:create") + f"?parent={region.pk}",
        reverse("regions:edit", args=[region.pk]),
        reverse("regions:congress_create", args=[world.regions["village" if side == "county" else "other_town"].pk]),
        reverse("regions:unit_create", args=[region.pk]),
        reverse("regions:congress_edit", args=[congress.pk]),
        reverse("regions:term_create", args=[congress.pk]),
        reverse("regions:organ_create", args=[congress.pk]),
        reverse("regions:term_edit", args=[term.pk]),
        reverse("regions:session_create", args=[term.pk]),
        reverse("regions:session_edit", args=[things[f"{side}_session"].pk]),
        reverse("regions:organ_edit", args=[things[f"{side}_organ"].pk]),
        reverse("regions:unit_edit", args=[unit.pk]),
        reverse("regions:unit_status", args=[unit.pk]),
    ]
    return read, write


def get_status(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def test_every_url_answers_anonymous_with_the_login_page(client, world, things):
    read, write = urls_for(world, things, "county")
    for url in [reverse("regions:list"), reverse("regions:create"), *read, *write]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("role", ["nobody", "unit", "secadmin", "auditor"])
def test_roles_without_regions_access_get_403(client, world, things, role):
    read, write = urls_for(world, things, "county")
    for url in [reverse("regions:list"), reverse("regions:create"), *read, *write]:
        assert get_status(client, world.users[role], url) == 403, url


def test_officer_sees_and_edits_own_county_and_gets_404_elsewhere(client, world, things):
    officer = world.users["officer"]
    own_read, own_write = urls_for(world, things, "county")
    other_read, other_write = urls_for(world, things, "other_county")
    assert get_status(client, officer, reverse("regions:list")) == 200
    assert get_status(client, officer, reverse("regions:create")) == 200
    for url in own_read + own_write:
        assert get_status(client, officer, url) == 200, url
    for url in other_read + other_write:
        assert get_status(client, officer, url) == 404, url
    # The prefecture above the county is outside the county officer's subtree too.
    assert get_status(client, officer, reverse("regions:detail", args=[world.regions["pref"].pk])) == 404
    # … and so is a neighbouring county of the same prefecture.
    assert get_status(client, officer, reverse("regions:edit", args=[world.regions["county2"].pk])) == 404


def test_other_officer_is_the_mirror_image(client, world, things):
    other = world.users["other_officer"]
    own_read, own_write = urls_for(world, things, "other_county")
    read, write = urls_for(world, things, "county")
    for url in own_read + own_write:
        assert get_status(client, other, url) == 200, url
    for url in read + write:
        assert get_status(client, other, url) == 404, url


def test_leadership_reads_its_subtree_and_cannot_edit(client, world, things):
    leader = world.users["leader"]
    read, write = urls_for(world, things, "county")
    other_read, _other_write = urls_for(world, things, "other_county")
    assert get_status(client, leader, reverse("regions:list")) == 200
    for url in read:
        assert get_status(client, leader, url) == 200, url
    for url in other_read:
        assert get_status(client, leader, url) == 404, url
    for url in [reverse("regions:create"), *write]:
        assert get_status(client, leader, url) == 403, url
    # A POST is refused the same way and changes nothing.
    client.force_login(leader)
    url = reverse("regions:edit", args=[world.regions["county"].pk])
    assert client.post(url, {"name": "改名", "code": "440101000000"}).status_code == 403
    assert Region.objects.get(pk=world.regions["county"].pk).name == "甲一县"
    page = client.get(reverse("regions:detail", args=[world.regions["county"].pk])).content.decode()
    assert reverse("regions:edit", args=[world.regions["county"].pk]) not in page


def test_system_admin_sees_and_edits_everything(client, world, things):
    admin = world.users["sysadmin"]
    for side in ("county", "other_county"):
        read, write = urls_for(world, things, side)
        for url in read + write:
            assert get_status(client, admin, url) == 200, url


def test_missing_objects_are_404(client, world):
    client.force_login(world.users["sysadmin"])
    for name in ("detail", "edit", "children"):
        assert client.get(reverse(f"regions:{name}", args=[999999])).status_code == 404
    assert client.get(reverse("regions:create") + "?parent=abc").status_code == 404
    assert client.get(reverse("regions:session_edit", args=[999999])).status_code == 404


# --- tree and detail pages ----------------------------------------------------------------------------


def test_tree_shows_only_the_officers_subtree_with_counts(client, world):
    client.force_login(world.users["officer"])
    page = client.get(reverse("regions:list")).content.decode()
    assert "甲一县" in page and "东风镇" in page and "红星村" in page
    assert "乙一县" not in page and "甲二县" not in page and "甲市" not in page
    assert "甲一县 People" in page or "甲一县人民代表大会" in page


def test_tree_search(client, world):
    client.force_login(world.users["pref_officer"])
    page = client.get(reverse("regions:list"), {"q": "镇"}).content.decode()
    assert "东风镇" in page and "西河镇" in page and "南山镇" not in page
    page = client.get(reverse("regions:list"), {"q": "440102"}).content.decode()
    assert "甲二县" in page and "甲一县</a>" not in page


def test_children_partial_lists_direct_subregions(client, world):
    client.force_login(world.users["pref_officer"])
    response = client.get(reverse("regions:children", args=[world.regions["pref"].pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "甲一县" in html and "甲二县" in html and "东风镇" not in html


def test_detail_shows_congress_terms_sessions_organs_units(client, world, things):
    services.session_create(
        actor=None,
        term=world.terms["county"],
        number=2,
        start_date=datetime.date(2023, 1, 10),
        end_date=datetime.date(2023, 1, 12),
        notice_date=datetime.date(2023, 1, 3),
    )
    client.force_login(world.users["officer"])
    html = client.get(reverse("regions:detail", args=[world.regions["county"].pk])).content.decode()
    for text in ("东风镇", "甲一县人民政府", "甲一县教育局", "county 常委会", "2022-01-20", "2023-01-03"):
        assert text in html, text
    assert "text-bg-warning" in html  # the 7-day notice is flagged
    assert reverse("regions:edit", args=[world.regions["county"].pk]) in html


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(world, n: int, tag: str) -> None:
    """More regions, units, terms, sessions and organs under the county."""
    county = world.regions["county"]
    congress = world.congresses["county"]
    for i in range(n):
        town = services.region_create(
            actor=None, name=f"{tag}镇{i}", code=f"9{tag}{i:03d}", level="township", parent=county
        )
        services.region_create(actor=None, name=f"{tag}村{i}", code=f"8{tag}{i:03d}", level="village", parent=town)
        services.congress_create(actor=None, region=town)
        services.unit_create(actor=None, region=county, name=f"{tag}局{i}", kind="department")
        services.unit_create(actor=None, region=town, name=f"{tag}镇政府{i}", kind="government")
        services.organ_create(actor=None, congress=congress, kind="special_committee", name=f"{tag}专委{i}")
    start = datetime.date(2000 + 5 * int(tag), 1, 1) if tag.isdigit() else None
    if start:
        term = services.term_create(
            actor=None,
            congress=congress,
            number=int(tag),
            start_date=start,
            end_date=start.replace(year=start.year + 4),
        )
        for i in range(n):
            services.session_create(
                actor=None,
                term=term,
                number=i + 1,
                start_date=start.replace(month=i + 2),
                end_date=start.replace(month=i + 2, day=3),
            )


@pytest.mark.parametrize("role", ["officer", "sysadmin", "leader"])
def test_tree_and_detail_query_counts_do_not_grow_with_data(client, world, things, role):
    client.force_login(world.users[role])
    urls = [
        reverse("regions:list"),
        reverse("regions:list") + "?q=镇",
        reverse("regions:detail", args=[world.regions["county"].pk]),
        reverse("regions:children", args=[world.regions["county"].pk]),
    ]
    client.get(urls[0])  # warm the session
    grow(world, 1, "1")
    before = [count_queries(client, url) for url in urls]
    grow(world, 5, "2")
    after = [count_queries(client, url) for url in urls]
    assert before == after, (before, after)
    assert max(after) <= 13, after  # 12 + the unread-notifications badge of the workspace


def test_detail_query_count_is_the_same_for_every_region(client, world, things):
    client.force_login(world.users["sysadmin"])
    client.get(reverse("regions:list"))
    counts = {
        key: count_queries(client, reverse("regions:detail", args=[world.regions[key].pk]))
        for key in ("county", "other_county", "town", "pref")
    }
    assert len(set(counts.values())) == 1, counts


# --- forms --------------------------------------------------------------------------------------------


def test_officer_creates_a_township_in_own_county(client, world):
    client.force_login(world.users["officer"])
    county = world.regions["county"]
    response = client.post(
        reverse("regions:create") + f"?parent={county.pk}",
        {"name": "新桥镇", "code": "440101002000", "level": "township", "parent": county.pk},
    )
    region = Region.objects.get(code="440101002000")
    assert response.status_code == 302 and response["Location"] == reverse("regions:detail", args=[region.pk])
    assert region.parent == county
    assert (
        AuditLog.objects.filter(model="regions.Region", object_id=str(region.pk), action="create").get().actor
        == (world.users["officer"])
    )


def test_officer_cannot_create_outside_or_at_the_top(client, world):
    client.force_login(world.users["officer"])
    other = world.regions["other_county"]
    response = client.post(
        reverse("regions:create"), {"name": "外镇", "code": "1", "level": "township", "parent": other.pk}
    )
    assert response.status_code == 400  # not among the choices
    response = client.post(reverse("regions:create"), {"name": "顶层", "code": "2", "level": "province", "parent": ""})
    assert response.status_code == 400
    assert not Region.objects.filter(code__in=["1", "2"]).exists()


def test_moving_into_own_subtree_shows_the_cycle_error_on_the_form(client, world):
    client.force_login(world.users["pref_officer"])
    county, town = world.regions["county"], world.regions["town"]
    # A township cannot hold a county by level, so try a prefecture-level officer moving the county
    # under its own township: refused as "inside itself" (the township is not offered, but a forged
    # POST must fail on the service's rule, not crash).
    response = client.post(
        reverse("regions:edit", args=[county.pk]),
        {"name": county.name, "code": county.code, "parent": town.pk, "reason": ""},
    )
    assert response.status_code == 400
    assert Region.objects.get(pk=county.pk).parent == world.regions["pref"]

    # The service error itself reaches the form when the choice is offered (system administrator).
    client.force_login(world.users["sysadmin"])
    pref = world.regions["pref"]
    form_page = client.get(reverse("regions:edit", args=[pref.pk])).content.decode()
    assert f'value="{world.regions["county"].pk}"' not in form_page  # its own subtree is not offered
    response = client.post(
        reverse("regions:edit", args=[pref.pk]), {"name": pref.name, "code": pref.code, "parent": county.pk}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_cycle_error_message_from_the_service_is_shown(client, world, monkeypatch):
    """When the parent list is stale (another officer moved a region meanwhile), the service's cycle
    check answers on the form."""
    from liaison.regions import selectors

    client.force_login(world.users["sysadmin"])
    county, village = world.regions["county"], world.regions["village"]
    monkeypatch.setattr(selectors, "region_parent_choices_for", lambda **kwargs: Region.objects.all().order_by("path"))
    response = client.post(
        reverse("regions:edit", args=[world.regions["town"].pk]),
        {"name": "东风镇", "code": world.regions["town"].code, "parent": county.pk},
    )
    assert response.status_code == 302  # same parent: nothing moves
    response = client.post(
        reverse("regions:edit", args=[county.pk]),
        {"name": county.name, "code": county.code, "parent": village.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A region cannot be placed inside itself or its own subtree." in html


def test_officer_moves_a_township_within_the_prefecture(client, world):
    client.force_login(world.users["pref_officer"])
    town2, county = world.regions["town2"], world.regions["county"]
    response = client.post(
        reverse("regions:edit", args=[town2.pk]),
        {"name": town2.name, "code": town2.code, "parent": county.pk, "reason": "区划调整"},
    )
    assert response.status_code == 302
    town2.refresh_from_db()
    assert town2.parent == county and town2.path.startswith(county.path)
    assert AuditLog.objects.filter(model="regions.Region", object_id=str(town2.pk), reason="区划调整").exists()


def test_county_officer_edits_own_county_without_moving_it(client, world):
    client.force_login(world.users["officer"])
    county = world.regions["county"]
    response = client.post(
        reverse("regions:edit", args=[county.pk]),
        {"name": "甲一区", "code": county.code, "parent": county.parent_id},
    )
    assert response.status_code == 302
    county.refresh_from_db()
    assert county.name == "甲一区" and county.parent_id == world.regions["pref"].pk


def test_congress_term_session_organ_unit_forms(client, world, things):
    client.force_login(world.users["officer"])
    village, town = world.regions["village"], world.regions["town"]
    congress = world.congresses["county"]

    # A village has no congress: the service's message is shown on the form.
    response = client.post(reverse("regions:congress_create", args=[village.pk]), {"name": "", "motion_threshold": ""})
    assert response.status_code == 400 and not Congress.objects.filter(region=village).exists()

    response = client.post(
        reverse("regions:congress_edit", args=[congress.pk]), {"name": "甲一县人大", "motion_threshold": 0}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("regions:congress_edit", args=[congress.pk]), {"name": "甲一县人大", "motion_threshold": 12}
    )
    assert response.status_code == 302
    assert Congress.objects.get(pk=congress.pk).motion_threshold == 12

    response = client.post(
        reverse("regions:term_create", args=[congress.pk]),
        {"number": 8, "start_date": "2027-01-01", "end_date": "2031-12-31"},
    )
    assert response.status_code == 302
    term8 = Term.objects.get(congress=congress, number=8)
    response = client.post(
        reverse("regions:term_edit", args=[term8.pk]),
        {"number": 8, "start_date": "2026-06-01", "end_date": "2031-12-31"},
    )
    assert response.status_code == 400  # overlaps term 7

    # A short notice is saved with a warning; a notice after the opening is refused.
    response = client.post(
        reverse("regions:session_create", args=[term8.pk]),
        {"number": 1, "start_date": "2027-01-10", "end_date": "2027-01-12", "notice_date": "2027-01-11"},
    )
    assert response.status_code == 400 and not Session.objects.filter(term=term8).exists()
    response = client.post(
        reverse("regions:session_create", args=[term8.pk]),
        {
            "number": 1,
            "start_date": "2027-01-10",
            "end_date": "2027-01-12",
            "notice_date": "2027-01-01",
            "motion_deadline": "2027-01-11T12:00",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    session = Session.objects.get(term=term8, number=1)
    assert session.notice_days == 9
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings and "15" in str(warnings[0])

    response = client.post(
        reverse("regions:session_edit", args=[session.pk]),
        {"number": 1, "start_date": "2027-01-10", "end_date": "2027-01-12", "notice_date": "2026-12-20"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.notice_date == datetime.date(2026, 12, 20) and session.motion_deadline is None

    response = client.post(
        reverse("regions:organ_create", args=[congress.pk]),
        {"kind": "working_body", "name": "代表工作委员会", "parent": things["county_organ"].pk},
    )
    assert response.status_code == 302
    organ = Organ.objects.get(name="代表工作委员会")
    response = client.post(
        reverse("regions:organ_edit", args=[things["county_organ"].pk]),
        {"kind": "standing_committee", "name": "常委会", "parent": organ.pk},
    )
    assert response.status_code == 400  # a cycle

    response = client.post(
        reverse("regions:unit_create", args=[town.pk]), {"kind": "government", "name": "东风镇人民政府", "parent": ""}
    )
    assert response.status_code == 302
    unit = HandlingUnit.objects.get(name="东风镇人民政府")
    assert unit.level == "township"
    response = client.post(
        reverse("regions:unit_edit", args=[unit.pk]), {"kind": "government", "name": "东风镇政府", "parent": ""}
    )
    assert response.status_code == 302
    response = client.post(reverse("regions:unit_status", args=[unit.pk]), {"reason": "撤并"})
    assert response.status_code == 302
    assert not HandlingUnit.objects.get(pk=unit.pk).is_active
    response = client.post(reverse("regions:unit_status", args=[unit.pk]), {"reason": "恢复"})
    assert HandlingUnit.objects.get(pk=unit.pk).is_active

    officer = world.users["officer"]
    for model, pk, action in [
        ("regions.Congress", congress.pk, "update"),
        ("regions.Term", term8.pk, "create"),
        ("regions.Session", session.pk, "create"),
        ("regions.Session", session.pk, "update"),
        ("regions.Organ", organ.pk, "create"),
        ("regions.HandlingUnit", unit.pk, "create"),
        ("regions.HandlingUnit", unit.pk, "update"),
    ]:
        assert AuditLog.objects.filter(model=model, object_id=str(pk), action=action, actor=officer).exists(), (
            model,
            action,
        )
    assert AuditLog.objects.filter(model="regions.HandlingUnit", object_id=str(unit.pk), reason="撤并").exists()


def test_officer_with_two_roles_edits_only_where_they_are_officer(client, world):
    both = make_user(
        "both",
        roles=[
            ("liaison_officer", {"region": world.regions["county"]}),
            ("leadership", {"region": world.regions["other_county"]}),
        ],
    )
    client.force_login(both)
    assert client.get(reverse("regions:detail", args=[world.regions["other_county"].pk])).status_code == 200
    assert client.get(reverse("regions:edit", args=[world.regions["other_county"].pk])).status_code == 404
    assert client.get(reverse("regions:edit", args=[world.regions["county"].pk])).status_code == 200


def test_parent_picker_is_narrowed_around_the_current_parent_on_big_trees(client, world, monkeypatch):
    from liaison.regions import selectors

    admin = world.users["sysadmin"]
    village = world.regions["village"]
    everything = selectors.region_parent_choices_for(user=admin, region=village)
    assert world.regions["other_town"] in everything and world.regions["town2"] in everything
    monkeypatch.setattr(selectors, "PARENT_CHOICES_MAX", 3)
    near = list(selectors.region_parent_choices_for(user=admin, region=village))
    # The village's county and what lies below it stay; another prefecture's townships go.
    assert world.regions["town"] in near and world.regions["county"] in near
    assert world.regions["other_town"] not in near and world.regions["town2"] not in near
    client.force_login(admin)
    html = client.get(reverse("regions:edit", args=[village.pk])).content.decode()
    assert "南山镇" not in html and "东风镇" in html


def test_menu_offers_the_regions_page_to_leadership(client, world):
    client.force_login(world.users["leader"])
    assert reverse("regions:list") in client.get(reverse("work:home")).content.decode()
