"""/work/admin/calendar/: only the system administrator; the year page, one day's form, the pasted
year, and the audit rows behind each."""

import datetime

import pytest

from liaison.core import services
from liaison.core.models import AuditLog, CalendarDay

D = datetime.date
WHO = ["sysadmin", "secadmin", "auditor", "officer", "leader", "unit", "nobody", "anonymous"]


@pytest.fixture
def entry(db):
    return services.calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False, name="元旦")


def _login(client, world, who):
    if who != "anonymous":
        client.force_login(world.users[who])


@pytest.mark.parametrize("who", WHO)
def test_pages_belong_to_the_system_administrator(world, client, entry, who):
    _login(client, world, who)
    for url in [
        "/work/admin/calendar/",
        "/work/admin/calendar/2026/",
        "/work/admin/calendar/2027/",
        "/work/admin/calendar/2027/import/",
        "/work/admin/calendar/day/new/?date=2027-02-14",
        f"/work/admin/calendar/day/{entry.pk}/",
    ]:
        response = client.get(url)
        if who == "sysadmin":
            assert response.status_code == 200, url
        elif who == "anonymous":
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
        else:
            assert response.status_code == 403, (url, who)


@pytest.mark.parametrize("who", [w for w in WHO if w != "sysadmin"])
def test_writes_are_refused_to_everyone_else(world, client, entry, who):
    _login(client, world, who)
    before = AuditLog.objects.count()
    posts = {
        "/work/admin/calendar/day/new/": {"date": "2027-02-14", "kind": "workday"},
        f"/work/admin/calendar/day/{entry.pk}/": {"kind": "workday"},
        f"/work/admin/calendar/day/{entry.pk}/delete/": {},
        "/work/admin/calendar/2027/import/": {"text": "2027-10-01 holiday 国庆节"},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == (302 if who == "anonymous" else 403), (url, who)
    assert AuditLog.objects.count() == before
    assert list(CalendarDay.objects.values_list("date", "is_working_day")) == [(D(2027, 1, 1), False)]


def test_menu_entry_for_the_system_administrator_only(world, client):
    client.force_login(world.users["sysadmin"])
    assert "/work/admin/calendar/" in client.get("/work/").content.decode()
    client.force_login(world.users["officer"])
    assert "/work/admin/calendar/" not in client.get("/work/").content.decode()


def test_year_page_of_a_package_year(world, client, django_assert_max_num_queries):
    client.force_login(world.users["sysadmin"])
    with django_assert_max_num_queries(12):
        response = client.get("/work/admin/calendar/2026/")
    page = response.content.decode()
    assert response.context["cal"].status == "package"
    assert "2026-10-10" in page and "2026-02-14" in page  # make-up Saturdays listed
    assert "国庆节" in page  # the package's names in the interface language
    assert "day/new/?date=2026-10-01" in page  # a package day can be overridden
    cal = response.context["cal"]
    cells = {cell.day: cell for _, weeks in cal.months for week in weeks for cell in week if cell.in_month}
    assert cells[D(2026, 2, 15)].kind == "holiday"  # a Sunday inside the Spring Festival break
    assert cells[D(2026, 2, 14)].kind == "makeup" and cells[D(2026, 3, 14)].kind == "weekend"
    assert cells[D(2026, 10, 8)].kind == "normal" and cells[D(2026, 10, 1)].name == "国庆节"


def test_year_page_of_an_unknown_and_of_an_entered_year(world, client, entry):
    client.force_login(world.users["sysadmin"])
    unknown = client.get("/work/admin/calendar/2028/")
    assert unknown.context["cal"].status == "unknown" and unknown.context["cal"].special_days == []
    entered = client.get("/work/admin/calendar/?year=2027")
    assert entered.context["cal"].status == "entered" and entered.context["cal"].year == 2027
    assert f"/work/admin/calendar/day/{entry.pk}/" in entered.content.decode()
    cells = [cell for _, weeks in entered.context["cal"].months for week in weeks for cell in week if cell.in_month]
    assert len(cells) == 365
    new_year = next(cell for cell in cells if cell.day == D(2027, 1, 1))
    assert new_year.kind == "holiday" and new_year.entered and new_year.name == "元旦"
    assert client.get("/work/admin/calendar/1999/").status_code == 404


def test_add_edit_and_delete_a_day(world, client):
    admin = world.users["sysadmin"]
    client.force_login(admin)
    response = client.post(
        "/work/admin/calendar/day/new/", {"date": "2027-02-14", "kind": "workday", "name": "春节调休", "reason": "通知"}
    )
    assert response.status_code == 302 and response.url == "/work/admin/calendar/2027/"
    entry = CalendarDay.objects.get()
    assert entry.is_working_day and entry.name == "春节调休"
    assert AuditLog.objects.filter(model="core.CalendarDay", action="create", actor=admin, reason="通知").exists()

    # the date of an entry cannot be changed from its form (the disabled field ignores a posted value)
    client.post(f"/work/admin/calendar/day/{entry.pk}/", {"date": "2027-03-01", "kind": "holiday", "name": "改"})
    entry.refresh_from_db()
    assert (entry.date, entry.is_working_day, entry.name) == (D(2027, 2, 14), False, "改")

    response = client.post(f"/work/admin/calendar/day/{entry.pk}/delete/", {"reason": "录错"})
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    assert AuditLog.objects.filter(model="core.CalendarDay", action="delete", reason="录错").exists()
    assert client.get(f"/work/admin/calendar/day/{entry.pk}/").status_code == 404


def test_day_form_shows_service_errors(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.post("/work/admin/calendar/day/new/", {"date": "1999-01-01", "kind": "holiday"})
    assert response.status_code == 200 and response.context["form"].errors["date"]
    assert not CalendarDay.objects.exists()


def test_paste_a_year(world, client):
    client.force_login(world.users["sysadmin"])
    text = "2027-01-01 holiday 元旦\n2027-02-06~2027-02-12 休 春节\n2027-02-14 班 春节调休"
    response = client.post("/work/admin/calendar/2027/import/", {"text": text, "reason": "国办通知"}, follow=True)
    assert response.redirect_chain[-1][0] == "/work/admin/calendar/2027/"
    assert CalendarDay.objects.count() == 9
    assert response.context["cal"].status == "entered"
    assert AuditLog.objects.filter(model="core.CalendarDay", action="import", object_id="2027").exists()


def test_paste_with_bad_lines_saves_nothing_and_names_them(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.post("/work/admin/calendar/2027/import/", {"text": "2027-01-01 holiday 元旦\n2026-12-31 休 x"})
    assert response.status_code == 200
    errors = response.context["form"].errors["text"]
    assert any("2" in message for message in errors)
    assert not CalendarDay.objects.exists()


def test_pages_render_in_english_too(world, client, entry):
    client.force_login(world.users["sysadmin"])
    client.cookies["liaison_language"] = "en"
    page = client.get("/work/admin/calendar/2026/").content.decode()
    assert "National Day" in page and "Working-day calendar 2026" in page
