import pytest

pytestmark = pytest.mark.django_db


def test_admin_is_read_only_for_mandates(client, dw):
    from liaison.core.testing import make_user

    admin_user = make_user("root", roles=[("system_admin", {})])
    client.force_login(admin_user)
    mandate = dw.mandates["li"]
    url = f"/admin/deputies/mandate/{mandate.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
    client.post(url, {"status": "recalled"})
    mandate.refresh_from_db()
    assert mandate.status == "serving"
    assert client.get("/admin/deputies/mandate/add/").status_code == 403
    assert client.get("/admin/deputies/person/").status_code == 200
    assert client.get(f"/admin/deputies/person/{dw.persons['li'].pk}/change/").status_code == 200
