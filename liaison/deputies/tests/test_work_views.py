import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.core.models import AuditLog
from liaison.deputies import services
from liaison.deputies.models import GroupMembership, Household, HouseholdLink, Mandate, Person

from .conftest import add_deputy, png_bytes

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def listed(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


# --- who sees what --------------------------------------------------------------------------------------


def test_officer_sees_their_county(client, dw):
    response = login(client, dw.w.users["officer"]).get(reverse("deputies:list"))
    assert response.status_code == 200
    assert listed(response) == ["李四", "王五", "张三丰"]


def test_prefecture_officer_sees_the_prefecture(client, dw):
    response = login(client, dw.w.users["pref_officer"]).get(reverse("deputies:list"))
    assert listed(response) == ["李四", "钱七", "王五", "张三丰"]


def test_leader_reads_station_staff_sees_station_deputy_sees_self(client, dw):
    assert listed(login(client, dw.w.users["leader"]).get(reverse("deputies:list"))) == ["李四", "王五", "张三丰"]
    assert listed(login(client, dw.users["staff"]).get(reverse("deputies:list"))) == ["王五"]
    assert listed(login(client, dw.users["deputy"]).get(reverse("deputies:list"))) == ["李四"]


@pytest.mark.parametrize("user", ["unit", "sysadmin", "auditor", "nobody"])
def test_others_are_refused(client, dw, user):
    assert login(client, dw.w.users[user]).get(reverse("deputies:list")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, dw):
    response = client.get(reverse("deputies:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_regions_deputy_is_404(client, dw):
    login(client, dw.w.users["officer"])
    zhao = dw.persons["zhao"]
    assert client.get(reverse("deputies:person", args=[zhao.pk])).status_code == 404
    assert client.get(reverse("deputies:person_edit", args=[zhao.pk])).status_code == 404
    assert client.get(reverse("deputies:mandate_edit", args=[dw.mandates["zhao"].pk])).status_code == 404
    assert client.get(reverse("deputies:mandate_status", args=[dw.mandates["zhao"].pk])).status_code == 404
    assert client.get(reverse("deputies:person", args=[dw.persons["li"].pk])).status_code == 200


def test_station_staff_and_leader_cannot_write(client, dw):
    li = dw.persons["li"]
    for user in (dw.users["staff"], dw.w.users["leader"], dw.users["deputy"]):
        login(client, user)
        assert client.get(reverse("deputies:person_create")).status_code == 403
        assert client.get(reverse("deputies:person_edit", args=[li.pk])).status_code == 403
        assert client.post(reverse("deputies:mandate_status", args=[dw.mandates["li"].pk]), {}).status_code == 403
        assert client.get(reverse("deputies:import")).status_code == 403
    # a leader reads the person page, without the edit button
    login(client, dw.w.users["leader"])
    response = client.get(reverse("deputies:person", args=[li.pk]))
    assert response.status_code == 200 and response.context["can_manage"] is False


def test_list_filters(client, dw):
    login(client, dw.w.users["officer"])
    url = reverse("deputies:list")
    assert listed(client.get(url, {"region": dw.w.regions["town"].pk})) == ["王五", "张三丰"]
    assert listed(client.get(url, {"q": "ls"})) == ["李四"]
    assert listed(client.get(url, {"group": dw.groups["g"].pk})) == ["王五", "张三丰"]
    assert listed(client.get(url, {"station": dw.stations["s"].pk})) == ["王五"]
    services.mandate_change_status(
        actor=None, mandate=dw.mandates["li"], status="resigned", date=datetime.date(2023, 1, 1), reason="辞职"
    )
    services.person_create(actor=None, name="新人", gender="f", region=dw.w.regions["town"])
    assert listed(client.get(url, {"status": "former"})) == ["李四"]
    assert listed(client.get(url, {"status": "none"})) == ["新人"]
    assert listed(client.get(url, {"status": "serving"})) == ["王五", "张三丰"]
    assert "新人" in listed(client.get(url, {"region": dw.w.regions["town"].pk}))


def test_staff_list_query_count_is_constant(client, dw, django_assert_num_queries, django_assert_max_num_queries):
    login(client, dw.w.users["officer"])
    url = reverse("deputies:list")
    client.get(url)  # warm the session
    # session, user, security settings, second-factor device, roles, count, region/group/station
    # menus, persons, their mandates (+ the workspace menu's unread count where that part is on)
    with django_assert_max_num_queries(12) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    for i in range(12):
        add_deputy(dw, f"n{i}", f"郑{i:02d}", "town", birth_year=1950 + i)
    with django_assert_num_queries(baseline):
        response = client.get(url)
    assert len(listed(response)) == 15


# --- persons ------------------------------------------------------------------------------------------


def person_post(dw, **kw):
    data = {
        "name": "吴十",
        "gender": "m",
        "ethnicity": "汉族",
        "birth_year": "1972",
        "region": dw.w.regions["town"].pk,
        "phone": "13700000000",
        "phone_public": "on",
        "email": "wu@example.cn",
    }
    data.update(kw)
    return data


def test_create_person_with_photo_then_mandate(client, dw):
    login(client, dw.w.users["officer"])
    data = person_post(dw, photo=SimpleUploadedFile("wu.png", png_bytes()))
    response = client.post(reverse("deputies:person_create"), data)
    person = Person.objects.get(name="吴十")
    assert response.status_code == 302
    assert response["Location"] == reverse("deputies:mandate_create", args=[person.pk])
    assert person.photo.name.endswith(".png") and person.phone_public and not person.email_public
    assert AuditLog.objects.filter(model="deputies.Person", object_id=str(person.pk), action="create").exists()
    # choose the congress, then the mandate form
    url = reverse("deputies:mandate_create", args=[person.pk])
    assert "form" in client.get(url).context
    town = dw.w.congresses["town"]
    form_page = client.get(url, {"congress": town.pk})
    assert list(form_page.context["form"].fields["district"].queryset) == [dw.districts["town"]]
    response = client.post(
        url,
        {"congress": town.pk, "term": dw.w.terms["town"].pk, "election": "direct", "district": dw.districts["town"].pk},
    )
    assert response.status_code == 302
    mandate = Mandate.objects.get(person=person)
    assert mandate.congress == town and mandate.status == "serving"


def test_mandate_form_shows_rule_errors(client, dw):
    login(client, dw.w.users["officer"])
    li = dw.persons["li"]
    url = reverse("deputies:mandate_create", args=[li.pk])
    county = dw.w.congresses["county"]
    response = client.post(
        url,
        {
            "congress": county.pk,
            "term": dw.w.terms["county"].pk,
            "election": "direct",
            "district": dw.districts["county"].pk,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Mandate.objects.filter(person=li).count() == 1
    # a congress outside the officer's area
    assert client.get(url, {"congress": dw.w.congresses["other_county"].pk}).status_code == 404
    assert client.get(url, {"congress": "x"}).status_code == 404


def test_duplicate_person_asks_for_confirmation(client, dw):
    login(client, dw.w.users["officer"])
    data = person_post(dw, name="张三丰", birth_year="1970", gender="m")
    response = client.post(reverse("deputies:person_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors
    assert form.fields["confirm"].widget.input_type == "checkbox"
    assert Person.objects.filter(name="张三丰").count() == 1
    response = client.post(reverse("deputies:person_create"), {**data, "confirm": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(name="张三丰").count() == 2


def test_fake_photo_is_refused_with_a_message(client, dw):
    login(client, dw.w.users["officer"])
    data = person_post(dw, photo=SimpleUploadedFile("x.jpg", b"GIF89a not an image at all"))
    response = client.post(reverse("deputies:person_create"), data)
    assert response.status_code == 200
    assert "photo" in response.context["form"].errors
    assert not Person.objects.filter(name="吴十").exists()


def test_edit_person_visibility_flags(client, dw):
    login(client, dw.w.users["officer"])
    zhang = dw.persons["zhang"]
    url = reverse("deputies:person_edit", args=[zhang.pk])
    form = client.get(url).context["form"]
    assert form.initial["phone_public"] is True
    data = person_post(dw, name="张三丰", birth_year="1970", email="z@example.cn", email_public="on")
    data.pop("phone_public")
    response = client.post(url, data)
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.email_public and not zhang.phone_public
    public = client.get(reverse("portal:deputy", args=[zhang.pk])).content.decode()
    assert "z@example.cn" in public and "13700000000" not in public


def test_status_change_through_the_page(client, dw):
    login(client, dw.w.users["officer"])
    mandate = dw.mandates["li"]
    url = reverse("deputies:mandate_status", args=[mandate.pk])
    response = client.post(url, {"status": "resigned", "date": "2024-03-01", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(url, {"status": "resigned", "date": "2024-03-01", "reason": "本人辞职"})
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.status == "resigned"
    assert mandate.history.last().reason == "本人辞职"


def test_mandate_edit_page(client, dw):
    login(client, dw.w.users["officer"])
    mandate = dw.mandates["li"]
    url = reverse("deputies:mandate_edit", args=[mandate.pk])
    response = client.post(
        url, {"election": "direct", "district": dw.districts["county"].pk, "start_date": "2022-03-01", "end_date": ""}
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.start_date == datetime.date(2022, 3, 1)


def test_person_page_lists_households_and_rule(client, dw):
    login(client, dw.w.users["officer"])
    wang = dw.persons["wang"]
    for kind in Household.Kind.values:
        household = services.household_create(actor=None, name=f"户{kind}", kind=kind, region=dw.w.regions["town"])
        services.household_link(actor=None, household=household, person=wang)
    response = client.get(reverse("deputies:person", args=[wang.pk]))
    assert response.context["household_rule_met"] is True


def test_districts_and_delegations_page(client, dw):
    login(client, dw.w.users["officer"])
    assert client.get(reverse("deputies:congresses")).status_code == 200
    congress = dw.w.congresses["county"]
    url = reverse("deputies:congress_sources", args=[congress.pk])
    response = client.post(url, {"kind": "delegation", "g-name": "城关代表团"})
    assert response.status_code == 302
    response = client.post(url, {"kind": "district", "d-name": "第一选区"})
    assert response.status_code == 200 and response.context["district_form"].errors
    assert (
        client.get(reverse("deputies:congress_sources", args=[dw.w.congresses["other_county"].pk])).status_code == 404
    )


# --- groups and households -------------------------------------------------------------------------


def test_group_pages(client, dw):
    login(client, dw.w.users["officer"])
    response = client.post(reverse("deputies:group_create"), {"name": "县直小组", "region": dw.w.regions["county"].pk})
    group = dw.groups["g"].__class__.objects.get(name="县直小组")
    assert response["Location"] == reverse("deputies:group", args=[group.pk])
    page = client.get(reverse("deputies:group", args=[group.pk]), {"q": "li"})
    assert [m.person_name for m in page.context["candidates"]] == ["李四"]
    client.post(
        reverse("deputies:member_add", args=[group.pk]), {"mandate": dw.mandates["li"].pk, "position": "leader"}
    )
    response = client.post(
        reverse("deputies:member_add", args=[group.pk]), {"mandate": dw.mandates["zhang"].pk, "position": "leader"}
    )
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=group).count() == 1  # one leader only
    membership = GroupMembership.objects.get(group=group)
    client.post(reverse("deputies:membership_position", args=[membership.pk]), {"position": "deputy_leader"})
    membership.refresh_from_db()
    assert membership.position == "deputy_leader"
    client.post(reverse("deputies:membership_remove", args=[membership.pk]))
    assert not GroupMembership.objects.filter(group=group).exists()
    # outside the area
    assert (
        client.post(
            reverse("deputies:member_add", args=[group.pk]), {"mandate": dw.mandates["zhao"].pk, "position": "member"}
        ).status_code
        == 404
    )
    assert client.get(reverse("deputies:groups")).status_code == 200


def test_group_of_another_region_is_404(client, dw):
    other = services.group_create(actor=None, name="南山小组", region=dw.w.regions["other_town"])
    login(client, dw.w.users["officer"])
    assert client.get(reverse("deputies:group", args=[other.pk])).status_code == 404
    assert client.get(reverse("deputies:group_edit", args=[other.pk])).status_code == 404


def test_household_pages(client, dw):
    login(client, dw.w.users["officer"])
    response = client.post(
        reverse("deputies:household_create"),
        {
            "name": "刘大",
            "kind": "poor",
            "region": dw.w.regions["village"].pk,
            "phone": "13911112222",
            "address": "红星村",
        },
    )
    household = Household.objects.get(name="刘大")
    assert response["Location"] == reverse("deputies:household", args=[household.pk])
    page = client.get(reverse("deputies:household", args=[household.pk]), {"q": "wang"})
    assert [p.name for p in page.context["candidates"]] == ["王五"]
    client.post(reverse("deputies:household_link", args=[household.pk]), {"person": dw.persons["wang"].pk, "since": ""})
    link = HouseholdLink.objects.get(household=household)
    listing = client.get(reverse("deputies:households"))
    assert [h.name for h in listing.context["page"].object_list] == ["刘大"]
    # station staff of the station where 王五 is assigned read the household; other officers do not
    login(client, dw.users["staff"])
    assert client.get(reverse("deputies:household", args=[household.pk])).status_code == 200
    login(client, dw.w.users["other_officer"])
    assert client.get(reverse("deputies:household", args=[household.pk])).status_code == 404
    login(client, dw.w.users["officer"])
    client.post(reverse("deputies:household_unlink", args=[link.pk]))
    assert not HouseholdLink.objects.filter(pk=link.pk).exists()


def test_household_edit_and_delete_pages(client, dw):
    household = services.household_create(actor=None, name="刘大", kind="poor", region=dw.w.regions["village"])
    login(client, dw.w.users["officer"])
    detail = client.get(reverse("deputies:household", args=[household.pk])).content.decode()
    assert reverse("deputies:household_edit", args=[household.pk]) in detail
    assert reverse("deputies:household_delete", args=[household.pk]) in detail
    page = client.get(reverse("deputies:household_edit", args=[household.pk]))
    assert page.status_code == 200 and page.context["form"].initial["name"] == "刘大"
    data = {"name": "刘大山", "kind": "worthy", "region": dw.w.regions["village"].pk, "phone": "x1", "address": ""}
    response = client.post(reverse("deputies:household_edit", args=[household.pk]), data)
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    response = client.post(reverse("deputies:household_edit", args=[household.pk]), {**data, "phone": "13911112222"})
    assert response["Location"] == reverse("deputies:household", args=[household.pk])
    assert Household.objects.get(pk=household.pk).kind == "worthy"
    # linked: the deletion is refused, the page says why
    services.household_link(actor=None, household=household, person=dw.persons["wang"])
    response = client.post(reverse("deputies:household_delete", args=[household.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deputies:household", args=[household.pk])
    assert "解除" in response.content.decode() or "Remove the links first" in response.content.decode()
    HouseholdLink.objects.filter(household=household).delete()
    response = client.post(reverse("deputies:household_delete", args=[household.pk]))
    assert response["Location"] == reverse("deputies:households")
    assert not Household.objects.filter(pk=household.pk).exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, model="deputies.Household").exists()


def test_group_and_person_delete_buttons(client, dw):
    login(client, dw.w.users["officer"])
    group = dw.groups["g"]
    response = client.post(reverse("deputies:group_delete", args=[group.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deputies:group", args=[group.pk])
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    empty = services.group_create(actor=None, name="空小组", region=dw.w.regions["town"])
    response = client.post(reverse("deputies:group_delete", args=[empty.pk]))
    assert response["Location"] == reverse("deputies:groups")
    # a deputy: refused with the advice to end the mandate; a person recorded by mistake: deleted
    li = dw.persons["li"]
    response = client.post(reverse("deputies:person_delete", args=[li.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deputies:person", args=[li.pk])
    assert Person.objects.filter(pk=li.pk).exists()
    stray = services.person_create(actor=None, name="误录", gender="m", region=dw.w.regions["town"])
    assert (
        reverse("deputies:person_delete", args=[stray.pk])
        in client.get(reverse("deputies:person", args=[stray.pk])).content.decode()
    )
    response = client.post(reverse("deputies:person_delete", args=[stray.pk]))
    assert response["Location"] == reverse("deputies:list")
    assert not Person.objects.filter(pk=stray.pk).exists()


@pytest.mark.parametrize("role,status", [("other_officer", 404), ("leader", 403), ("staff", 403), ("deputy", 403)])
def test_only_the_officer_of_the_region_deletes(client, dw, role, status):
    household = services.household_create(actor=None, name="刘大", kind="poor", region=dw.w.regions["village"])
    stray = services.person_create(actor=None, name="误录", gender="m", region=dw.w.regions["town"])
    empty = services.group_create(actor=None, name="空小组", region=dw.w.regions["town"])
    login(client, dw.users.get(role) or dw.w.users[role])
    for url in (
        reverse("deputies:household_delete", args=[household.pk]),
        reverse("deputies:person_delete", args=[stray.pk]),
        reverse("deputies:group_delete", args=[empty.pk]),
    ):
        assert client.post(url).status_code == status, url
    assert client.get(reverse("deputies:household_delete", args=[household.pk])).status_code in (403, 404, 405)
    assert Household.objects.filter(pk=household.pk).exists() and Person.objects.filter(pk=stray.pk).exists()


# --- the matrix: every page of this part × every role ----------------------------------------------

READ, WRITE = "read", "write"


def matrix_urls(dw):
    household = services.household_create(actor=None, name="矩阵户", kind="poor", region=dw.w.regions["county"])
    li, mandate, group = dw.persons["li"], dw.mandates["li"], dw.groups["g"]
    county_group = services.group_create(actor=None, name="县直小组", region=dw.w.regions["county"])
    return [
        (READ, reverse("deputies:list")),
        (READ, reverse("deputies:export")),
        (READ, reverse("deputies:groups")),
        (READ, reverse("deputies:households")),
        (READ, reverse("deputies:person", args=[li.pk])),
        (READ, reverse("deputies:group", args=[county_group.pk])),
        (READ, reverse("deputies:household", args=[household.pk])),
        (WRITE, reverse("deputies:person_create")),
        (WRITE, reverse("deputies:person_edit", args=[li.pk])),
        (WRITE, reverse("deputies:mandate_create", args=[li.pk])),
        (WRITE, reverse("deputies:mandate_edit", args=[mandate.pk])),
        (WRITE, reverse("deputies:mandate_status", args=[mandate.pk])),
        (WRITE, reverse("deputies:congresses")),
        (WRITE, reverse("deputies:congress_sources", args=[dw.w.congresses["county"].pk])),
        (WRITE, reverse("deputies:group_create")),
        (WRITE, reverse("deputies:group_edit", args=[group.pk])),
        (WRITE, reverse("deputies:household_create")),
        (WRITE, reverse("deputies:household_edit", args=[household.pk])),
        (WRITE, reverse("deputies:import")),
        (WRITE, reverse("deputies:import_template")),
    ]


def expected(role, kind, url, dw):
    if role in ("unit", "sysadmin", "auditor"):
        return 403
    if role == "officer":
        return 200
    if kind == WRITE:
        if role == "other_officer":
            # pages without an object are theirs to use; objects of another county are missing
            is_object_page = any(ch.isdigit() for ch in url.split("/work/deputies/")[1])
            return 404 if is_object_page else 200
        return 403
    # reads
    list_page = url.rstrip("/").endswith(("deputies", "export.xlsx", "groups", "households"))
    if list_page:
        return 200
    if role == "leader":
        return 200
    if role == "deputy" and "/households/" not in url and "/groups/" not in url:
        return 200  # their own record
    # another county's officer, and station staff (who see their station's deputy 王五, not 李四 or
    # the county's group and household): missing
    return 404


@pytest.mark.parametrize(
    "role", ["officer", "other_officer", "leader", "staff", "deputy", "unit", "sysadmin", "auditor"]
)
def test_access_matrix(client, dw, role):
    user = dw.users.get(role) or dw.w.users[role]
    client.force_login(user)
    failures = []
    for kind, url in matrix_urls(dw):
        status = client.get(url).status_code
        want = expected(role, kind, url, dw)
        if status != want:
            failures.append(f"{url}: {status}, expected {want}")
    assert not failures, failures
