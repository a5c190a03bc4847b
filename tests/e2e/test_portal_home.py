import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_renders_in_chinese_and_switches_to_english(live_server, page, shot):
    from liaison.core.testing import make_world

    make_world()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(live_server.url + "/")
    assert "找到您的代表和代表联络站" in page.content()
    page.get_by_role("link", name="测试省").click()
    page.get_by_role("link", name="甲市").click()
    page.get_by_role("link", name="甲一县").click()
    assert page.get_by_text("甲一县的代表").is_visible()
    shot(page, "home-zh")
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", name="Find your deputies and your liaison station").is_visible()
    assert outside == [], f"requests left the machine: {outside}"
