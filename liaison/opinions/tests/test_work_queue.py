"""The triage queue (/work/opinions/): scope, filters, search, order, pagination with a capped count,
the row columns, bulk steps with a per-row report, the .xlsx export, and a query count that does
not grow with the rows."""

import datetime
import io
import re

import pytest

from liaison.core import deadlines, paging
from liaison.core.models import AuditLog
from liaison.opinions import services
from liaison.opinions.models import Category, Opinion

from .test_work_opinion import PHONE, advance, staff_registered

pytestmark = pytest.mark.django_db
QUEUE = "/work/opinions/"


def codes(response) -> list[str]:
    return [o.tracking_code for o in response.context["rows"]]


def notes(response) -> list[str]:
    """The messages the page shows after the redirect (the client follows it)."""
    return [str(m) for m in response.context["messages"]]


def test_queue_access(client, ow):
    assert client.get(QUEUE).status_code == 302
    for key, status in {
        "town_officer": 200,
        "officer": 200,
        "leader": 200,
        "staff": 200,
        "unit": 403,  # handling units have their own workspace
        "town_unit": 403,
        "deputy": 403,
        "nobody": 403,
        "auditor": 403,
        "sysadmin": 403,
    }.items():
        client.force_login(ow.users[key])
        assert client.get(QUEUE).status_code == status, key


def test_queue_is_scoped_and_mine_is_my_own_queue(client, ow, submit):
    here = submit()
    there = submit(region=ow.regions["other_town"], station=ow.other_station)
    client.force_login(ow.users["town_officer"])
    assert codes(client.get(QUEUE)) == [here.tracking_code]
    client.force_login(ow.users["other_officer"])
    assert codes(client.get(QUEUE + "?queue=all")) == [there.tracking_code]
    # the county officer sees the township's opinion in the area, not in the county's own queue
    client.force_login(ow.users["officer"])
    assert codes(client.get(QUEUE)) == []
    assert codes(client.get(QUEUE + "?queue=all")) == [here.tracking_code]
    # once escalated to the county it is in the county's queue, and no longer the station's
    o = advance(ow, here, "county_accepted")
    services.opinion_escalate(actor=ow.users["town_officer"], opinion_id=o.pk, comment="县级事项")
    assert codes(client.get(QUEUE)) == [here.tracking_code]
    client.force_login(ow.users["staff"])
    assert codes(client.get(QUEUE)) == []
    # leadership reads the area
    client.force_login(ow.users["leader"])
    assert codes(client.get(QUEUE)) == [here.tracking_code]


def test_filters(client, ow, submit):
    health = Category.objects.get(code="health", region__isnull=True)
    a = submit(category=health)
    b = staff_registered(ow, submit, text="镇卫生院夜间无人值班，看病不便。")
    c = advance(ow, submit(text="学校门口缺少红绿灯，学生过马路危险。"), "closed")
    d = submit(region=ow.regions["town2"], station=None, text="西河镇河道垃圾堆积，影响环境。")
    services.opinion_accept(actor=ow.users["town_officer"], opinion_id=b.pk, level="township")
    client.force_login(ow.users["pref_officer"])

    def get(query):
        return set(codes(client.get(QUEUE + "?queue=all&" + query)))

    assert get("") == {a.tracking_code, b.tracking_code, d.tracking_code}  # open by default
    assert get("status=all") == {a.tracking_code, b.tracking_code, c.tracking_code, d.tracking_code}
    assert get("status=closed") == {c.tracking_code}
    assert get(f"category={health.pk}") == {a.tracking_code}
    assert get("channel=visit") == {b.tracking_code}
    assert get("level=township") == {b.tracking_code}
    assert get(f"station={ow.station.pk}") == {a.tracking_code, b.tracking_code}
    assert get(f"region={ow.regions['town2'].pk}") == {d.tracking_code}
    assert get(f"region={ow.regions['town'].pk}&status=all") == {a.tracking_code, b.tracking_code, c.tracking_code}
    assert get("status=nonsense&level=moon&channel=x&sort=y&region=abc") == get("")


