import pytest

from liaison.core.exceptions import ValidationFailed
from liaison.core.models import AuditLog
from liaison.regions.models import Region
from liaison.regions.services import region_create, region_move


def test_paths_follow_the_tree(world):
    town, county = world.regions["town"], world.regions["county"]
    assert town.path.startswith(county.path)
    assert set(Region.objects.filter(path__startswith=county.path).values_list("pk", flat=True)) == {
        county.pk,
        town.pk,
        world.regions["village"].pk,
    }


def test_region_cannot_move_into_its_subtree(world):
    with pytest.raises(ValidationFailed):
        region_move(actor=None, region=world.regions["county"], new_parent=world.regions["village"])


def test_region_level_must_be_below_parent(world):
    with pytest.raises(ValidationFailed):
        region_create(actor=None, name="x", code="1", level="county", parent=world.regions["town"])


def test_move_rewrites_subtree_paths_and_is_audited(world):
    county2, other_pref = world.regions["county2"], world.regions["other_pref"]
    region_move(actor=world.users["sysadmin"], region=county2, new_parent=other_pref, reason="调整区划")
    town2 = Region.objects.get(pk=world.regions["town2"].pk)
    assert town2.path.startswith(other_pref.path) and town2.depth == 3
    assert AuditLog.objects.filter(model="regions.Region", object_id=str(county2.pk), action="update").exists()


def test_path_helpers_and_lineage(world):
    from liaison.regions.models import path_ids, path_prefixes
    from liaison.regions.selectors import region_by_id, region_lineage

    assert path_ids("/1/5/23/") == [1, 5, 23]
    assert path_prefixes("/1/5/23/") == ["/1/", "/1/5/", "/1/5/23/"]
    town = world.regions["town"]
    assert [r.name for r in region_lineage(town)] == ["测试省", "甲市", "甲一县", "东风镇"]
    assert region_lineage(None) == []
    assert region_by_id(str(town.pk)) == town
    assert region_by_id("x") is None and region_by_id(None) is None and region_by_id("999999") is None
