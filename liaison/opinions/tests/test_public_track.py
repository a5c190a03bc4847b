"""Following an opinion: /track/ and /track/<code>/ (status, public timeline, the answer, never
personal data), the receipt page, rating by the receipt cookie or by an SMS code, and the per-address
limit on unknown codes."""

import re

import pytest
from django.conf import settings
from django.test import Client

from liaison.core.models import AuditLog
from liaison.opinions import services
from liaison.opinions.models import Opinion, PublicAttempt, ReturnVisit
from liaison.opinions.tests.test_public_submit import PHONE, form_data, sms_code

pytestmark = pytest.mark.django_db
S = Opinion.Status
NAME = "李群众"
EMAIL = "li.qunzhong@example.cn"
ANSWER = "李群众您好：道路将于本周修复，感谢您的反映。"


def send(client, ow, **extra) -> Opinion:
    """An opinion sent through the public form by `client` (which keeps the receipt cookie); with a
    phone confirmed by SMS unless phone="" is given."""
    phone = extra.pop("phone", PHONE)
    data = form_data(ow.regions["village"], name=NAME, email=EMAIL, **extra)
    if phone:
        client.post("/opinions/new/code/", {"phone": phone})
        data.update(phone=phone, sms_code=sms_code(phone))
    response = client.post(f"/stations/{ow.station.pk}/opinions/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Opinion.objects.get(idempotency_key=data["idempotency_key"])


def handle(ow, opinion: Opinion, *, answer: str = ANSWER) -> Opinion:
    """Accepted, assigned to the township government, accepted and replied by it, fed back."""
    staff, unit = ow.users["staff"], ow.users["town_unit"]
    services.opinion_accept(actor=staff, opinion_id=opinion.pk, level="township")
    (assignment,) = services.opinion_assign(actor=staff, opinion_id=opinion.pk, units=[ow.units["town_gov"]])
    services.assignment_accept(actor=unit, opinion_id=opinion.pk, assignment_id=assignment.pk)
    services.assignment_reply(actor=unit, opinion_id=opinion.pk, assignment_id=assignment.pk, text="已安排施工。")
    return services.opinion_feed_back(actor=staff, opinion_id=opinion.pk, answer=answer)


def page(client, opinion: Opinion):
    return client.get(f"/track/{opinion.tracking_code}/")


# --- looking up ---------------------------------------------------------------------------------------


def test_track_form_takes_lower_case_spaces_and_dashes(client, ow):
    opinion = send(client, ow, phone="")
    code = opinion.tracking_code
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:].lower()}"
    response = client.get("/track/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/track/{code}/"
    assert client.get(f"/track/{code.lower()}/")["Location"] == f"/track/{code}/"
    assert client.get("/track/").status_code == 200
    short = client.get("/track/", {"code": "ab-c"})
    assert short.status_code == 400 and "12" in short.content.decode()


def test_unknown_code_is_a_friendly_404_and_counted(client, ow):
    response = client.get("/track/ABCDEFGHJKMN/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ABCDEFGHJKMN" in body and "跟踪码" in body and 'name="code"' in body
    assert PublicAttempt.objects.filter(kind="track_miss").count() == 1


def test_unknown_codes_are_limited_per_address_then_every_lookup_waits(ow, settings):
    settings.OPINION_TRACK_MISSES_PER_IP_HOUR = 3
    citizen = Client()
    opinion = send(citizen, ow, phone="")
    prober = Client(REMOTE_ADDR="10.9.9.9")
    for i in range(3):
        assert prober.get(f"/track/ABCDEFGHJK{i + 2}M/").status_code == 404
    blocked = prober.get(f"/track/{opinion.tracking_code}/")
    assert blocked.status_code == 429
    assert "分钟后再试" in blocked.content.decode() and int(blocked["Retry-After"]) > 0
    assert prober.post(f"/track/{opinion.tracking_code}/rate/", {"satisfaction": "satisfied"}).status_code == 429
    # the citizen on another address is not affected
    assert page(citizen, opinion).status_code == 200


# --- what the page shows ------------------------------------------------------------------------------


def test_tracking_page_shows_progress_timeline_units_and_answer_but_no_personal_data(client, ow):
    opinion = handle(ow, send(client, ow, title=f"{NAME}反映道路问题 {PHONE}"))
    response = page(Client(), opinion)
    assert response.status_code == 200
    body = response.content.decode()
    assert opinion.tracking_code in body
    assert "已答复" in body  # the status
    assert 'aria-current="step"' in body  # the progress indicator
    assert "东风镇人民政府" in body  # units named in the timeline
    assert "道路将于本周修复" in body  # the answer
    for personal in (NAME, PHONE, EMAIL, "li.qunzhong"):
        assert personal not in body, personal
    for staff in ("联络站工作人员", "镇政府办理员", "镇人大办"):
        assert staff not in body, staff
    assert "李**" in body  # the name in the answer, masked


def test_timeline_lists_the_public_steps(client, ow):
    opinion = handle(ow, send(client, ow, phone=""))
    body = page(client, opinion).content.decode()
    timeline = body[body.index('id="timeline"') :]
    for step in ("已收到", "已受理", "东风镇人民政府", "已答复"):
        assert step in timeline, step


def test_merged_opinion_shows_the_answer_of_the_earlier_one(client, ow):
    earlier = send(Client(), ow, phone="")
    later = send(client, ow, phone="")
    services.opinion_merge(actor=ow.users["staff"], opinion_id=later.pk, into=earlier.tracking_code)
    body = page(client, later).content.decode()
    assert "一并办理" in body and earlier.tracking_code not in body
    assert "道路将于本周修复" not in body
    handle(ow, earlier)
    body = page(client, later).content.decode()
    assert "道路将于本周修复" in body and NAME not in body
    assert 'id="rate"' not in body  # the merged opinion itself is not rated


def test_redirected_opinion_shows_where_and_why(client, ow):
    opinion = send(client, ow, phone="")
    services.opinion_redirect(
        actor=ow.users["staff"], opinion_id=opinion.pk, target="court", comment="属于诉讼事项，请向人民法院起诉。"
    )
    body = page(client, opinion).content.decode()
    assert "人民法院起诉" in body and "法院" in body


def test_tracking_page_in_english(client, ow):
    opinion = handle(ow, send(client, ow, phone=""))
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = page(english, opinion).content.decode()
    assert "Tracking code" in body and "Steps so far" in body and "fed back" in body
    assert "Sent for handling to 东风镇人民政府" in body


# --- the receipt --------------------------------------------------------------------------------------


def test_receipt_page_only_for_the_browser_that_sent_it(client, ow):
    opinion = send(client, ow, phone="")
    receipt = f"/track/{opinion.tracking_code}/receipt/"
    assert client.get(receipt).status_code == 200
    stranger = Client()
    assert stranger.get(receipt)["Location"] == f"/track/{opinion.tracking_code}/"
    stranger.cookies[f"receipt_{opinion.tracking_code}"] = "forged"
    assert stranger.get(receipt).status_code == 302


# --- rating -------------------------------------------------------------------------------------------


def test_submitter_rates_from_the_browser_that_sent_it(client, ow):
    opinion = handle(ow, send(client, ow, phone=""))
    body = page(client, opinion).content.decode()
    assert 'id="rate"' in body and 'name="phone"' not in body  # the receipt proves it; no SMS needed
    response = client.post(
        f"/track/{opinion.tracking_code}/rate/", {"satisfaction": "basically", "comment": "修得还行"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    # recorded and shown to the office, whose return visit closes it
    assert opinion.status == S.FED_BACK and opinion.satisfaction == "basically"
    visit = ReturnVisit.objects.get(opinion=opinion)
    assert visit.method == "online" and visit.comment == "修得还行" and visit.recorded_by is None
    assert AuditLog.objects.filter(object_id=str(opinion.pk), reason__startswith="rate").exists()
    body = page(client, opinion).content.decode()
    assert "基本满意" in body and 'id="rate"' not in body


def test_dissatisfied_is_told_to_the_office_whose_return_visit_reopens_it(client, ow):
    from liaison.notifications.models import Notification
    from liaison.opinions import services

    opinion = handle(ow, send(client, ow, phone=""))
    client.post(f"/track/{opinion.tracking_code}/rate/", {"satisfaction": "dissatisfied"})
    opinion.refresh_from_db()
    assert opinion.status == S.FED_BACK and opinion.satisfaction == "dissatisfied"
    assert Notification.objects.filter(kind="opinion.rated", user=ow.users["town_officer"]).exists()
    services.opinion_return_visit(
        actor=ow.users["town_officer"], opinion_id=opinion.pk, satisfaction="dissatisfied", method="phone"
    )
    opinion.refresh_from_db()
    assert opinion.status == S.ACCEPTED and opinion.reopen_count == 1
    assert "重新办理" in page(client, opinion).content.decode()


def test_submitter_on_another_device_rates_with_an_sms_code(client, ow, settings):
    settings.SMS_CODE_INTERVAL_SECONDS = 0  # days pass between sending and rating
    opinion = handle(ow, send(client, ow))
    phone_device = Client()
    body = page(phone_device, opinion).content.decode()
    assert 'name="phone"' in body  # asked to prove it by SMS
    sent = phone_device.post(f"/track/{opinion.tracking_code}/rate/code/", {"phone": PHONE})
    assert sent.status_code == 200 and "已发送" in sent.content.decode()
    code = sms_code()
    response = phone_device.post(
        f"/track/{opinion.tracking_code}/rate/",
        {"satisfaction": "satisfied", "phone": PHONE, "sms_code": code},
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == S.FED_BACK and opinion.satisfaction == "satisfied"


def test_a_code_is_sent_only_to_the_number_on_file_but_the_answer_is_the_same(client, ow, settings):
    settings.SMS_CODE_INTERVAL_SECONDS = 0
    from liaison.notifications.models import Notification

    opinion = handle(ow, send(client, ow))
    before = Notification.objects.filter(kind="sms_code").count()
    other = Client().post(f"/track/{opinion.tracking_code}/rate/code/", {"phone": "13900001111"})
    right = Client(REMOTE_ADDR="10.1.2.3").post(f"/track/{opinion.tracking_code}/rate/code/", {"phone": PHONE})
    assert other.status_code == right.status_code == 200
    assert re.sub(r"\s+", "", other.content.decode()) == re.sub(r"\s+", "", right.content.decode())
    assert Notification.objects.filter(kind="sms_code").count() == before + 1
    bad = Client().post(f"/track/{opinion.tracking_code}/rate/code/", {"phone": "123"})
    assert "手机号" in bad.content.decode()


def test_someone_else_cannot_rate(client, ow):
    opinion = handle(ow, send(client, ow))
    stranger = Client()
    stranger.cookies[f"receipt_{opinion.tracking_code}"] = "not-the-receipt"
    for data in (
        {"satisfaction": "dissatisfied"},
        {"satisfaction": "dissatisfied", "phone": "13900001111", "sms_code": "123456"},
        {"satisfaction": "dissatisfied", "phone": PHONE, "sms_code": "123456"},
    ):
        response = stranger.post(f"/track/{opinion.tracking_code}/rate/", data)
        assert response.status_code == 400
        assert "只有提出意见的人" in response.content.decode()
    opinion.refresh_from_db()
    assert opinion.status == S.FED_BACK and not ReturnVisit.objects.exists()


def test_an_opinion_without_a_phone_cannot_be_rated_by_a_stranger(client, ow):
    opinion = handle(ow, send(client, ow, phone=""))
    body = page(Client(), opinion).content.decode()
    assert 'id="rate"' in body and 'name="phone"' not in body and 'name="satisfaction"' not in body


def test_rating_before_the_answer_is_refused_plainly(client, ow):
    opinion = send(client, ow, phone="")
    body = page(client, opinion).content.decode()
    assert 'id="rate"' not in body
    response = client.post(f"/track/{opinion.tracking_code}/rate/", {"satisfaction": "satisfied"}, follow=True)
    assert response.status_code == 200
    opinion.refresh_from_db()
    assert opinion.status == S.SUBMITTED and not ReturnVisit.objects.exists()


def test_rating_form_errors_keep_the_comment(client, ow):
    opinion = handle(ow, send(client, ow, phone=""))
    response = client.post(f"/track/{opinion.tracking_code}/rate/", {"comment": "我的评价"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "我的评价" in body and "请选择" in body


def test_query_count_of_the_tracking_page_is_constant(client, ow, django_assert_max_num_queries):
    opinion = handle(ow, send(client, ow, phone=""))
    with django_assert_max_num_queries(8):
        assert page(client, opinion).status_code == 200


def test_never_500_on_odd_codes(client, ow):
    for code in ("x", "%20", "ÄÖÜ", "A" * 200, "12345678"):
        assert client.get(f"/track/{code}/").status_code in (302, 404)
    assert client.get("/track/", {"code": "  "}).status_code == 400
    assert client.post("/track/ABCDEFGHJKMN/rate/", {}).status_code == 404
    assert client.get("/track/ABCDEFGHJKMN/receipt/").status_code == 302
