import datetime
import re

import pytest
from django.urls import reverse

from liaison.deputies import services
from liaison.deputies.models import Mandate

from .conftest import add_deputy

pytestmark = pytest.mark.django_db

LIST = "/deputies/"


def names(response) -> list[str]:
    return [entry.person.name for entry in response.context["page"].entries]


def test_directory_lists_serving_deputies_in_pinyin_order(client, dw):
    response = client.get(LIST)
    assert response.status_code == 200
    # 李四 li, 钱七 qian, 王五 wang, 张三丰 zhang (two seats, one card), 赵六 zhao
    assert names(response) == ["李四", "钱七", "王五", "张三丰", "赵六"]
    zhang = response.context["page"].entries[3]
    assert [m.congress.name for m in zhang.mandates] == ["甲一县人民代表大会", "东风镇人民代表大会"] or len(
        zhang.mandates
    ) == 2
    assert response.context["page"].count == 6
    body = response.content.decode()
    assert "张三丰" in body and reverse("portal:deputy", args=[dw.persons["zhang"].pk]) in body


def test_directory_hides_former_deputies(client, dw):
    services.mandate_change_status(
        actor=None, mandate=dw.mandates["li"], status="resigned", date=datetime.date(2023, 1, 1), reason="辞职"
    )
    assert "李四" not in names(client.get(LIST))


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"region": "county"}, ["李四", "王五", "张三丰"]),
        ({"region": "town"}, ["王五", "张三丰"]),
        ({"region": "other_pref"}, ["赵六"]),
        ({"level": "prefecture"}, ["钱七"]),
        ({"level": "township"}, ["王五", "张三丰"]),
        ({"region": "county", "level": "county"}, ["李四", "张三丰"]),
        ({"q": "三"}, ["张三丰"]),
        ({"q": "zhang"}, ["张三丰"]),
        ({"q": "ZSF"}, ["张三丰"]),
        ({"q": "zs"}, ["张三丰"]),
        ({"q": "w"}, ["王五"]),
        ({"q": "li si"}, ["李四"]),
        ({"q": "nobody"}, []),
    ],
)
def test_directory_filters(client, dw, params, expected):
    query = dict(params)
    if "region" in query:
        query["region"] = dw.w.regions[query["region"]].pk
    assert names(client.get(LIST, query)) == expected


def test_group_and_station_filters(client, dw):
    assert names(client.get(LIST, {"group": dw.groups["g"].pk})) == ["王五", "张三丰"]
    response = client.get(LIST, {"station": dw.stations["s"].pk})
    assert names(response) == ["王五"]
    assert response.context["page"].station == dw.stations["s"]


def test_bad_filter_values_are_ignored(client, dw):
    response = client.get(LIST, {"region": "abc", "level": "galaxy", "page": "-3", "group": "9" * 30})
    assert response.status_code == 200
    assert len(names(response)) == 5
    assert client.get(LIST, {"page": "999"}).context["page"].number == 1
    assert names(client.get(LIST, {"region": 999999})) == []


def test_region_menu_offers_townships_of_the_chosen_county(client, dw):
    def offered(response):
        return {int(v) for v in re.findall(r'<option value="(\d+)"', str(response.context["region_options"]))}

    regions = dw.w.regions
    menu = offered(client.get(LIST, {"region": regions["county"].pk}))
    assert regions["town"].pk in menu
    assert regions["town2"].pk not in menu  # a township of another county
    assert regions["village"].pk not in menu
    response = client.get(LIST, {"region": regions["county"].pk})
    assert f'<option value="{regions["county"].pk}" selected>' in response.content.decode()
    top = offered(client.get(LIST))
    assert regions["town"].pk not in top and regions["county"].pk in top
    assert regions["town"].pk in offered(client.get(LIST, {"region": regions["town"].pk}))
    response = client.get(LIST, {"region": dw.w.regions["town"].pk})
    assert dw.stations["s"] in response.context["stations"]
    assert dw.groups["g"] in response.context["groups"]


def test_pagination(client, dw):
    for i in range(30):
        add_deputy(dw, f"p{i}", f"欧阳{i:02d}", "town2", birth_year=1960 + i)
    first = client.get(LIST, {"region": dw.w.regions["town2"].pk})
    page = first.context["page"]
    assert (page.count, page.num_pages, len(page.entries)) == (30, 2, 24)
    second = client.get(LIST, {"region": dw.w.regions["town2"].pk, "page": 2})
    assert len(second.context["page"].entries) == 6
    assert set(names(first)).isdisjoint(names(second))
    assert f"region={dw.w.regions['town2'].pk}&amp;page=2" in first.content.decode()


