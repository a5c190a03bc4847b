from django.utils import timezone

from liaison.api.models import ApiToken
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD


def test_openapi_document_lists_every_part(client, db):
    doc = client.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert "/api/" in paths
    assert any(p.startswith("/api/regions") for p in paths)
    assert any(p.startswith("/api/stations") for p in paths)
    assert any(p.startswith("/api/deputies") for p in paths)


def test_docs_page_is_served_locally(client, db):
    body = client.get("/api/docs").content.decode()
    assert "swagger" in body.lower()
    assert "cdn." not in body and "unpkg" not in body


def test_issue_use_and_revoke_a_token(client, world):
    officer = world.users["officer"]
    assert client.login(username="officer", password=PASSWORD)
    response = client.post("/work/api-tokens/", {"name": "统计脚本"})
    key = response.context["new_key"]
    assert key.startswith("lia_")
    token = ApiToken.objects.get(user=officer)
    assert token.key_hash != key and key not in token.key_hash  # only a hash is stored
    assert AuditLog.objects.filter(model="api.ApiToken", action="create").exists()
    client.logout()

    # Staff-only endpoint: without a token it is refused in the user's language, with one it answers.
    county = world.regions["county"]
    anonymous = client.post("/api/regions/", {"name": "x"}, content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthorized"
    response = client.get(f"/api/regions/{county.pk}", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200

    assert client.login(username="officer", password=PASSWORD)
    client.post(f"/work/api-tokens/{token.pk}/revoke/")
    client.logout()
    token.refresh_from_db()
    assert token.is_active is False
    bad = client.post(
        "/api/regions/", {"name": "x"}, content_type="application/json", headers={"authorization": f"Bearer {key}"}
    )
    assert bad.status_code == 401


def test_expired_token_is_refused(client, world):
    token, key = ApiToken.issue(user=world.users["officer"], name="old", expires_at=timezone.now())
    response = client.post(
        "/api/regions/", {"name": "x"}, content_type="application/json", headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code == 401


def test_another_users_token_cannot_be_revoked(client, world):
    token, _key = ApiToken.issue(user=world.users["pref_officer"], name="theirs")
    assert client.login(username="officer", password=PASSWORD)
    assert client.post(f"/work/api-tokens/{token.pk}/revoke/").status_code == 404


def test_invalid_json_body_gets_a_clear_error_not_500(client, world):
    token, key = ApiToken.issue(user=world.users["officer"], name="t")
    response = client.post(
        "/api/regions/", "{not json", content_type="application/json", headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code in (400, 422)
    assert "message" in response.json()


def test_session_without_second_factor_is_refused_when_required(client, world, settings):
    county = world.regions["county"]
    assert client.login(username="officer", password=PASSWORD)
    url = f"/api/regions/{county.pk}"
    payload = {"name": "甲一县（新）"}
    settings.OTP_REQUIRED_FOR_STAFF = True
    refused = client.patch(url, payload, content_type="application/json")
    assert refused.status_code == 401
    settings.OTP_REQUIRED_FOR_STAFF = False
    allowed = client.patch(url, payload, content_type="application/json")
    assert allowed.status_code == 200, allowed.content
