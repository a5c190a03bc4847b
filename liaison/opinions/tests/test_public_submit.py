"""The citizen's opinion form: /opinions/new/ and a station's /stations/<id>/opinions/new/ (the QR
poster's target) — sending, the SMS code, double submits, per-address limits, and bad input that
never loses what was typed nor ends in a 500."""

import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from liaison.core.models import AuditLog
from liaison.notifications.models import Notification
from liaison.opinions.forms_public import region_chain
from liaison.opinions.models import Attachment, Category, Opinion, PublicAttempt
from liaison.opinions.public_views import RECEIPT_SALT
from liaison.stations import poster
from liaison.stations import services as station_services
from liaison.stations.tests.conftest import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

NEW = "/opinions/new/"
TEXT = "村口道路坑洼多年未修，雨天积水严重，希望尽快修缮。"
PHONE = "13812345678"


def sms_code(phone: str = PHONE) -> str:
    """The code of the newest SMS verification message (the outbox keeps it sealed until sent)."""
    row = Notification.objects.filter(kind="sms_code", channel="sms").order_by("-id").first()
    assert row is not None, "no SMS code was written to the outbox"
    assert row.address == phone
    return re.search(r"\d{6}", row.sealed_body or row.body).group(0)


def key() -> str:
    return uuid.uuid4().hex


def form_data(place, **extra) -> dict:
    data = {
        "text": TEXT,
        "region": [str(place.pk)],
        "category": "",
        "title": "",
        "location": "",
        "name": "",
        "phone": "",
        "sms_code": "",
        "email": "",
        "notify_by": "none",
        "idempotency_key": key(),
    }
    data.update(extra)
    return data


def station_url(station) -> str:
    return f"/stations/{station.pk}/opinions/new/"


# --- the pages ----------------------------------------------------------------------------------------


def test_form_is_in_chinese_with_a_fresh_idempotency_key(client, ow):
    first = client.get(NEW)
    second = client.get(NEW)
    assert first.status_code == 200
    body = first.content.decode()
    assert "向代表提意见" in body and "提交意见" in body
    keys = [
        re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', r.content.decode()).group(1)
        for r in (first, second)
    ]
    assert keys[0] != keys[1]
    # the region menus start at the top of the tree
    assert f'value="{ow.regions["village"].path.strip("/").split("/")[0]}"' in body


def test_form_in_english(client, ow):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(station_url(ow.station)).content.decode()
    assert "Send an opinion to the deputies" in body
    assert "Send the opinion" in body and "Send code" in body
    assert "向代表提意见" not in body


def test_station_form_is_the_qr_posters_target_and_is_preset_to_the_station(client, ow):
    url = reverse("opinions_public:station_new", args=[ow.station.pk])
    assert url == station_url(ow.station)
    assert poster.opinion_url(ow.station).endswith(url)  # what the printed QR code opens
    page = client.get(f"/stations/{ow.station.pk}/").content.decode()
    assert f'href="{url}"' in page  # the station's page has the button
    body = client.get(url).content.decode()
    assert ow.station.name in body
    assert f'name="region_root" value="{ow.station.region_id}"' in body
    assert ow.regions["village"].name in body  # a village of the township to choose from


def test_unknown_or_closed_station_is_a_friendly_404(client, ow):
    assert client.get("/stations/999999/opinions/new/").status_code == 404
    station = ow.other_station
    station_services.station_update(
        actor=None,
        station=station,
        name=station.name,
        kind=station.kind,
        region=station.region,
        address=station.address,
        is_active=False,
    )
    response = client.get(station_url(station))
    assert response.status_code == 404
    assert NEW in response.content.decode()  # points to the general form
    assert client.post(station_url(station), form_data(station.region)).status_code == 404
    assert not Opinion.objects.exists()


def test_home_page_offers_the_opinion_pages(client, ow):
    body = client.get("/").content.decode()
    assert f'href="{NEW}"' in body and 'href="/track/"' in body and 'href="/opinions/"' in body
    town = ow.regions["town"]
    assert f'href="{NEW}?region={town.pk}"' in client.get(f"/?region={town.pk}").content.decode()
    preset = client.get(f"{NEW}?region={ow.regions['village'].pk}").content.decode()
    assert re.search(rf'<option value="{ow.regions["village"].pk}" selected>', preset)


