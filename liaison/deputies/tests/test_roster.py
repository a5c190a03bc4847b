import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from liaison.core.models import AuditLog
from liaison.deputies import roster
from liaison.deputies.models import Delegation, ElectoralDistrict, Mandate, Person

pytestmark = pytest.mark.django_db

HEADER = [
    "姓名",
    "性别",
    "民族",
    "出生年份",
    "电话",
    "人大",
    "届次",
    "选举方式",
    "选区",
    "选举单位",
    "代表团",
    "人员编号",
]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


def good_rows(w):
    county, town, pref = (w.regions[k].code for k in ("county", "town", "pref"))
    return [
        ["陈一", "男", "汉族", 1966, "13600000001", county, 7, "直接", "城关选区", "", "城关代表团", ""],
        ["陈二", "女", "回族", 1977, "", "东风镇人民代表大会", 7, "直接选举", "第二选区", "", "", ""],
        ["陈三", "男", "", 1980, "", pref, 7, "间接", "", county, "", ""],
        ["", "", "", "", "", town, 7, "直接", "第二选区", "", "", "{li}"],
    ]


def test_good_file_imports_everything(client, dw):
    w = dw.w
    rows = good_rows(w)
    rows[3][-1] = dw.persons["li"].pk
    rows[3][0] = "李四"
    client.force_login(w.users["pref_officer"])
    response = client.post(reverse("deputies:import"), {"file": xlsx(rows)})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and report.imported, report.errors
    assert (report.persons_created, report.mandates_created) == (3, 4)
    chen1 = Person.objects.get(name="陈一")
    assert (chen1.gender, chen1.birth_year, chen1.phone, chen1.region) == (
        "m",
        1966,
        "13600000001",
        w.regions["county"],
    )
    m1 = Mandate.objects.get(person=chen1)
    assert m1.district.name == "城关选区" and m1.delegation.name == "城关代表团"
    assert Person.objects.get(name="陈二").ethnicity == "回族"
    m3 = Mandate.objects.get(person__name="陈三")
    assert (m3.congress, m3.electing_congress) == (w.congresses["pref"], w.congresses["county"])
    assert Mandate.objects.filter(person=dw.persons["li"], congress=w.congresses["town"]).exists()
    assert ElectoralDistrict.objects.filter(congress=w.congresses["town"], name="第二选区").count() == 1
    log = AuditLog.objects.get(action="import")
    assert log.after == {"rows": 4, "persons_created": 3, "mandates_created": 4}
    assert (
        AuditLog.objects.filter(model="deputies.Mandate", action="create", actor=w.users["pref_officer"]).count() == 4
    )


def test_bad_file_imports_nothing_and_reports_every_row(client, dw):
    w = dw.w
    rows = good_rows(w)[:3]
    rows += [
        ["陈四", "未知", "", 1980, "", w.regions["county"].code, 7, "直接", "x", "", "", ""],  # gender
        ["陈五", "男", "", 1980, "", "999999", 7, "直接", "x", "", "", ""],  # congress
        ["陈六", "男", "", 1980, "", w.regions["county"].code, 9, "直接", "x", "", "", ""],  # term
        ["陈七", "男", "", 1980, "", w.regions["county"].code, 7, "间接", "", "", "", ""],  # election kind
        ["张三丰", "男", "", 1970, "", w.regions["county"].code, 7, "直接", "x", "", "", ""],  # probable duplicate
        ["陈一", "男", "", 1966, "", w.regions["town"].code, 7, "直接", "x", "", "", ""],  # repeats row 2
        ["赵六", "男", "", "", "", w.regions["county"].code, 7, "直接", "x", "", "", dw.persons["zhao"].pk],  # scope
    ]
    client.force_login(w.users["officer"])
    before = (
        Person.objects.count(),
        Mandate.objects.count(),
        ElectoralDistrict.objects.count(),
        Delegation.objects.count(),
    )
    response = client.post(reverse("deputies:import"), {"file": xlsx(rows)})
    report = response.context["report"]
    assert not report.ok and not report.imported
    by_row = {e.row: e for e in report.errors}
    # row 4 (陈三, a prefecture mandate) is outside a county officer's area
    assert sorted(by_row) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert by_row[5].column == "性别"
    assert by_row[6].column == "人大"
    assert by_row[7].column == "届次"
    assert by_row[8].column == "选举方式"
    assert "人员编号" in by_row[9].message and str(dw.persons["zhang"].pk) in by_row[9].message
    assert "2" in by_row[10].message
    assert by_row[11].column == "人员编号"
    assert "area" in by_row[4].message or "范围" in by_row[4].message or "地区" in by_row[4].message
    after = (
        Person.objects.count(),
        Mandate.objects.count(),
        ElectoralDistrict.objects.count(),
        Delegation.objects.count(),
    )
    assert after == before  # nothing half-imported: not even the districts of the good rows
    assert not AuditLog.objects.filter(action="import").exists()
    body = response.content.decode()
    assert 'id="import-errors"' in body


def test_check_only_keeps_nothing(dw):
    report = roster.roster_import(actor=dw.w.users["pref_officer"], file=xlsx(good_rows(dw.w)[:3]), check_only=True)
    assert report.ok and not report.imported and report.mandates_created == 3
    assert not Person.objects.filter(name__startswith="陈").exists()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"this is not a workbook", "Excel"),
        (None, "姓名"),
    ],
)
def test_unreadable_or_incomplete_files(client, dw, content, message):
    client.force_login(dw.w.users["officer"])
    upload = SimpleUploadedFile("x.xlsx", content) if content else xlsx([["a"]], header=["民族"])
    response = client.post(reverse("deputies:import"), {"file": upload})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("file", []) + response.context["form"].non_field_errors())
    assert message in errors or message.lower() in errors.lower()


def test_template_download(client, dw):
    client.force_login(dw.w.users["officer"])
    response = client.get(reverse("deputies:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in workbook.worksheets[0][1]]
    assert header == [c.title for c in roster.COLUMNS]
    # the template itself, filled in, imports
    sheet = workbook.worksheets[0]
    row = {c.key: "" for c in roster.COLUMNS} | {
        "name": "模板人",
        "gender": "女",
        "congress": dw.w.regions["county"].code,
        "term": 7,
        "election": "直接",
        "district": "第一选区",
    }
    sheet.append([row[c.key] for c in roster.COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    report = roster.roster_import(actor=dw.w.users["officer"], file=SimpleUploadedFile("t.xlsx", out.getvalue()))
    assert report.imported, report.errors


def test_export_of_the_filtered_list(client, dw):
    client.force_login(dw.w.users["officer"])
    response = client.get(reverse("deputies:export"), {"region": dw.w.regions["town"].pk})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("人员编号", "姓名", "性别")
    names = sorted((r[1], r[11]) for r in rows[1:])
    # 张三丰 holds two mandates (county and township): one row each; 王五 one
    assert names == sorted(
        [
            ("张三丰", dw.w.regions["county"].code),
            ("张三丰", dw.w.regions["town"].code),
            ("王五", dw.w.regions["town"].code),
        ]
    )
    assert "赵六" not in {r[1] for r in rows}
    log = AuditLog.objects.get(action="export")
    assert log.after["rows"] == 3 and log.after["filters"] == {"region": str(dw.w.regions["town"].pk)}


def test_export_scoped_for_station_staff(client, dw):
    client.force_login(dw.users["staff"])
    sheet = load_workbook(io.BytesIO(client.get(reverse("deputies:export")).content)).worksheets[0]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["王五"]