def test_overdue_filter_and_due_column(client, ow, submit, monkeypatch):
    late = advance(ow, submit(), "assigned")
    fresh = submit(text="第二条意见：路灯不亮。")
    client.force_login(ow.users["town_officer"])
    text = client.get(QUEUE).content.decode()
    left = deadlines.working_days_between(datetime.date.today(), late.due_date)
    assert f"还剩 {left} 个工作日" in text
    assert codes(client.get(QUEUE + "?overdue=1")) == []
    Opinion.objects.filter(pk=late.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=10))
    assert codes(client.get(QUEUE + "?overdue=1")) == [late.tracking_code]
    text = client.get(QUEUE).content.decode()
    n = deadlines.working_days_between(datetime.date.today() - datetime.timedelta(days=10), datetime.date.today())
    assert f"已超期 {n} 个工作日" in text
    assert fresh.tracking_code in text


def test_search_by_chinese_text_and_tracking_code(client, ow, submit):
    road = submit()
    lamp = submit(text="东风路路灯损坏三个月，夜间行人不便。")
    client.force_login(ow.users["town_officer"])
    assert codes(client.get(QUEUE + "?q=路灯")) == [lamp.tracking_code]
    assert codes(client.get(QUEUE + "?q=积水")) == [road.tracking_code]
    spaced = f"{road.tracking_code[:4].lower()}-{road.tracking_code[4:8]} {road.tracking_code[8:]}"
    assert codes(client.get(QUEUE + "?q=" + spaced)) == [road.tracking_code]
    assert codes(client.get(QUEUE + "?q=不存在的内容")) == []


def test_sort_orders(client, ow, submit):
    first = advance(ow, submit(text="第一条：村道破损需要修补。"), "assigned")
    second = submit(text="第二条：垃圾清运不及时。")
    third = advance(ow, submit(text="第三条：自来水水压不足。"), "accepted")
    services.opinion_assign(
        actor=ow.users["town_officer"],
        opinion_id=third.pk,
        units=[ow.units["town_water"]],
        deadline=deadlines.add_working_days(datetime.date.today(), 5),
    )
    client.force_login(ow.users["town_officer"])
    all_three = [first.tracking_code, second.tracking_code, third.tracking_code]
    assert codes(client.get(QUEUE)) == all_three  # oldest first by default
    assert codes(client.get(QUEUE + "?sort=newest")) == all_three[::-1]
    deadline_order = codes(client.get(QUEUE + "?sort=deadline"))
    assert deadline_order[:2] == [third.tracking_code, first.tracking_code]


def test_pagination_and_capped_count(client, ow, submit, monkeypatch):
    for i in range(53):
        submit(text=f"第{i}条意见：关于村里的公共设施维护问题。")
    client.force_login(ow.users["town_officer"])
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 50 and first.context["page"].has_next()
    text = first.content.decode()
    assert "53" in text and "page=2" in text
    assert len(client.get(QUEUE + "?page=2").context["rows"]) == 3
    assert len(client.get(QUEUE + "?page=99").context["rows"]) == 3  # past the end: the last page
    monkeypatch.setattr(paging, "COUNT_CAP", 20)
    capped = client.get(QUEUE)
    assert capped.context["more"] is True
    assert "20" in capped.content.decode()


def _queries(client, url, connection):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [5, 50])
def test_queue_query_count_is_constant(client, ow, submit, rows, django_assert_max_num_queries):
    health = Category.objects.get(code="health", region__isnull=True)
    for i in range(rows):
        o = submit(text=f"第{i}条：卫生院夜间看病难的问题。", category=health)
        if i % 3 == 0:
            advance(ow, o, "assigned")
    client.force_login(ow.users["town_officer"])
    client.get(QUEUE)  # session and calendar warm-up
    url = QUEUE + "?queue=all&status=all&sort=deadline&q=卫生院"
    # session, user, security settings, second factor, roles, count, rows, region/category/station
    # menus, the notification badge, the bulk form's categories and units: 13, whatever the rows
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert len(response.context["rows"]) == rows


# --- bulk steps ---------------------------------------------------------------------------------------