# --- sending ------------------------------------------------------------------------------------------


def test_anonymous_opinion_is_taken_and_the_browser_gets_its_receipt(client, ow):
    data = form_data(ow.regions["village"])
    response = client.post(NEW, data)
    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/track/{opinion.tracking_code}/receipt/"
    assert opinion.channel == Opinion.Channel.ONLINE and opinion.station is None
    assert opinion.region == ow.regions["village"] and opinion.submitter_name == ""
    assert opinion.language == "zh-hans"
    cookie = response.cookies[f"receipt_{opinion.tracking_code}"]
    assert cookie["httponly"] and cookie["path"] == f"/track/{opinion.tracking_code}/"
    assert cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 365 * 24 * 3600
    assert AuditLog.objects.filter(model="opinions.Opinion", object_id=str(opinion.pk), action="create").exists()
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert opinion.tracking_code in body and f"/track/{opinion.tracking_code}/" in body
    assert "您的意见已收到" in body


def test_station_opinion_with_all_fields(client, ow):
    category = Category.objects.filter(region__isnull=True).first()
    data = form_data(
        ow.regions["village"],
        region=[str(ow.regions["village"].pk)],
        region_root=str(ow.station.region_id),
        category=str(category.pk),
        title="道路坑洼",
        location="红星村村口",
        name="李群众",
        email="li@example.cn",
        notify_by="email",
    )
    files = [
        SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("letter.pdf", pdf_bytes(), content_type="application/pdf"),
    ]
    response = client.post(station_url(ow.station), {**data, "attachments": files})
    assert response.status_code == 302, response.content.decode()[:3000]
    opinion = Opinion.objects.get()
    assert opinion.channel == Opinion.Channel.STATION_ONLINE and opinion.station == ow.station
    assert (opinion.title, opinion.location, opinion.category) == ("道路坑洼", "红星村村口", category)
    assert (opinion.submitter_name, opinion.submitter_email, opinion.notify_by) == ("李群众", "li@example.cn", "email")
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]


def test_station_form_without_a_region_choice_uses_the_station_region(client, ow):
    data = form_data(ow.regions["town"], region=[""])
    assert client.post(station_url(ow.station), data).status_code == 302
    assert Opinion.objects.get().region == ow.station.region


def test_double_submit_makes_one_opinion_and_both_answers_carry_the_receipt(client, ow):
    data = form_data(ow.regions["village"])
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert Opinion.objects.count() == 1
    code = Opinion.objects.get().tracking_code
    assert first["Location"] == second["Location"] == f"/track/{code}/receipt/"
    # the browser that dropped the first answer still gets a working receipt from the second
    secrets = []
    for answer in (first, second):
        request = RequestFactory().get("/")
        request.COOKIES[f"receipt_{code}"] = answer.cookies[f"receipt_{code}"].value
        secrets.append(request.get_signed_cookie(f"receipt_{code}", salt=RECEIPT_SALT))
    assert secrets[0] == secrets[1]  # the same receipt, signed at two moments
    other = client.__class__()
    other.cookies[f"receipt_{code}"] = second.cookies[f"receipt_{code}"].value
    assert other.get(f"/track/{code}/receipt/").status_code == 200
    assert PublicAttempt.objects.filter(kind="submit").count() == 1


def test_a_new_form_makes_a_new_opinion(client, ow):
    client.post(NEW, form_data(ow.regions["village"]))
    client.post(NEW, form_data(ow.regions["village"]))
    assert Opinion.objects.count() == 2


# --- the SMS code -------------------------------------------------------------------------------------


def test_phone_confirmed_by_sms_code(client, ow):
    sent = client.post("/opinions/new/code/", {"phone": PHONE}, HTTP_HX_REQUEST="true")
    assert sent.status_code == 200
    assert "138****5678" in sent.content.decode() and "已发送" in sent.content.decode()
    data = form_data(ow.regions["village"], phone=PHONE, sms_code=sms_code(), notify_by="sms", name="李群众")
    response = client.post(NEW, data)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.phone_verified and opinion.submitter_phone == PHONE and opinion.notify_by == "sms"
    # an opinion with a confirmed phone is limited by the SMS limits, not counted here
    assert not PublicAttempt.objects.exists()


