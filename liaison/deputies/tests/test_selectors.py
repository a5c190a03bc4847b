import pytest

from liaison.core.exceptions import NotFound
from liaison.deputies import selectors
from liaison.deputies.models import Mandate
from liaison.deputies.scoping import letters_prefix_q, path_prefix_q

from .conftest import add_deputy

pytestmark = pytest.mark.django_db

F = selectors.DeputyFilters


def directory_names(**filters) -> list[str]:
    return [e.person.name for e in selectors.directory_page(filters=F(**filters)).entries]


def test_filters_parse_and_drop_bad_values():
    f = F.parse({"region": "12", "level": "county", "group": "x", "station": "", "q": "  zs "})
    assert f == F(region=12, level="county", q="zs")
    assert F.parse({"level": "planet", "region": "-1"}).is_empty
    assert f.as_params() == {"region": "12", "level": "county", "q": "zs"}


def test_pinyin_initials_and_full_pinyin_prefix(dw):
    add_deputy(dw, "zs", "曾森", "county2", birth_year=1980)  # zengsen, zs
    add_deputy(dw, "zz", "周正", "county2", birth_year=1981)  # zhouzheng, zz
    assert directory_names(q="zs") == ["曾森", "张三丰"]
    assert directory_names(q="zsf") == ["张三丰"]
    assert directory_names(q="zhang") == ["张三丰"]
    assert directory_names(q="zhangsanf") == ["张三丰"]
    assert directory_names(q="zeng") == ["曾森"]
    assert directory_names(q="z") == ["曾森", "张三丰", "赵六", "周正"]
    assert directory_names(q="zz") == ["周正"]
    assert directory_names(q="Zhou Zheng") == ["周正"]
    assert directory_names(q="正") == ["周正"]


def test_letters_prefix_ranges():
    def q_str(prefix):
        return str(letters_prefix_q("f", prefix))

    assert "'f__lt', 'zi'" in q_str("zh")
    assert "'f__lt', 'lj'" in q_str("liz")
    assert "__lt" not in q_str("zz")


def test_path_prefix_matches_subtree_only(world):
    county = world.regions["county"]
    from liaison.regions.models import Region

    inside = set(Region.objects.filter(path_prefix_q("path", county.path)).values_list("name", flat=True))
    assert inside == {"甲一县", "东风镇", "红星村"}


def test_directory_groups_a_persons_seats(dw):
    page = selectors.directory_page(filters=F(q="zsf"))
    assert page.count == 2 and len(page.entries) == 1
    assert {m.level for m in page.entries[0].mandates} == {"county", "township"}


def test_public_deputy_excludes_private_fields(dw):
    deputy = selectors.public_deputy_get(pk=dw.persons["zhang"].pk)
    assert deputy.contacts == {"phone": "13800000001"}
    assert [ms.group.name for ms in deputy.memberships] == ["东风小组"]
    with pytest.raises(NotFound):
        selectors.public_deputy_get(pk=987654)


def staff_names(user, **filters) -> list[str]:
    return [p.name for p in selectors.person_list_for(user=user, filters=F(**filters))]


def test_staff_scope(dw):
    w = dw.w
    assert staff_names(w.users["officer"]) == ["李四", "王五", "张三丰"]
    assert staff_names(w.users["other_officer"]) == ["赵六"]
    assert staff_names(w.users["leader"]) == ["李四", "王五", "张三丰"]
    assert staff_names(dw.users["staff"]) == ["王五"]
    assert staff_names(dw.users["deputy"]) == ["李四"]
    for nobody in ("unit", "sysadmin", "secadmin", "auditor", "nobody"):
        assert staff_names(w.users[nobody]) == []


def test_another_regions_deputy_is_not_found_for_an_officer(dw):
    officer = dw.w.users["officer"]
    with pytest.raises(NotFound):
        selectors.person_get_for(user=officer, pk=dw.persons["zhao"].pk)
    with pytest.raises(NotFound):
        selectors.person_get_for(user=officer, pk=999999)
    with pytest.raises(NotFound):
        selectors.mandate_get_for(user=officer, pk=dw.mandates["zhao"].pk)
    assert selectors.person_get_for(user=officer, pk=dw.persons["li"].pk) == dw.persons["li"]


def test_a_prefecture_deputy_living_in_the_county_is_seen_by_the_county(dw):
    # 钱七 (prefecture mandate) is kept by the prefecture: the county officer does not see them ...
    officer = dw.w.users["officer"]
    assert "钱七" not in staff_names(officer)
    # ... but a person kept by the county is seen before they hold any mandate
    from liaison.deputies import services

    services.person_create(actor=officer, name="候选人", gender="f", region=dw.w.regions["county"])
    assert "候选人" in staff_names(officer)


def test_group_and_household_scope(dw):
    from liaison.deputies import services

    officer, other = dw.w.users["officer"], dw.w.users["other_officer"]
    assert [g.name for g in selectors.group_list_for(user=officer)] == ["东风小组"]
    assert list(selectors.group_list_for(user=other)) == []
    assert [g.name for g in selectors.group_list_for(user=dw.users["deputy"])] == []
    household = services.household_create(actor=None, name="户一", kind="poor", region=dw.w.regions["town"])
    services.household_link(actor=None, household=household, person=dw.persons["wang"])
    assert [h.name for h in selectors.household_list_for(user=dw.users["staff"])] == ["户一"]
    assert [h.name for h in selectors.household_list_for(user=officer)] == ["户一"]
    assert list(selectors.household_list_for(user=other)) == []
    assert list(selectors.household_list_for(user=dw.users["deputy"])) == []


def test_region_filter_includes_the_subtree(dw):
    assert staff_names(dw.w.users["pref_officer"], region=dw.w.regions["town"].pk) == ["王五", "张三丰"]
    assert Mandate.objects.filter(region_path__startswith=dw.w.regions["town"].path).count() == 2
