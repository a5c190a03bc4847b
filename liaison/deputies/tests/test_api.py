import io
import json

import pytest
from PIL import Image

from liaison.api.models import ApiToken
from liaison.core.models import AuditLog
from liaison.deputies import services
from liaison.deputies.models import Person

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def patch(client, url, data, **headers):
    return client.patch(url, json.dumps(data), content_type="application/json", **headers)


def test_public_list_with_filters_and_pages(client, dw):
    response = client.get("/api/deputies/", {"region": dw.w.regions["county"].pk, "page_size": 2})
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["pages"], data["page_size"]) == (4, 2, 2)
    assert [i["name"] for i in data["items"]] == ["李四", "王五"]
    data = client.get("/api/deputies/", {"region": dw.w.regions["county"].pk, "page_size": 2, "page": 2}).json()
    assert [i["name"] for i in data["items"]] == ["张三丰"]
    assert len(data["items"][0]["seats"]) == 2
    assert [i["name"] for i in client.get("/api/deputies/", {"q": "zsf"}).json()["items"]] == ["张三丰"]
    assert [i["name"] for i in client.get("/api/deputies/", {"station": dw.stations["s"].pk}).json()["items"]] == [
        "王五"
    ]
    assert "phone" not in response.content.decode()


def test_public_list_by_cursor(client, dw):
    first = client.get("/api/deputies/", {"region": dw.w.regions["county"].pk, "page_size": 2}).json()
    assert first["has_next"] and not first["has_previous"] and first["previous_cursor"] == ""
    second = client.get(
        "/api/deputies/", {"region": dw.w.regions["county"].pk, "page_size": 2, "after": first["next_cursor"]}
    ).json()
    assert [i["name"] for i in second["items"]] == ["张三丰"]
    assert (second["page"], second["has_next"], second["has_previous"], second["next_cursor"]) == (
        None,
        False,
        True,
        "",
    )
    back = client.get(
        "/api/deputies/", {"region": dw.w.regions["county"].pk, "page_size": 2, "before": second["previous_cursor"]}
    ).json()
    assert [i["name"] for i in back["items"]] == ["李四", "王五"] and not back["has_previous"]