def test_phone_without_code_or_with_a_wrong_code_keeps_everything_typed(client, ow):
    data = form_data(ow.regions["village"], phone=PHONE, name="李群众", location="红星村村口", title="道路坑洼")
    response = client.post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "请先点“发送验证码”" in body or "短信验证码" in body
    for kept in (TEXT, PHONE, "李群众", "红星村村口", "道路坑洼", data["idempotency_key"]):
        assert kept in body
    client.post("/opinions/new/code/", {"phone": PHONE})
    response = client.post(NEW, {**data, "sms_code": "000000" if sms_code() != "000000" else "111111"})
    assert response.status_code == 400
    assert "验证码错误或已过期" in response.content.decode()
    assert TEXT in response.content.decode()
    assert not Opinion.objects.exists()


def test_send_code_is_rate_limited_with_a_clear_message(client, ow):
    client.post("/opinions/new/code/", {"phone": PHONE})
    again = client.post("/opinions/new/code/", {"phone": PHONE})
    assert again.status_code == 200
    assert "秒后再试" in again.content.decode() or "分钟后再试" in again.content.decode()
    bad = client.post("/opinions/new/code/", {"phone": "12345"})
    assert bad.status_code == 200 and "手机号" in bad.content.decode()


def test_send_code_without_scripts_shows_the_form_again_with_everything_typed(client, ow):
    data = form_data(ow.regions["village"], phone=PHONE, name="李群众", send_code="1")
    response = client.post(NEW, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "138****5678" in body  # the message that the code was sent
    assert TEXT in body and "李群众" in body and data["idempotency_key"] in body
    assert "invalid-feedback" not in body  # nothing is marked wrong yet
    assert sms_code()
    assert not Opinion.objects.exists()


# --- bad input ----------------------------------------------------------------------------------------


def test_missing_text_and_region(client, ow):
    response = client.post(NEW, form_data(ow.regions["village"], text="", region=[""], name="李群众"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "这个字段是必填项" in body or "必填" in body
    assert "请选择意见涉及的地方" in body
    assert "李群众" in body
    assert not Opinion.objects.exists()


def test_too_short_text_comes_back_from_the_service(client, ow):
    response = client.post(NEW, form_data(ow.regions["village"], text="太短"))
    assert response.status_code == 400
    assert "至少" in response.content.decode()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("photo.png", b"not really a picture", content_type="image/png"), "不是"),
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 100, content_type="application/octet-stream"), "不是"),
    ],
)
def test_invalid_files_are_refused_and_the_form_says_to_attach_again(client, ow, upload, message):
    data = form_data(ow.regions["village"], name="李群众")
    response = client.post(NEW, {**data, "attachments": [upload]})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "请重新添加" in body
    assert TEXT in body and "李群众" in body
    assert not Opinion.objects.exists() and not Attachment.objects.exists()


def test_oversized_and_too_many_files_are_refused(client, ow, settings):
    settings.OPINION_ATTACHMENT_MAX_BYTES = 50
    big = SimpleUploadedFile("big.png", png_bytes(size=(64, 64)), content_type="image/png")
    response = client.post(NEW, {**form_data(ow.regions["village"]), "attachments": [big]})
    assert response.status_code == 400 and "MB" in response.content.decode()
    settings.OPINION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.OPINION_ATTACHMENTS_MAX = 2
    files = [SimpleUploadedFile(f"p{i}.png", png_bytes(), content_type="image/png") for i in range(3)]
    response = client.post(NEW, {**form_data(ow.regions["village"]), "attachments": files})
    assert response.status_code == 400 and "最多" in response.content.decode()
    assert not Opinion.objects.exists()


