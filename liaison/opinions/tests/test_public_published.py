"""Published results: /opinions/ (region and category filters, search, pages) and /opinions/<id>/,
showing the published subject, text and answer only — never the original text or the submitter."""

import pytest
from django.conf import settings
from django.test import Client

from liaison.opinions import services
from liaison.opinions.models import Category, Opinion

pytestmark = pytest.mark.django_db
NAME = "李群众"


def published(ow, submit, *, title: str, region=None, category=None, station=None) -> Opinion:
    station = station or ow.station
    opinion = submit(
        region=region or ow.regions["village"],
        station=station,
        name=NAME,
        category=category,
        text=f"{NAME}反映：{title}，电话13812345678，请尽快处理。",
    )
    staff = ow.users["staff"] if station == ow.station else ow.users["other_staff"]
    services.opinion_answer_on_spot(actor=staff, opinion_id=opinion.pk, answer="已现场答复：本周内修复。")
    return services.opinion_publish(
        actor=staff,
        opinion_id=opinion.pk,
        title=title,
        text=f"群众反映{title}。",
        answer="经核实，已于本周修复。",
    )


def test_list_shows_published_results_only(client, ow, submit):
    shown = published(ow, submit, title="村口道路坑洼")
    hidden = submit(text="这条意见没有公开，不应出现在列表里。")
    response = client.get("/opinions/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "村口道路坑洼" in body and f"/opinions/{shown.pk}/" in body
    assert "没有公开" not in body and f"/opinions/{hidden.pk}/" not in body
    assert NAME not in body and "13812345678" not in body


def test_detail_shows_the_published_text_not_the_original(client, ow, submit):
    opinion = published(ow, submit, title="村口道路坑洼")
    body = client.get(f"/opinions/{opinion.pk}/").content.decode()
    assert "群众反映村口道路坑洼。" in body and "经核实，已于本周修复。" in body
    assert NAME not in body and "13812345678" not in body and opinion.tracking_code not in body
    unpublished = submit(text="这条意见没有公开，不应出现在列表里。")
    assert client.get(f"/opinions/{unpublished.pk}/").status_code == 404
    assert client.get("/opinions/99999999/").status_code == 404


def test_filters_by_region_category_and_search(client, ow, submit):
    road = Category.objects.get(code="urban-construction", region__isnull=True)
    other = Category.objects.get(code="education", region__isnull=True)
    published(ow, submit, title="村口道路坑洼", category=road)
    published(ow, submit, title="学校门口拥堵", category=other)
    published(ow, submit, title="南山镇路灯不亮", region=ow.regions["other_town"], station=ow.other_station)

    def titles(**params):
        body = client.get("/opinions/", params).content.decode()
        return {t for t in ("村口道路坑洼", "学校门口拥堵", "南山镇路灯不亮") if t in body}

    assert titles() == {"村口道路坑洼", "学校门口拥堵", "南山镇路灯不亮"}
    assert titles(region=ow.regions["county"].pk) == {"村口道路坑洼", "学校门口拥堵"}
    assert titles(region=ow.regions["other_pref"].pk) == {"南山镇路灯不亮"}
    assert titles(category=road.pk) == {"村口道路坑洼"}
    assert titles(q="路灯") == {"南山镇路灯不亮"}
    assert titles(region="x", category="y", q="") == {"村口道路坑洼", "学校门口拥堵", "南山镇路灯不亮"}


def test_pages(client, ow, submit, settings):
    from liaison.opinions import public_views

    public_views.PAGE_SIZE, old = 2, public_views.PAGE_SIZE
    try:
        for i in range(5):
            published(ow, submit, title=f"第{i}号意见")
        first = client.get("/opinions/").content.decode()
        assert 'rel="next"' in first and "1 / 3" in first
        last = client.get("/opinions/", {"page": 3}).content.decode()
        assert 'rel="prev"' in last and "第0号意见" in last
        assert client.get("/opinions/", {"page": "999"}).status_code == 200
    finally:
        public_views.PAGE_SIZE = old


def test_query_count_does_not_grow_with_the_results(client, ow, submit, django_assert_max_num_queries):
    published(ow, submit, title="第一条")
    with django_assert_max_num_queries(6) as few:
        client.get("/opinions/", {"region": ow.regions["county"].pk})
    for i in range(12):
        published(ow, submit, title=f"第{i}条")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/opinions/", {"region": ow.regions["county"].pk}).content.decode()
    assert "第11条" in body
    with django_assert_max_num_queries(3):
        client.get(f"/opinions/{Opinion.objects.filter(is_published=True).first().pk}/")


def test_english(ow, submit):
    published(ow, submit, title="村口道路坑洼")
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = english.get("/opinions/").content.decode()
    assert "Answered opinions" in body and "All categories" in body