def test_public_list_bad_input(client, dw):
    assert client.get("/api/deputies/", {"region": 99999}).status_code == 404
    response = client.get("/api/deputies/", {"level": "galaxy"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert client.get("/api/deputies/", {"page_size": 1000}).status_code == 422
    assert client.get("/api/deputies/", {"page": "x"}).status_code == 422


def test_public_detail_has_public_fields_only(client, dw):
    zhang = dw.persons["zhang"]
    data = client.get(f"/api/deputies/{zhang.pk}").json()
    assert data["contacts"] == {"phone": "13800000001"}
    assert "email" not in data and "z@example.cn" not in json.dumps(data)
    assert {m["congress"] for m in data["mandates"]} == {"甲一县人民代表大会", "东风镇人民代表大会"}
    assert data["groups"] == [{"id": dw.groups["g"].pk, "name": "东风小组", "position": "leader"}]
    nobody = Person.objects.create(name="无", gender="m")
    response = client.get(f"/api/deputies/{nobody.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_staff_calls_need_auth(client, dw):
    response = post(client, "/api/deputies/persons", {"name": "x", "gender": "m", "region_id": 1})
    assert response.status_code == 401


def person_payload(dw, **kw):
    data = {"name": "冯十一", "gender": "m", "region_id": dw.w.regions["county"].pk, "birth_year": 1971}
    data.update(kw)
    return data


def test_officer_creates_person_and_mandate(client, dw):
    client.force_login(dw.w.users["officer"])
    response = post(client, "/api/deputies/persons", person_payload(dw, phone="13512345678", phone_public=True))
    assert response.status_code == 201, response.content
    person = response.json()
    assert person["name_initials"] == "fsy" and person["phone"] == "13512345678"
    response = post(
        client,
        "/api/deputies/mandates",
        {
            "person_id": person["id"],
            "congress_id": dw.w.congresses["county"].pk,
            "term_id": dw.w.terms["county"].pk,
            "election": "direct",
            "district_id": dw.districts["county"].pk,
        },
    )
    assert response.status_code == 201, response.content
    mandate = response.json()
    assert mandate["status"] == "serving" and mandate["district"] == "第一选区"
    response = post(
        client,
        f"/api/deputies/mandates/{mandate['id']}/status",
        {"status": "recalled", "date": "2024-02-02", "reason": "罢免"},
    )
    assert response.status_code == 200 and response.json()["mandate"]["status"] == "recalled"
    assert AuditLog.objects.filter(model="deputies.Mandate", object_id=str(mandate["id"]), action="transition").exists()


def test_duplicate_error_and_confirm(client, dw):
    client.force_login(dw.w.users["officer"])
    response = post(client, "/api/deputies/persons", person_payload(dw, name="张三丰", birth_year=1970))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "probable_duplicate"
    assert body["extra"]["candidates"] == [dw.persons["zhang"].pk]
    response = post(client, "/api/deputies/persons", person_payload(dw, name="张三丰", birth_year=1970, confirm=True))
    assert response.status_code == 201


def test_messages_in_the_users_language(client, dw):
    client.force_login(dw.w.users["officer"])
    payload = person_payload(dw, birth_year=2030)
    english = post(client, "/api/deputies/persons", payload, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = post(client, "/api/deputies/persons", payload, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["field"] == chinese["field"] == "birth_year"
    assert english["message"].startswith("The year of birth")
    assert english["message"] != chinese["message"]


def test_patch_person_and_mandate(client, dw):
    client.force_login(dw.w.users["officer"])
    li = dw.persons["li"]
    response = patch(client, f"/api/deputies/persons/{li.pk}", {"work_unit": "甲一县第一中学校长", "email": None})
    assert response.status_code == 200 and response.json()["work_unit"] == "甲一县第一中学校长"
    response = patch(client, f"/api/deputies/persons/{li.pk}", {"name": None})
    assert response.status_code == 400
    mandate = dw.mandates["li"]
    response = patch(client, f"/api/deputies/mandates/{mandate.pk}", {"start_date": "2021-01-01"})
    assert response.status_code == 400 and response.json()["code"] == "mandate_dates_invalid"
    response = patch(client, f"/api/deputies/mandates/{mandate.pk}", {"district_id": 987654})
    assert response.status_code == 400 and response.json()["field"] == "district_id"
    response = patch(client, f"/api/deputies/mandates/{mandate.pk}", {"start_date": "2022-05-01"})
    assert response.status_code == 200 and response.json()["start_date"] == "2022-05-01"


def test_scope_and_roles_in_the_api(client, dw):
    client.force_login(dw.w.users["officer"])
    zhao, zhao_mandate = dw.persons["zhao"], dw.mandates["zhao"]
    assert patch(client, f"/api/deputies/persons/{zhao.pk}", {"party": "群众"}).status_code == 404
    assert patch(client, f"/api/deputies/mandates/{zhao_mandate.pk}", {"start_date": "2022-05-01"}).status_code == 404
    assert client.get(f"/api/deputies/persons/{zhao.pk}").status_code == 404
    assert client.get(f"/api/deputies/persons/{dw.persons['li'].pk}").status_code == 200
    response = post(client, "/api/deputies/persons", person_payload(dw, region_id=dw.w.regions["other_county"].pk))
    assert response.status_code == 404
    client.force_login(dw.w.users["leader"])
    assert post(client, "/api/deputies/persons", person_payload(dw)).status_code == 403
    assert client.get(f"/api/deputies/persons/{dw.persons['li'].pk}").status_code == 200
    client.force_login(dw.w.users["unit"])
    assert client.get(f"/api/deputies/persons/{dw.persons['li'].pk}").status_code == 403


def test_bearer_token(client, dw):
    li = dw.persons["li"]
    response = patch(client, f"/api/deputies/persons/{li.pk}", {"party": "群众"}, **bearer(dw.w.users["officer"]))
    assert response.status_code == 200
    li.refresh_from_db()
    assert li.party == "群众"
    response = patch(client, f"/api/deputies/persons/{li.pk}", {"party": "x"}, HTTP_AUTHORIZATION="Bearer lia_wrong")
    assert response.status_code == 401


def test_openapi_lists_the_routes(client, dw):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/deputies/" in paths and "/api/deputies/persons" in paths


def test_delete_person_through_the_api(client, dw):
    client.force_login(dw.w.users["officer"])
    response = client.delete(f"/api/deputies/persons/{dw.persons['li'].pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["code"] == "person_has_mandates"
    assert "status" in response.json()["message"]
    stray = services.person_create(actor=None, name="误录", gender="m", region=dw.w.regions["town"])
    assert client.delete(f"/api/deputies/persons/{stray.pk}").status_code == 204
    assert client.delete(f"/api/deputies/persons/{stray.pk}").status_code == 404
    client.force_login(dw.w.users["other_officer"])
    assert client.delete(f"/api/deputies/persons/{dw.persons['li'].pk}").status_code == 404


def test_photo_upload_through_the_api(client, dw, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import png_bytes

    li = dw.persons["li"]
    url = f"/api/deputies/persons/{li.pk}/photo"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=dw.w.users['officer'], name='t')[1]}"}
    r = client.post(url, {"file": SimpleUploadedFile("li.webp", png_bytes(fmt="WEBP"))}, **headers)
    assert r.status_code == 200, r.content
    li.refresh_from_db()
    assert li.photo.name.endswith(".webp") and r.json()["photo_url"] == li.photo_url
    assert client.get(li.photo_url).status_code == 200  # public: she is a deputy
    row = AuditLog.objects.filter(action=AuditLog.Action.UPDATE, model="deputies.Person").latest("id")
    assert row.object_id == str(li.pk) and row.after["photo"]
    # what the workspace form refuses, the API refuses, in the caller's language
    headers["HTTP_ACCEPT_LANGUAGE"] = "en"
    fake = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff" + b"<script>alert(1)</script>", content_type="image/jpeg")
    r = client.post(url, {"file": fake}, **headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_photo" and "JPEG" in r.json()["message"]
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    r = client.post(url, {"file": SimpleUploadedFile("x.gif", gif.getvalue())}, **headers)
    assert r.status_code == 400 and "GIF" in r.json()["message"]
    settings.PHOTO_MAX_BYTES = 50
    r = client.post(url, {"file": SimpleUploadedFile("big.png", png_bytes(size=(64, 64)))}, **headers)
    assert r.status_code == 400 and "too large" in r.json()["message"]
    li.refresh_from_db()
    assert li.photo.name.endswith(".webp")  # unchanged by the refusals
    # scope and roles
    other = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=dw.w.users['other_officer'], name='t')[1]}"}
    assert client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}, **other).status_code == 404
    assert client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}).status_code == 401
    # removal
    r = client.delete(url, **headers)
    assert r.status_code == 200 and r.json()["photo_url"] is None
