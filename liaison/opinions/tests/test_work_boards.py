"""The overdue board (/work/opinions/overdue/), a locality's categories (/work/opinions/categories/),
the default category list, and the opinion figures on the workspace home."""

import datetime

import pytest

from liaison.core import deadlines
from liaison.core.models import AuditLog
from liaison.opinions import services
from liaison.opinions.models import Assignment, Category

from .test_work_opinion import advance

pytestmark = pytest.mark.django_db
BOARD = "/work/opinions/overdue/"
CATEGORIES = "/work/opinions/categories/"


def make_late(assignment: Assignment, days: int = 10) -> datetime.date:
    deadline = datetime.date.today() - datetime.timedelta(days=days)
    Assignment.objects.filter(pk=assignment.pk).update(deadline=deadline)
    return deadline


# --- overdue board ----------------------------------------------------------------------------------


def test_overdue_board_lists_late_assignments_in_scope(client, ow, submit):
    late = advance(ow, submit(), "assigned")
    on_time = advance(ow, submit(text="按期办理中的意见：路灯维修。"), "assigned")
    deadline = make_late(late.assignments.get())
    elsewhere = submit(region=ow.regions["other_town"], station=ow.other_station, text="南山镇的一条意见。")
    client.force_login(ow.users["town_officer"])
    response = client.get(BOARD)
    assert response.status_code == 200
    text = response.content.decode()
    assert late.tracking_code in text and on_time.tracking_code not in text
    assert "东风镇人民政府" in text and deadline.isoformat() in text
    n = deadlines.working_days_between(deadline, datetime.date.today())
    assert f"已超期 {n} 个工作日" in text
    assert elsewhere.tracking_code not in text
    client.force_login(ow.users["other_officer"])
    assert late.tracking_code not in client.get(BOARD).content.decode()
    client.force_login(ow.users["leader"])
    assert late.tracking_code in client.get(BOARD).content.decode()


def test_overdue_board_access(client, ow):
    assert client.get(BOARD).status_code == 302
    for key, status in {"town_officer": 200, "staff": 200, "leader": 200, "unit": 403, "deputy": 403}.items():
        client.force_login(ow.users[key])
        assert client.get(BOARD).status_code == status, key


def test_overdue_board_query_count_is_constant(client, ow, submit, django_assert_max_num_queries):
    for i in range(6):
        o = advance(ow, submit(text=f"第{i}条：逾期未办的意见。"), "assigned")
        make_late(o.assignments.get())
    client.force_login(ow.users["town_officer"])
    client.get(BOARD)
    with django_assert_max_num_queries(9):
        response = client.get(BOARD)
    assert len(response.context["assignments"]) == 6


# --- categories --------------------------------------------------------------------------------------


def test_default_categories_are_seeded():
    names = list(Category.objects.filter(region__isnull=True).values_list("name", flat=True))
    assert names == [
        "城乡建设",
        "生态环境",
        "交通出行",
        "教育",
        "劳动和社会保障",
        "医疗卫生",
        "农业农村",
        "社会治安",
        "民政",
        "市场监管",
        "其他",
    ]


def test_categories_access(client, ow):
    assert client.get(CATEGORIES).status_code == 302
    for key, status in {
        "town_officer": 200,
        "officer": 200,
        "staff": 403,
        "leader": 403,
        "unit": 403,
        "deputy": 403,
        "nobody": 403,
    }.items():
        client.force_login(ow.users[key])
        assert client.get(CATEGORIES).status_code == status, key


def test_officer_adds_a_category_for_the_region(client, ow):
    client.force_login(ow.users["officer"])
    page = client.get(CATEGORIES).content.decode()
    assert "城乡建设" in page and "其他" in page  # the default list, read-only
    response = client.post(CATEGORIES, {"region": ow.regions["county"].pk, "name": "旅游发展", "code": "", "sort": 120})
    assert response.status_code == 302
    category = Category.objects.get(name="旅游发展")
    assert category.region == ow.regions["county"] and category.code
    assert AuditLog.objects.filter(action="create", model="opinions.Category", object_id=str(category.pk)).exists()
    # offered in the county's townships beside the default list, not in another county
    assert services.category_choices(ow.regions["village"]).filter(pk=category.pk).exists()
    assert not services.category_choices(ow.regions["town2"]).filter(pk=category.pk).exists()
    assert "旅游发展" in client.get(CATEGORIES).content.decode()


def test_category_names_are_unique_where_offered(client, ow):
    client.force_login(ow.users["officer"])
    response = client.post(CATEGORIES, {"region": ow.regions["town"].pk, "name": "教育", "sort": 100})
    assert response.status_code == 400
    assert not Category.objects.filter(region=ow.regions["town"]).exists()
    response = client.post(CATEGORIES, {"region": ow.regions["town"].pk, "name": "", "sort": 100})
    assert response.status_code == 400


