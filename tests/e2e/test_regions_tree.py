"""An officer keeps the region tree on the demo data, in headless Chromium: logs in, opens
/work/regions/, expands a township in the tree (its villages load with htmx), opens the township,
adds a village under it and finds the village in the tree. The prefecture's officer: the tree opens
two levels below the prefecture (counties, townships), so a township's villages load on demand."""

import re

import pytest
from django.core.management import call_command

from liaison.core.models import AuditLog
from liaison.regions.models import Level, Region

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Liaison-2026!"
NEW_VILLAGE = "桂花新村"


@pytest.fixture
def demo(live_server):
    call_command("demo", verbosity=0)
    return live_server


def test_officer_adds_a_village_and_sees_it_in_the_tree(demo, page, shot):
    base = demo.url
    page.set_default_timeout(60_000)  # generous: the machine may be busy with other suites
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    county = Region.objects.get(name="青岚县")
    township = Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code").first()
    village_count = Region.objects.filter(parent=township).count()

    page.goto(base + "/accounts/login/?next=/work/regions/")
    page.fill("input[name=username]", "city_officer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/regions/")
    tree = page.locator("table.region-tree")
    assert tree.locator("a", has_text=county.name).is_visible()
    assert tree.locator(f"tr[data-parent='{township.pk}']").count() == 0  # not loaded yet

    # Expand the township: its villages are fetched and shown below it.
    toggle = tree.locator(f"button.tree-toggle[data-pk='{township.pk}']")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    page.wait_for_function(
        f"document.querySelectorAll('table.region-tree tr[data-parent=\"{township.pk}\"]').length > 0"
    )
    assert toggle.get_attribute("aria-expanded") == "true"
    assert tree.locator(f"tr[data-parent='{township.pk}']").count() == village_count
    # ... and collapse it again
    toggle.click()
    assert tree.locator(f"tr[data-parent='{township.pk}']").first.is_hidden()

    # Open the township and add a village under it.
    tree.locator("a", has_text=township.name).click()
    page.wait_for_url(f"**/work/regions/{township.pk}/")
    page.locator(f"a[href='/work/regions/new/?parent={township.pk}']").click()
    page.wait_for_url("**/work/regions/new/**")
    page.fill("input[name=name]", NEW_VILLAGE)
    page.fill("input[name=code]", township.code[:9] + "099")
    page.select_option("select[name=level]", Level.VILLAGE)
    assert page.locator("select[name=parent]").input_value() == str(township.pk)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/work/regions/\d+/$"))
    village = Region.objects.get(name=NEW_VILLAGE)
    assert village.parent_id == township.pk and village.level == Level.VILLAGE
    assert page.url.endswith(f"/work/regions/{village.pk}/")
    assert NEW_VILLAGE in page.locator("h1").inner_text()
    assert AuditLog.objects.filter(model="regions.Region", object_id=str(village.pk), action="create").exists()

    # Back in the tree: the township now counts one more subregion, and the village is listed.
    page.goto(base + "/work/regions/")
    toggle = page.locator(f"table.region-tree button.tree-toggle[data-pk='{township.pk}']")
    toggle.click()
    row = page.locator("table.region-tree tr", has=page.locator("a", has_text=NEW_VILLAGE))
    row.wait_for()
    assert row.is_visible()
    assert row.get_attribute("data-parent") == str(township.pk)
    assert village.code in row.inner_text()
    counts = page.locator(f"table.region-tree tr:has(button[data-pk='{township.pk}']) td.text-end").first
    assert counts.inner_text().strip() == str(village_count + 1)
    row.scroll_into_view_if_needed()
    shot(page, "officer-regions-tree")
    assert outside == [], f"requests left the machine: {outside}"