def test_garbage_never_ends_in_a_500(client, ow):
    cases = [
        {"region": ["abc"], "category": "x", "notify_by": "carrier-pigeon"},
        {"region": [str(ow.regions["village"].pk)], "category": "999999"},
        {"email": "not-an-address"},
        {"notify_by": "sms"},  # SMS without a phone
        {"phone": "12345", "sms_code": "123456"},
        {"text": "字" * 6000},
        {"region": ["1" * 40]},
    ]
    for extra in cases:
        response = client.post(NEW, form_data(ow.regions["village"], **extra))
        assert response.status_code == 400, (extra, response.status_code)
    assert client.post(NEW, {}).status_code == 400
    # a request without the form's key (made by hand) is still taken, once
    assert client.post(NEW, form_data(ow.regions["village"], idempotency_key="")).status_code == 302
    assert client.post(NEW, form_data(ow.regions["village"], idempotency_key="<script>")).status_code == 302

    assert client.get("/opinions/new/?region=zzz").status_code == 200
    assert client.put(NEW).status_code == 405
    assert Opinion.objects.count() == 2  # the two without a proper key


def test_a_category_of_another_locality_is_refused(client, ow):
    own = Category.objects.create(name="南山特色", code="nanshan", region=ow.regions["other_town"])
    response = client.post(NEW, form_data(ow.regions["village"], category=str(own.pk)))
    assert response.status_code == 400
    assert not Opinion.objects.exists()


# --- per-address limit --------------------------------------------------------------------------------


def test_opinions_without_a_confirmed_phone_are_limited_per_address(client, ow, settings):
    settings.OPINION_SUBMIT_PER_IP_HOUR = 2
    for _ in range(2):
        assert client.post(NEW, form_data(ow.regions["village"]), REMOTE_ADDR="10.0.0.7").status_code == 302
    response = client.post(NEW, form_data(ow.regions["village"], name="李群众"), REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    body = response.content.decode()
    assert "过去一小时" in body and "分钟后再试" in body
    assert TEXT in body and "李群众" in body
    # another address is not affected
    assert client.post(NEW, form_data(ow.regions["village"]), REMOTE_ADDR="10.0.0.8").status_code == 302
    assert Opinion.objects.count() == 3


def test_the_hourly_job_prunes_attempts_no_limit_looks_at(ow):
    from datetime import timedelta

    from django.utils import timezone

    from liaison.notifications.schedule import jobs
    from liaison.opinions import throttle

    now = timezone.now()
    old = PublicAttempt.objects.create(kind="submit", ip="10.0.0.9", at=now - timedelta(days=2))
    recent = PublicAttempt.objects.create(kind="submit", ip="10.0.0.9", at=now - timedelta(minutes=5))
    assert throttle.attempts_prune() == 1
    assert list(PublicAttempt.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not PublicAttempt.objects.filter(pk=old.pk).exists()
    assert "opinions.prune_attempts" in jobs()


# --- the region menus ---------------------------------------------------------------------------------


def test_region_menus_follow_the_choice_and_offer_that_places_categories(client, ow):
    r = ow.regions
    own = Category.objects.create(name="东风镇特色", code="dongfeng", region=r["town"])
    url = f"/opinions/new/regions/?region={r['prov'].pk}&region={r['pref'].pk}&region={r['county'].pk}&region={r['town'].pk}"
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="region-fields"' in body
    assert r["village"].name in body  # the next level down
    assert "东风镇特色" in body
    other = client.get(f"/opinions/new/regions/?region={r['prov'].pk}&region={r['other_pref'].pk}").content.decode()
    assert "东风镇特色" not in other and r["other_county"].name in other
    assert own.pk


def test_region_chain_stops_at_an_inconsistent_menu(ow):
    r = ow.regions
    path = [r["prov"].pk, r["pref"].pk, r["county"].pk, r["town"].pk]
    assert region_chain([str(pk) for pk in path], root=None) == r["town"]
    # a deeper menu left over from an earlier choice (the other prefecture's county) is ignored
    assert region_chain([r["prov"].pk, r["other_pref"].pk, r["county"].pk], root=None) == r["other_pref"]
    assert region_chain([r["village"].pk], root=r["town"]) == r["village"]
    assert region_chain([r["town2"].pk], root=r["town"]) == r["town"]  # outside the station's township
    assert region_chain(["", "x"], root=None) is None