def _bulk(client, action, opinions, **extra):
    data = {"action": action, "ids": [o.pk for o in opinions], "back": "?queue=all", **extra}
    for o in opinions:
        data[f"version_{o.pk}"] = o.version
    return client.post("/work/opinions/bulk/", data, follow=True)


def test_bulk_accept_reports_each_row(client, ow, submit):
    a, b = submit(), submit(text="第二条：村里路灯坏了。")
    done = advance(ow, submit(text="第三条：已经交办的意见。"), "assigned")
    health = Category.objects.get(code="health", region__isnull=True)
    client.force_login(ow.users["town_officer"])
    response = _bulk(client, "accept", [a, b, done], level="township", category=health.pk)
    assert response.redirect_chain == [("/work/opinions/?queue=all", 302)]
    messages = notes(response)
    assert any(a.tracking_code in m and b.tracking_code in m for m in messages)
    assert any(done.tracking_code in m for m in messages if a.tracking_code not in m)
    for o in (a, b):
        o.refresh_from_db()
        assert (o.status, o.level, o.category_id) == ("accepted", "township", health.pk)
        assert AuditLog.objects.filter(object_id=str(o.pk), reason__startswith="accept").exists()
    done.refresh_from_db()
    assert done.status == "assigned"


def test_bulk_assign_with_the_default_deadline(client, ow, submit):
    a = advance(ow, submit(), "accepted")
    b = advance(ow, submit(text="第二条：村里路灯坏了。"), "accepted")
    county = advance(ow, submit(text="第三条：县级事项。"), "county_accepted")
    outside = submit(region=ow.regions["other_town"], station=ow.other_station, text="南山镇的意见，不在本辖区。")
    client.force_login(ow.users["town_officer"])
    response = _bulk(client, "assign", [a, b, county, outside], unit=ow.units["town_gov"].pk)
    messages = notes(response)
    assert len(messages) == 3  # one success line, two failures
    for o in (a, b):
        o.refresh_from_db()
        assert o.status == "assigned"
        assert o.assignments.get().deadline == deadlines.add_working_days(datetime.date.today(), 15)
    county.refresh_from_db()
    outside.refresh_from_db()
    assert county.status == "accepted" and outside.status == "submitted"
    assert any(county.tracking_code in m for m in messages)
    assert any(f"#{outside.pk}" in m for m in messages)  # outside the scope: not even its code is told
    assert outside.tracking_code not in " ".join(messages)


def test_bulk_row_on_a_stale_version_is_reported(client, ow, submit):
    a, b = submit(), submit(text="第二条：村里路灯坏了。")
    client.force_login(ow.users["town_officer"])
    data = {"action": "accept", "level": "township", "ids": [a.pk, b.pk], f"version_{a.pk}": 1, f"version_{b.pk}": 1}
    services.opinion_redirect(actor=ow.users["officer"], opinion_id=b.pk, target="petition", comment="信访事项")
    messages = notes(client.post("/work/opinions/bulk/", data, follow=True))
    assert any(b.tracking_code in m and "他人处理" in m for m in messages)
    a.refresh_from_db()
    assert a.status == "accepted"


def test_bulk_needs_rows_and_its_fields(client, ow, submit):
    a = submit()
    client.force_login(ow.users["town_officer"])
    bulk = "/work/opinions/bulk/"
    assert len(notes(client.post(bulk, {"action": "accept", "level": "township"}, follow=True))) == 1
    assert len(notes(client.post(bulk, {"action": "accept"}, follow=True))) == 1  # no rows
    assert len(notes(_bulk(client, "accept", [a]))) == 1  # no level
    assert len(notes(_bulk(client, "assign", [a]))) == 1  # no unit
    a.refresh_from_db()
    assert a.status == "submitted"
    # the way back is only ever a query string on the queue
    response = client.post("/work/opinions/bulk/", {"action": "accept", "back": "https://evil.example/"})
    assert response["Location"] == "/work/opinions/"


