"""Every workspace URL, for every kind of visitor who should not reach it: an anonymous visitor is sent
to log in; a logged-in user without a role gets nothing (403 or 404), never a page or a 500. The
per-part tests then prove, URL by URL, that each role sees only its own scope."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from liaison.core.testing import PASSWORD


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _concrete(route: str) -> str:
    """Fill every path converter with a value that exists nowhere."""
    route = re.sub(r"<int:[^>]+>", "999999", route)
    route = re.sub(r"<(?:str|slug):[^>]+>", "nothing-here", route)
    route = re.sub(r"<path:[^>]+>", "nothing/here", route)
    route = re.sub(r"<[^>]+>", "999999", route)
    return "/" + route.lstrip("^").rstrip("$")


WORK_URLS = sorted({_concrete(r) for r in _walk(get_resolver().url_patterns) if r.startswith("work/")})


def test_the_workspace_has_urls():
    assert "/work/" in WORK_URLS and len(WORK_URLS) > 5


def _visit(client, url):
    """GET, or POST for the actions that accept only POST."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.parametrize("url", WORK_URLS)
def test_anonymous_is_sent_to_log_in(client, db, url):
    response = _visit(client, url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("url", [u for u in WORK_URLS if u != "/work/"])
def test_user_without_role_gets_nothing(client, world, url):
    assert client.login(username="nobody", password=PASSWORD)
    response = _visit(client, url)
    assert response.status_code in (403, 404), f"{url} answered {response.status_code}"


# Role × entry page of the opinions workspaces (the parts' own tests go object by object and scope by scope).
ROLE_ENTRY = {
    "/work/units/": {"unit"},
    "/work/worklog/": {"officer", "pref_officer", "other_officer"},
    "/work/opinions/": {"officer", "pref_officer", "other_officer", "leader"},
    "/work/opinions/overdue/": {"officer", "pref_officer", "other_officer", "leader"},
    "/work/opinions/export.xlsx": {"officer", "pref_officer", "other_officer", "leader"},
    "/work/opinions/categories/": {"officer", "pref_officer", "other_officer"},
    # suggestions and motions: deputies, offices, leadership and units each see their part
    "/work/proposals/": {"officer", "pref_officer", "other_officer", "leader", "unit"},
    "/work/proposals/motions/": {"officer", "pref_officer", "other_officer", "leader", "unit"},
    "/work/proposals/overdue/": {"officer", "pref_officer", "other_officer", "leader"},
    "/work/proposals/units/": {"unit"},
    "/work/proposals/reports/": {"officer", "pref_officer", "other_officer", "leader", "unit"},
}


@pytest.mark.parametrize("url", sorted(ROLE_ENTRY))
@pytest.mark.parametrize("who", ["officer", "pref_officer", "leader", "unit", "sysadmin", "secadmin", "auditor"])
def test_role_enters_only_its_own_workspace(client, world, url, who):
    assert client.login(username=who, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == (200 if who in ROLE_ENTRY[url] else 403), f"{who} at {url}"
