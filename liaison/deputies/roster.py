"""Import of a deputy roster from an Excel workbook (.xlsx) and export of a deputy list to one.

The layout (the first sheet; the first row holds the column titles, in any order; the Chinese title
or the English key names a column; other columns are ignored):

=================  =========  ======================================================================
title              key        content
=================  =========  ======================================================================
人员编号           person_id  number of a person already recorded (to add a mandate to them); empty
                              for a new person
姓名 *             name       full name
性别 *             gender     男 / 女
民族               ethnicity  default 汉族
出生年份           birth_year four digits, e.g. 1975
政治面貌           party
职业               occupation
工作单位及职务     work_unit
电话               phone
电子邮箱           email
管理地区代码       region     division code of the region that keeps the record; default: the
                              congress's region
人大 *             congress   division code of the congress's region, or the congress's full name
届次 *             term       the term's number, e.g. 7
选举方式 *         election   直接 / 间接 (直接选举 / 间接选举)
选区               district   direct election: the electoral district's name (created when new)
选举单位           electing_congress  indirect election: division code or name of the electing
                              congress (one level below)
代表团             delegation name of the delegation (created when new)
任期开始           start_date YYYY-MM-DD; default: the term's start
=================  =========  ======================================================================

Every row is checked by the same services as a form would be, inside one transaction; if any row
fails, nothing is kept and the report lists every failing row with the reason. The export writes
the same columns (plus status and end date), one row per mandate, so its file is also a template.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core.audit import audit_record
from liaison.core.exceptions import ApplicationError, NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.regions.models import Congress, Region, Term

from .errors import ImportFileInvalid, ProbableDuplicatePerson
from .models import Delegation, ElectoralDistrict, Mandate, Person
from .scoping import person_write_q
from .services import delegation_create, district_create, mandate_create, normalize_phone, person_create

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool
    help: str
    width: int = 14


COLUMNS = [
    Column("person_id", "人员编号", False, gettext_lazy("number of a recorded person; empty for a new person"), 10),
    Column("name", "姓名", True, gettext_lazy("full name"), 10),
    Column("gender", "性别", True, gettext_lazy("男 or 女"), 6),
    Column("ethnicity", "民族", False, gettext_lazy("default 汉族"), 8),
    Column("birth_year", "出生年份", False, gettext_lazy("four digits, e.g. 1975"), 10),
    Column("party", "政治面貌", False, gettext_lazy("e.g. 中共党员, 群众"), 12),
    Column("occupation", "职业", False, "", 12),
    Column("work_unit", "工作单位及职务", False, "", 28),
    Column("phone", "电话", False, "", 14),
    Column("email", "电子邮箱", False, "", 20),
    Column(
        "region",
        "管理地区代码",
        False,
        gettext_lazy("division code of the region keeping the record; default: the congress's region"),
        14,
    ),
    Column("congress", "人大", True, gettext_lazy("division code of the congress's region, or its full name"), 22),
    Column("term", "届次", True, gettext_lazy("term number, e.g. 7"), 6),
    Column("election", "选举方式", True, gettext_lazy("直接 or 间接"), 10),
    Column("district", "选区", False, gettext_lazy("direct election: electoral district (created when new)"), 14),
    Column(
        "electing_congress",
        "选举单位",
        False,
        gettext_lazy("indirect election: division code or name of the electing congress"),
        20,
    ),
    Column("delegation", "代表团", False, gettext_lazy("name of the delegation (created when new)"), 14),
    Column("start_date", "任期开始", False, gettext_lazy("YYYY-MM-DD; default: the term's start"), 12),
]
EXPORT_EXTRA = [Column("status", "状态", False, "", 8), Column("end_date", "任期结束", False, "", 12)]
SHEET_TITLE = "代表名册"
GENDERS = {"男": "m", "女": "f", "m": "m", "f": "f", "male": "m", "female": "f"}
ELECTIONS = {
    "直接": "direct",
    "直接选举": "direct",
    "direct": "direct",
    "间接": "indirect",
    "间接选举": "indirect",
    "indirect": "indirect",
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    persons_created: int = 0
    mandates_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    check_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.ok and not self.check_only and self.rows > 0


# --------------------------------------------------------------------------------------------------
# Reading


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def read_rows(file) -> list[tuple[int, dict[str, str]]]:
    """The data rows of the first sheet as (row number, {key: text}). Raises ImportFileInvalid for a
    file that is not a workbook, too large, without the required columns or without rows."""
    from openpyxl import load_workbook

    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportFileInvalid(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        file.seek(0)
        workbook = load_workbook(io.BytesIO(file.read()), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise ImportFileInvalid(field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ImportFileInvalid(_("The first sheet is empty."), field="file")
        by_name = {c.title: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS}
        keys = [by_name.get(_cell_text(h).rstrip("*＊ ").strip()) for h in header]
        missing = [c.title for c in COLUMNS if c.required and c.key not in keys]
        if missing:
            raise ImportFileInvalid(
                _("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)}, field="file"
            )
        out = []
        for number, values in enumerate(rows, start=2):
            data = {key: _cell_text(value) for key, value in zip(keys, values, strict=False) if key}
            if not any(data.values()):
                continue
            out.append((number, data))
            if len(out) > MAX_ROWS:
                raise ImportFileInvalid(_("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
        if not out:
            raise ImportFileInvalid(_("The file has no rows to import."), field="file")
        return out
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------------
# Importing


def _fail(column: str, message: str):
    raise ValidationFailed(message, field=column)


def _parse_date(text: str, column: str) -> datetime.date | None:
    if not text:
        return None
    text = text[:10].replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        _fail(column, _("Not a date (YYYY-MM-DD): %(value)s") % {"value": text})


def _find_congress(text: str, column: str) -> Congress:
    congress = (
        Congress.objects.select_related("region").filter(region__code=text).first()
        or Congress.objects.select_related("region").filter(name=text).first()
    )
    if congress is None:
        _fail(column, _("No congress with the division code or name %(value)s.") % {"value": text})
    return congress


def _import_row(actor, data: dict[str, str], stats: ImportReport) -> None:
    for c in COLUMNS:
        if c.required and not data.get(c.key) and not (c.key in ("name", "gender") and data.get("person_id")):
            _fail(c.key, _("%(column)s is required.") % {"column": c.title})
    congress = _find_congress(data["congress"], "congress")
    try:
        number = int(data["term"])
    except ValueError:
        _fail("term", _("The term must be a number."))
    term = Term.objects.filter(congress=congress, number=number).first()
    if term is None:
        _fail("term", _("%(congress)s has no term %(number)s.") % {"congress": congress, "number": number})
    election = ELECTIONS.get(data["election"].lower())
    if election is None:
        _fail("election", _("Write 直接 or 间接."))

    if data.get("person_id"):
        pid = data["person_id"]
        candidates = Person.objects.all() if actor is None else Person.objects.filter(person_write_q(actor))
        person = candidates.filter(pk=int(pid)).first() if pid.isdigit() and len(pid) < 12 else None
        if person is None:
            _fail("person_id", _("No person number %(value)s in your area.") % {"value": pid})
        if data.get("name") and data["name"] != person.name:
            _fail(
                "name",
                _("Person number %(id)s is %(name)s, not %(value)s.")
                % {"id": pid, "name": person.name, "value": data["name"]},
            )
    else:
        gender = GENDERS.get(data["gender"].lower())
        if gender is None:
            _fail("gender", _("Write 男 or 女."))
        birth_year = None
        if data.get("birth_year"):
            if not data["birth_year"].isdigit():
                _fail("birth_year", _("The year of birth must be four digits."))
            birth_year = int(data["birth_year"])
        region = congress.region
        if data.get("region"):
            region = Region.objects.filter(code=data["region"]).first()
            if region is None:
                _fail("region", _("No region with the division code %(value)s.") % {"value": data["region"]})
        try:
            person = person_create(
                actor=actor,
                name=data["name"],
                gender=gender,
                region=region,
                ethnicity=data.get("ethnicity") or "汉族",
                birth_year=birth_year,
                party=data.get("party", ""),
                occupation=data.get("occupation", ""),
                work_unit=data.get("work_unit", ""),
                phone=normalize_phone(data.get("phone", "")),
                email=data.get("email", ""),
            )
        except ProbableDuplicatePerson as exc:
            ids = "、".join(str(i) for i in exc.extra.get("candidates", []))
            raise ProbableDuplicatePerson(
                _(
                    "Probably the same person as the recorded person number %(ids)s. To add this mandate to "
                    "that person, put the number in the column 人员编号."
                )
                % {"ids": ids},
                field="name",
            ) from exc
        stats.persons_created += 1

    district = electing = delegation = None
    if election == Mandate.Election.DIRECT and data.get("district"):
        district = ElectoralDistrict.objects.filter(congress=congress, name=data["district"]).first()
        if district is None:
            district = district_create(actor=actor, congress=congress, name=data["district"])
    if election == Mandate.Election.INDIRECT and data.get("electing_congress"):
        electing = _find_congress(data["electing_congress"], "electing_congress")
    if data.get("delegation"):
        delegation = Delegation.objects.filter(congress=congress, name=data["delegation"]).first()
        if delegation is None:
            delegation = delegation_create(actor=actor, congress=congress, name=data["delegation"])
    mandate_create(
        actor=actor,
        person=person,
        congress=congress,
        term=term,
        election=election,
        district=district,
        electing_congress=electing,
        delegation=delegation,
        start_date=_parse_date(data.get("start_date", ""), "start_date"),
    )
    stats.mandates_created += 1


def _row_key(data: dict[str, str]) -> list[tuple]:
    if data.get("person_id"):
        return [("id", data["person_id"], data.get("congress"), data.get("term"))]
    keys = []
    if data.get("birth_year"):
        keys.append(("ngb", data.get("name"), GENDERS.get(data.get("gender", "").lower()), data["birth_year"]))
    if data.get("phone"):
        keys.append(("np", data.get("name"), normalize_phone(data["phone"])))
    return keys


def roster_import(*, actor, file, check_only: bool = False) -> ImportReport:
    """Import a roster (layout in this module's docstring): all rows or none. With `check_only`, every
    row is checked the same way and nothing is kept."""
    rows = read_rows(file)
    report = ImportReport(rows=len(rows), check_only=check_only)
    titles = {c.key: c.title for c in COLUMNS}
    seen: dict[tuple, int] = {}
    with transaction.atomic():
        for number, data in rows:
            repeated = next((seen[k] for k in _row_key(data) if k in seen), None)
            if repeated is not None:
                report.errors.append(
                    RowError(
                        number,
                        titles["name"],
                        _("Row %(row)s of this file already has this person (or this mandate).") % {"row": repeated},
                    )
                )
                continue
            for k in _row_key(data):
                seen[k] = number
            try:
                with transaction.atomic():
                    _import_row(actor, data, report)
            except NotFound as exc:
                column = titles.get(exc.field or "", "") or titles["congress"]
                report.errors.append(
                    RowError(
                        number,
                        column,
                        _("Outside your area: you may import deputies of the congresses of your regions only."),
                    )
                )
            except ApplicationError as exc:
                column = titles.get(exc.field or "", "")
                report.errors.append(RowError(number, column, str(exc.message)))
        if report.errors or check_only:
            transaction.set_rollback(True)
            if report.errors:
                report.persons_created = report.mandates_created = 0
        else:
            audit_record(
                actor=actor,
                action=AuditLog.Action.IMPORT,
                model=Mandate._meta.label,
                object_repr=getattr(file, "name", "roster.xlsx")[:255],
                after={
                    "rows": report.rows,
                    "persons_created": report.persons_created,
                    "mandates_created": report.mandates_created,
                },
            )
    return report


# --------------------------------------------------------------------------------------------------
# Writing


def _workbook_with_header(columns):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([c.title for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="B3202A" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        sheet.column_dimensions[cell.column_letter].width = column.width
    sheet.freeze_panes = "A2"
    return workbook, sheet


def template_workbook() -> bytes:
    """An empty roster with the column titles, lists for gender and election, and a sheet that
    explains each column."""
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook, sheet = _workbook_with_header(COLUMNS)
    letters = {c.key: sheet.cell(row=1, column=i).column_letter for i, c in enumerate(COLUMNS, start=1)}
    for key, options in (("gender", '"男,女"'), ("election", '"直接,间接"')):
        validation = DataValidation(type="list", formula1=options, allow_blank=True)
        validation.add(f"{letters[key]}2:{letters[key]}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    help_sheet = workbook.create_sheet(_("Instructions"))
    help_sheet.append([_("Column"), _("Column key"), _("Required"), _("Content")])
    for c in COLUMNS:
        help_sheet.append([c.title, c.key, _("yes") if c.required else "", str(c.help)])
    help_sheet.append([])
    help_sheet.append([_("Nothing is imported if any row has an error; the report lists every such row.")])
    for letter, width in zip("ABCD", (16, 18, 8, 70), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _mandate_cells(person: Person, mandate: Mandate | None) -> list:
    gender = {"m": "男", "f": "女"}.get(person.gender, "")
    cells = [
        person.pk,
        person.name,
        gender,
        person.ethnicity,
        person.birth_year,
        person.party,
        person.occupation,
        person.work_unit,
        person.phone,
        person.email,
        person.region.code if person.region_id else "",
    ]
    if mandate is None:
        return cells + [""] * (len(COLUMNS) - len(cells)) + ["", ""]
    return cells + [
        mandate.congress.region.code,
        mandate.term.number,
        "直接" if mandate.election == Mandate.Election.DIRECT else "间接",
        mandate.district.name if mandate.district_id else "",
        mandate.electing_congress.region.code if mandate.electing_congress_id else "",
        mandate.delegation.name if mandate.delegation_id else "",
        mandate.start_date,
        mandate.get_status_display(),
        mandate.end_date,
    ]


def export_workbook(persons) -> tuple[bytes, int]:
    """The persons (a queryset of the staff list) as a roster, one row per mandate. Returns the file
    and the number of rows."""
    from django.db.models import Prefetch
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    columns = COLUMNS + EXPORT_EXTRA
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width

    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    mandates = Mandate.objects.select_related(
        "congress__region", "term", "district", "electing_congress__region", "delegation"
    ).order_by("status", "-start_date")
    rows = 0
    persons = (
        persons.select_related("region")
        .prefetch_related(None)
        .prefetch_related(Prefetch("mandates", queryset=mandates))
    )
    for person in persons.iterator(chunk_size=2000):
        person_mandates = list(person.mandates.all())
        for mandate in person_mandates or [None]:
            sheet.append(_mandate_cells(person, mandate))
            rows += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), rows


def roster_export(*, actor, persons, params: dict) -> tuple[bytes, int]:
    """Export a staff list (already scoped and filtered) and record the export in the audit trail."""
    content, rows = export_workbook(persons)
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        model=Person._meta.label,
        object_repr=_("Deputy list"),
        after={"filters": params, "rows": rows},
    )
    return content, rows