def test_directory_query_count_is_constant(client, dw, django_assert_num_queries):
    # region and group named in the filters, count, ids, rows, region menu, group and station menus
    params = {"region": dw.w.regions["county"].pk, "group": dw.groups["g"].pk, "q": "z"}
    with django_assert_num_queries(8):
        client.get(LIST, params)
    for i in range(15):
        person, mandate = add_deputy(dw, f"x{i}", f"周{i:02d}", "town", birth_year=1950 + i)
        services.membership_add(actor=None, group=dw.groups["g"], mandate=mandate)
    with django_assert_num_queries(8):
        response = client.get(LIST, params)
    assert len(response.context["page"].entries) == 16
    with django_assert_num_queries(4):  # count, ids, rows, region menu
        client.get(LIST)


def test_detail_shows_public_fields_only(client, dw):
    zhang = dw.persons["zhang"]
    services.person_update(
        actor=None, person=zhang, data={"address": "秘密路9号", "wechat": "zsf_wx", "wechat_public": False}
    )
    response = client.get(f"/deputies/{zhang.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "13800000001" in body  # phone_public
    assert "z@example.cn" not in body  # e-mail not public
    assert "秘密路9号" not in body and "zsf_wx" not in body
    assert "东风小组" in body
    assert "甲一县人民代表大会" in body and "东风镇人民代表大会" in body


def test_detail_shows_stations(client, dw):
    body = client.get(f"/deputies/{dw.persons['wang'].pk}/").content.decode()
    assert "东风镇代表联络站" in body
    assert reverse("portal:station", args=[dw.stations["s"].pk]) in body


def test_detail_of_former_deputy_and_of_a_non_deputy(client, dw):
    services.mandate_change_status(
        actor=None, mandate=dw.mandates["li"], status="terminated", date=datetime.date(2023, 1, 1), reason="调离"
    )
    response = client.get(f"/deputies/{dw.persons['li'].pk}/")
    assert response.status_code == 200
    assert response.context["deputy"].is_serving is False
    nobody = services.person_create(actor=None, name="路人", gender="m", region=dw.w.regions["town"])
    assert client.get(f"/deputies/{nobody.pk}/").status_code == 404
    assert client.get("/deputies/987654/").status_code == 404


def test_detail_query_count(client, dw, django_assert_num_queries):
    with django_assert_num_queries(4):
        client.get(f"/deputies/{dw.persons['zhang'].pk}/")
    assert Mandate.objects.filter(person=dw.persons["zhang"]).count() == 2


def test_english_interface(client, dw):
    client.cookies["liaison_language"] = "en"
    body = client.get(LIST).content.decode()
    assert "Find a deputy" in body
    client.cookies["liaison_language"] = "zh-hans"
    body = client.get(LIST).content.decode()
    assert "Find a deputy" not in body


def test_large_results_count_up_to_the_cap(client, dw, monkeypatch):
    from liaison.deputies import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "PER_PAGE", 2)
    page = client.get(LIST).context["page"]
    assert (page.count, page.count_capped, page.num_pages, page.has_next) == (3, True, None, True)
    assert page.page_range() == [1, 2]
    body = client.get(LIST).content.decode()
    assert "page=2" in body and f"after={page.next_cursor}&amp;n=2" in body
    last = client.get(LIST, {"page": 3}).context["page"]
    assert (last.number, last.has_next, [e.person.name for e in last.entries]) == (3, False, ["张三丰", "赵六"])
    assert client.get(LIST, {"page": 50}).context["page"].entries == []
    assert client.get(LIST, {"page": 5000}).context["page"].number == selectors.MAX_PAGE_NUMBER


def walk(client, params, *, direction="after", start=None):
    """Follow the next (or previous) links from a page to the end: the persons (ids) of every page."""
    pages = []
    page = start or client.get(LIST, params).context["page"]
    pages.append([e.person.pk for e in page.entries])
    while page.has_next if direction == "after" else page.has_previous:
        cursor = page.next_cursor if direction == "after" else page.previous_cursor
        response = client.get(LIST, {**params, direction: cursor})
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([e.person.pk for e in page.entries])
    return pages if direction == "after" else pages[::-1]


def joined(pages):
    """The persons of consecutive pages as one list; a person whose seats straddle a page boundary has a
    card on both pages (each with the seats of its page) and is counted once."""
    out = []
    for name in (n for p in pages for n in p):
        if not out or out[-1] != name:
            out.append(name)
    return out