def test_officer_cannot_add_for_a_region_outside_the_scope(client, ow):
    client.force_login(ow.users["officer"])
    response = client.post(CATEGORIES, {"region": ow.regions["other_county"].pk, "name": "外地类别", "sort": 100})
    assert response.status_code == 400  # not a choice of the form
    assert not Category.objects.filter(name="外地类别").exists()
    with pytest.raises(services.NotFound):
        services.category_create(actor=ow.users["officer"], region=ow.regions["other_county"], name="外地类别")


def test_rename_and_deactivate(client, ow):
    category = services.category_create(actor=ow.users["officer"], region=ow.regions["county"], name="旅游")
    client.force_login(ow.users["officer"])
    url = f"/work/opinions/categories/{category.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "文化旅游", "sort": 90})  # is_active unticked: deactivated
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.sort, category.is_active) == ("文化旅游", 90, False)
    assert not services.category_choices(ow.regions["town"]).filter(pk=category.pk).exists()
    log = AuditLog.objects.get(action="update", model="opinions.Category", object_id=str(category.pk))
    assert log.before["name"] == "旅游" and log.after["name"] == "文化旅游"
    client.post(url, {"name": "文化旅游", "sort": 90, "is_active": "on"})
    category.refresh_from_db()
    assert category.is_active


def test_category_edit_scope(client, ow):
    mine = services.category_create(actor=ow.users["officer"], region=ow.regions["county"], name="旅游")
    theirs = services.category_create(actor=ow.users["other_officer"], region=ow.regions["other_county"], name="渔业")
    default = Category.objects.get(code="education", region__isnull=True)
    client.force_login(ow.users["officer"])
    assert client.get(f"/work/opinions/categories/{theirs.pk}/").status_code == 404
    assert client.post(f"/work/opinions/categories/{default.pk}/", {"name": "改名", "sort": 1}).status_code == 404
    default.refresh_from_db()
    assert default.name == "教育"
    # a township officer below the county does not edit the county's category
    client.force_login(ow.users["town_officer"])
    assert client.get(f"/work/opinions/categories/{mine.pk}/").status_code == 404
    client.force_login(ow.users["staff"])
    assert client.get(f"/work/opinions/categories/{mine.pk}/").status_code == 403
    with pytest.raises(services.errors.NotYourStep):
        services.category_update(actor=ow.users["officer"], category_id=default.pk, name="改名", sort=1, is_active=True)


def test_new_category_is_offered_when_accepting(client, ow, submit):
    category = services.category_create(actor=ow.users["town_officer"], region=ow.regions["town"], name="水利设施")
    o = submit()
    client.force_login(ow.users["town_officer"])
    assert "水利设施" in client.get(f"/work/opinions/{o.pk}/").content.decode()
    response = client.post(
        f"/work/opinions/{o.pk}/accept/", {"version": o.version, "level": "township", "category": category.pk}
    )
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.category == category


# --- the workspace home -------------------------------------------------------------------------------


def test_home_shows_the_queue_figures(client, ow, submit, django_assert_max_num_queries):
    late = advance(ow, submit(), "assigned")
    submit(text="第二条：还没有处理的意见。")
    advance(ow, submit(text="第三条：已经办结的意见。"), "closed")
    Assignment.objects.filter(opinion=late).update(deadline=datetime.date.today() - datetime.timedelta(days=3))
    from liaison.opinions.models import Opinion

    Opinion.objects.filter(pk=late.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=3))
    client.force_login(ow.users["town_officer"])
    response = client.get("/work/")
    assert response.context["opinion_counts"] == {"open": 2, "overdue": 1}
    text = response.content.decode()
    assert "/work/opinions/?overdue=1" in text and "/work/opinions/" in text
    client.force_login(ow.users["unit"])
    response = client.get("/work/")
    assert "opinion_counts" not in response.context
    assert "/work/opinions/?overdue=1" not in response.content.decode()


def test_home_figures_cost_one_query(client, ow, submit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit()
    client.force_login(ow.users["town_officer"])
    client.get("/work/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/work/")
    assert sum("opinions_opinion" in q["sql"] for q in ctx.captured_queries) == 1


def test_menu_links_the_queue_for_those_who_triage(client, ow):
    for key, shown in {"town_officer": True, "staff": True, "leader": True, "unit": False, "deputy": False}.items():
        client.force_login(ow.users[key])
        assert ('href="/work/opinions/"' in client.get("/work/").content.decode()) is shown, key