def test_bulk_by_roles_that_do_not_handle(client, ow, submit):
    a = submit()
    client.force_login(ow.users["leader"])
    messages = notes(_bulk(client, "accept", [a], level="township"))
    assert len(messages) == 1 and a.tracking_code in messages[0]
    a.refresh_from_db()
    assert a.status == "submitted"
    for key in ("town_unit", "nobody", "deputy"):
        client.force_login(ow.users[key])
        assert _bulk(client, "accept", [a], level="township").status_code == 403
    client.logout()
    assert _bulk(client, "accept", [a], level="township").redirect_chain[0][0].startswith("/accounts/login/")
    a.refresh_from_db()
    assert a.status == "submitted"


def test_bulk_query_count_per_row_is_bounded(client, ow, submit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ow.users["town_officer"])
    few = [submit(text=f"第{i}条：少量意见。") for i in range(2)]
    many = [submit(text=f"第{i}条：大量意见。") for i in range(12)]
    with CaptureQueriesContext(connection) as small:
        _bulk(client, "accept", few, level="township")
    with CaptureQueriesContext(connection) as large:
        _bulk(client, "accept", many, level="township")
    per_row = (len(large.captured_queries) - len(small.captured_queries)) / 10
    assert per_row <= 16, per_row  # each row is one service call: lock, checks, save, timeline, audit


# --- export -----------------------------------------------------------------------------------------


def test_export_of_the_filtered_list_masks_contacts(client, ow, submit):
    from openpyxl import load_workbook

    a = staff_registered(ow, submit)
    submit(text="另一条：学校门口的交通问题。")
    submit(region=ow.regions["other_town"], station=ow.other_station, text="南山镇的意见。")
    client.force_login(ow.users["town_officer"])
    response = client.get("/work/opinions/export.xlsx?channel=visit")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="opinions-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the one visit
    cells = [str(v) for v in rows[1] if v is not None]
    assert a.tracking_code in cells and "138****5678" in cells and "李**" in cells
    assert PHONE not in " ".join(cells)
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT, model="opinions.Opinion")
    assert log.actor == ow.users["town_officer"] and log.after["rows"] == 1
    assert log.after["filters"]["channel"] == "visit"
    client.force_login(ow.users["other_officer"])
    sheet = load_workbook(io.BytesIO(client.get("/work/opinions/export.xlsx?queue=all").content)).active
    assert sheet.max_row == 2  # the other prefecture's one opinion


def test_export_access(client, ow):
    assert client.get("/work/opinions/export.xlsx").status_code == 302
    for key in ("unit", "nobody", "deputy"):
        client.force_login(ow.users[key])
        assert client.get("/work/opinions/export.xlsx").status_code == 403


def test_region_menu_goes_down_a_level_at_a_choice(client, ow, world):
    """The region filter lists the user's area two levels down; a chosen region adds its own
    subdivisions (a province officer's menu does not list the province's every township at once)."""
    from liaison.core.testing import make_user

    province_officer = make_user(
        "prov_officer", name="省联络员", roles=[("liaison_officer", {"region": world.regions["prov"]})]
    )
    client.force_login(province_officer)

    def menu(response) -> set[str]:
        return {
            name.strip("\u3000")
            for name in re.findall(
                r'<option value="\d+"[^>]*>([^<]*)</option>', str(response.context["options"]["region"])
            )
        }

    response = client.get(QUEUE, {"queue": "all"})
    assert response.status_code == 200
    shown = menu(response)
    assert {world.regions[k].name for k in ("prov", "pref", "county", "other_county")} <= shown
    assert world.regions["town"].name not in shown and world.regions["village"].name not in shown
    county = world.regions["county"]
    response = client.get(QUEUE, {"queue": "all", "region": county.pk})
    shown = menu(response)
    assert {world.regions["town"].name, county.name, world.regions["pref"].name} <= shown
    assert world.regions["village"].name not in shown
    assert f'<option value="{county.pk}" selected>' in str(response.context["options"]["region"])
    # a county officer sees the county's townships at once
    client.force_login(world.users["officer"])
    assert world.regions["town"].name in menu(client.get(QUEUE, {"queue": "all"}))