def test_next_and_previous_links_walk_the_whole_directory_in_order(client, dw, monkeypatch):
    from liaison.deputies import selectors

    # namesakes (same pinyin, different persons) straddle page boundaries: the key breaks the tie
    for i in range(7):
        add_deputy(dw, f"ns{i}", "王武", "town2", birth_year=1960 + i)
    monkeypatch.setattr(selectors, "PER_PAGE", 3)
    everyone = [e.person.pk for e in selectors.directory_page(filters=selectors.DeputyFilters(), per_page=100).entries]
    forward = walk(client, {})
    assert joined(forward) == everyone and len(forward) > 3
    last = client.get(LIST, {"after": client.get(LIST).context["page"].next_cursor, "n": 2}).context["page"]
    assert last.number == 2 and last.has_previous
    # from the last page back to the first by "previous"
    page = client.get(LIST).context["page"]
    while page.has_next:
        page = client.get(LIST, {"after": page.next_cursor}).context["page"]
    backward = walk(client, {}, direction="before", start=page)
    assert joined(backward) == everyone


@pytest.mark.parametrize(
    "params",
    [{"region": "county"}, {"level": "township"}, {"region": "prov", "level": "county"}, {"q": "wang"}, {"q": "w"}],
)
def test_keyset_pages_keep_the_filters(client, dw, monkeypatch, params):
    from liaison.deputies import selectors

    for i in range(5):
        add_deputy(dw, f"k{i}", f"王{i:02d}", "town", birth_year=1960 + i)
    query = {k: (dw.w.regions[v].pk if k == "region" else v) for k, v in params.items()}
    first = client.get(LIST, {**query, "page": 1})  # one page of 24 holds them all
    expected = [e.person.pk for e in first.context["page"].entries]
    monkeypatch.setattr(selectors, "PER_PAGE", 2)
    pages = walk(client, query)
    assert joined(pages) == expected and len(pages) > 1
    body = client.get(LIST, {**query, "after": client.get(LIST, query).context["page"].next_cursor}).content.decode()
    links = re.findall(r'rel="(?:next|prev)" href="\?([^"]*)"', body)
    assert links and all(f"{name}={value}" in link for link in links for name, value in query.items())


def test_keyset_page_query_count_is_constant(client, dw, django_assert_num_queries, monkeypatch):
    from liaison.deputies import selectors

    monkeypatch.setattr(selectors, "PER_PAGE", 2)
    cursor = client.get(LIST).context["page"].next_cursor
    with django_assert_num_queries(4):  # count, keys, rows, region menu
        client.get(LIST, {"after": cursor})
    with django_assert_num_queries(4):
        client.get(LIST, {"before": cursor})
    for i in range(10):
        add_deputy(dw, f"q{i}", f"孙{i:02d}", "town", birth_year=1950 + i)
    monkeypatch.setattr(selectors, "PER_PAGE", 8)
    with django_assert_num_queries(4):
        response = client.get(LIST, {"after": cursor})
    assert len(response.context["page"].entries) == 8


@pytest.mark.parametrize("token", ["x", "!!!", "W10", "WyJhIiwxXQ", "WyJhIiwiMSIsMl0", "a" * 500])
def test_a_bad_cursor_gives_the_first_page(client, dw, token):
    response = client.get(LIST, {"after": token, "before": token, "n": "zz"})
    assert response.status_code == 200
    assert names(response) == ["李四", "钱七", "王五", "张三丰", "赵六"]


def test_cursor_round_trip():
    from liaison.deputies import selectors

    key = ("lüsi 'x\"", 12, 345)
    assert selectors.cursor_decode(selectors.cursor_encode(key)) == key


def test_photo_is_served_by_a_view_for_deputies_only(client, dw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import png_bytes

    zhang = services.person_update(
        actor=None, person=dw.persons["zhang"], data={"photo": SimpleUploadedFile("z.png", png_bytes())}
    )
    url = zhang.photo_url
    assert url.startswith(reverse("portal:deputy_photo", args=[zhang.pk]) + "?v=")
    assert url in client.get(f"/deputies/{zhang.pk}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # no photo, or a person who never held a mandate: 404
    assert client.get(reverse("portal:deputy_photo", args=[dw.persons["li"].pk])).status_code == 404
    nobody = services.person_create(
        actor=None, name="路人", gender="m", region=dw.w.regions["town"], photo=SimpleUploadedFile("n.png", png_bytes())
    )
    assert client.get(reverse("portal:deputy_photo", args=[nobody.pk])).status_code == 404
