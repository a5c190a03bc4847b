"""Handling reports of suggestions and motions (`/work/proposals/reports/`): the figures per handling
unit and per assigning organ for a period, on screen (a table that prints), as an .xlsx workbook with
the same columns, and as the handling report to the Standing Committee (003 §26) in .docx. A unit's
link opens the items behind its row.

Who: liaison officers and leadership (their region subtrees), handling-unit staff (their own unit's
row only). The figures come from `reports.handling_report`; views parse the period and render.
A bad period (dates out of order, an unknown session, a region outside the user's area) comes back
as the page with the form's errors (400), for the page and the files alike."""

import datetime
import io
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from liaison.accounts.rules import is_leadership, is_liaison_officer, is_unit_staff
from liaison.accounts.scope import scope_for
from liaison.core.audit import audit_record
from liaison.core.html import region_options
from liaison.core.models import AuditLog
from liaison.deputies.public_views import page_number
from liaison.regions.models import Region

from . import reports
from .models import Motion, Suggestion

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_SIZE = 50
SESSION_CHOICES_MAX = 300
can_view = is_liaison_officer | is_leadership | is_unit_staff


# --- the columns: the page, the workbook and the document show the same ones ------------------------


@dataclass(frozen=True)
class Column:
    key: str  # an attribute of reports.Figures
    title: object
    group: object
    rate: bool = False


COLUMNS = [
    Column("assigned_lead", gettext_lazy("as lead unit"), pgettext_lazy("report columns", "Assigned")),
    Column("assigned_co", gettext_lazy("as co-unit"), pgettext_lazy("report columns", "Assigned")),
    Column("answered", gettext_lazy("answered"), pgettext_lazy("report columns", "Replies")),
    Column("on_time", gettext_lazy("on time"), pgettext_lazy("report columns", "Replies")),
    Column("on_time_rate", gettext_lazy("on-time rate"), pgettext_lazy("report columns", "Replies"), rate=True),
    Column("overdue", gettext_lazy("overdue now"), pgettext_lazy("report columns", "Replies")),
    Column("extensions_asked", gettext_lazy("asked"), pgettext_lazy("report columns", "Extensions")),
    Column(
        "extensions_approved", pgettext_lazy("extensions", "approved"), pgettext_lazy("report columns", "Extensions")
    ),
    Column("class_a", gettext_lazy("A"), pgettext_lazy("report columns", "Class of the reply")),
    Column("share_a", gettext_lazy("A share"), pgettext_lazy("report columns", "Class of the reply"), rate=True),
    Column("class_b", gettext_lazy("B"), pgettext_lazy("report columns", "Class of the reply")),
    Column("share_b", gettext_lazy("B share"), pgettext_lazy("report columns", "Class of the reply"), rate=True),
    Column("class_c", gettext_lazy("C"), pgettext_lazy("report columns", "Class of the reply")),
    Column("share_c", gettext_lazy("C share"), pgettext_lazy("report columns", "Class of the reply"), rate=True),
    Column(
        "open_commitments", gettext_lazy("B commitments open"), pgettext_lazy("report columns", "Class of the reply")
    ),
    Column("satisfied", pgettext_lazy("ratings", "satisfied"), pgettext_lazy("report columns", "Deputies' ratings")),
    Column(
        "basically",
        pgettext_lazy("ratings", "basically satisfied"),
        pgettext_lazy("report columns", "Deputies' ratings"),
    ),
    Column(
        "dissatisfied", pgettext_lazy("ratings", "dissatisfied"), pgettext_lazy("report columns", "Deputies' ratings")
    ),
    Column(
        "satisfaction_rate",
        gettext_lazy("satisfaction rate"),
        pgettext_lazy("report columns", "Deputies' ratings"),
        rate=True,
    ),
    Column("rehandled", gettext_lazy("handled again"), pgettext_lazy("report columns", "Re-handling")),
]


SUGGESTION_ONLY = {"satisfied", "basically", "dissatisfied", "satisfaction_rate", "rehandled"}


def columns_for(kind: str) -> list[Column]:
    """The columns of a report: motions are neither rated by the deputies nor handled again."""
    return COLUMNS if kind == "suggestion" else [c for c in COLUMNS if c.key not in SUGGESTION_ONLY]


def column_groups(columns: list[Column]) -> list[tuple[object, int]]:
    groups: list[tuple[object, int]] = []
    for c in columns:
        if groups and str(groups[-1][0]) == str(c.group):
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((c.group, 1))
    return groups


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def tbody(rows: list[reports.Row], columns: list[Column], *, unit_link: str = "") -> str:
    """The table's rows as HTML, built in one pass (a province's report has thousands of rows: a
    template loop over their cells costs more than the query). Names are escaped; the figures are
    numbers. `unit_link`: the query string of a unit's page, to link each unit to the items behind
    its row."""
    base = reverse("proposal_reports:unit", args=[0])[: -len("0/")] if unit_link else ""
    parts = []
    for row in rows:
        name = escape(row.name)
        if unit_link and row.key is not None:
            name = f'<a href="{base}{int(row.key)}/?{escape(unit_link)}">{name}</a>'
        place = f'<br><span class="text-muted">{escape(row.place)}</span>' if row.place else ""
        values = "".join(f'<td class="text-end">{v}</td>' for v in cells(row.figures, columns))
        parts.append(f'<tr><th scope="row" class="fw-normal">{name}{place}</th>{values}</tr>')
    return mark_safe("".join(parts))


def cells(figures: reports.Figures, columns: list[Column]) -> list[str]:
    """The row's figures as the page shows them."""
    out = []
    for c in columns:
        value = getattr(figures, c.key)
        out.append(percent(value) if c.rate else str(value))
    return out


# --- the period form ------------------------------------------------------------------------------------


KIND_CHOICES = [("suggestion", gettext_lazy("Suggestions")), ("motion", gettext_lazy("Motions"))]
PRESET_CHOICES = [
    ("this_year", gettext_lazy("this year")),
    ("last_year", gettext_lazy("last year")),
    ("session", gettext_lazy("a session")),
    ("custom", gettext_lazy("dates")),
]
MIN_DATE, MAX_DATE = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    """The period and the slice of the report. Empty: suggestions assigned this year. Dates alone mean
    a period of dates; a session alone, that session's period."""

    kind = forms.ChoiceField(label=gettext_lazy("Items"), choices=KIND_CHOICES, required=False)
    preset = forms.ChoiceField(label=gettext_lazy("Period"), choices=PRESET_CHOICES, required=False)
    session = forms.IntegerField(label=gettext_lazy("Session"), required=False, min_value=1)
    date_from = forms.DateField(label=gettext_lazy("Assigned from"), required=False, widget=_date_input())
    date_to = forms.DateField(label=gettext_lazy("Assigned until"), required=False, widget=_date_input())
    region = forms.IntegerField(label=gettext_lazy("Region"), required=False, min_value=1)

    def __init__(self, data, *, user, today: datetime.date | None = None):
        super().__init__(data)
        self.user = user
        self.today = today or timezone.localdate()
        self.period: reports.Period | None = None
        self.region_path = ""

    def _clean_date(self, name: str) -> datetime.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            self.add_error(name, _("Enter a date between 2000 and 2100."))
            return None
        return value

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or "suggestion"
        date_from, date_to = self._clean_date("date_from"), self._clean_date("date_to")
        preset = data.get("preset") or ""
        if not preset:
            if "date_from" in self.data or "date_to" in self.data:
                preset = "custom" if (self.data.get("date_from") or self.data.get("date_to")) else "this_year"
            elif self.data.get("session"):
                preset = "session"
            else:
                preset = "this_year"
        data["preset"] = preset
        if self.errors:
            return data
        if preset == "this_year":
            self.period = reports.period_of_year(self.today.year)
        elif preset == "last_year":
            self.period = reports.period_of_year(self.today.year - 1)
        elif preset == "session":
            self.period = self._session_period(data.get("session"))
        else:
            self.period = self._dates_period(date_from, date_to)
        self.region_path = self._region_path(data.get("region"))
        return data

    def _session_period(self, session_id) -> reports.Period | None:
        if not session_id:
            self.add_error("session", _("Choose a session."))
            return None
        session = reports.sessions_for(self.user).filter(pk=session_id).first()
        if session is None:
            self.add_error("session", _("Unknown session: choose one from the list."))
            return None
        return reports.period_of_session(session, today=self.today)

    def _dates_period(self, date_from, date_to) -> reports.Period | None:
        if date_from is None or date_to is None:
            if date_from is None:
                self.add_error("date_from", _("Enter the first day of the period."))
            if date_to is None:
                self.add_error("date_to", _("Enter the last day of the period."))
            return None
        if date_from > date_to:
            self.add_error("date_to", _("The period ends before it starts: put the dates in order."))
            return None
        return reports.Period(date_from, date_to)

    def _region_path(self, region_id) -> str:
        if not region_id:
            return ""
        path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
        if path is None or not scope_for(self.user).covers_path(path):
            self.add_error("region", _("Choose a region of your area from the list."))
            return ""
        return path

    def params(self) -> dict:
        """The report's parameters as they go into links (exports, a unit's page)."""
        data, period = self.cleaned_data, self.period
        params = {"kind": data["kind"]}
        if data["preset"] == "session":
            params |= {"preset": "session", "session": data["session"]}
        elif data["preset"] in ("this_year", "last_year"):
            params["preset"] = data["preset"]
        else:
            params |= {
                "preset": "custom",
                "date_from": period.date_from.isoformat(),
                "date_to": period.date_to.isoformat(),
            }
        if data.get("region") and self.region_path:
            params["region"] = data["region"]
        return params


def _enter(request) -> None:
    if not can_view(request.user):
        raise PermissionDenied


def _form(request) -> ReportForm:
    _enter(request)
    return ReportForm(request.GET, user=request.user)


def _choices(request, form: ReportForm) -> dict:
    sessions = list(reports.sessions_for(request.user)[:SESSION_CHOICES_MAX])
    selected_region = form.cleaned_data.get("region") if form.is_bound and hasattr(form, "cleaned_data") else None
    return {
        "sessions": sessions,
        "region_options": region_options(reports.regions_for(request.user), selected_region),
        "kind_choices": KIND_CHOICES,
        "preset_choices": PRESET_CHOICES,
    }


def _invalid(request, form: ReportForm):
    context = {"form": form, **_choices(request, form), "f": _raw(request)}
    return render(request, "proposals/reports/index.html", context, status=400)


def _raw(request) -> dict:
    """The filter values as typed, to show them again."""
    g = request.GET
    return {k: (g.get(k) or "").strip()[:20] for k in ("kind", "preset", "session", "date_from", "date_to", "region")}


def _groupings(user, kind: str) -> tuple[str, ...]:
    """Per unit, and per assigning organ for an office's suggestions."""
    return ("unit", "organ") if kind == "suggestion" and scope_for(user).region_paths else ("unit",)


# --- the page ----------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    kind, period = form.cleaned_data["kind"], form.period
    made = reports.handling_reports(
        user=request.user, period=period, kind=kind, bys=_groupings(request.user, kind), region_path=form.region_path
    )
    units, organs = made["unit"], made.get("organ")
    params = form.params()
    query = urlencode(params)
    columns = columns_for(kind)
    context = {
        "form": form,
        **_choices(request, form),
        "f": {
            **_raw(request),
            "kind": kind,
            "preset": form.cleaned_data["preset"],
            "date_from": period.date_from.isoformat(),
            "date_to": period.date_to.isoformat(),
            "session": str(period.session.pk) if period.session else "",
        },
        "period": period,
        "kind": kind,
        "items": reports.KINDS[kind],
        "columns": columns,
        "groups": column_groups(columns),
        "units": units.rows,
        "unit_body": tbody(units.rows, columns, unit_link=query),
        "unit_totals": cells(units.totals, columns),
        "organs": organs.rows if organs else None,
        "organ_body": tbody(organs.rows, columns) if organs else "",
        "organ_totals": cells(organs.totals, columns) if organs else None,
        "query_string": query,
    }
    return render(request, "proposals/reports/index.html", context)


# --- one unit: the items behind its row -------------------------------------------------------------


def item_url(kind: str, pk: int, *, unit_staff: bool) -> str:
    """The item's page: in the suggestions (or motions) workspace, or for a unit's staff, their
    assignment of it."""
    if unit_staff:
        return reverse("proposal_units:suggestion" if kind == "suggestion" else "proposal_units:motion", args=[pk])
    return reverse("proposals:detail" if kind == "suggestion" else "motions:detail", args=[pk])


@login_required
@require_GET
def unit(request, pk: int):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    kind, period = form.cleaned_data["kind"], form.period
    handling_unit = reports.unit_visible(user=request.user, unit_id=pk, kind=kind)
    if handling_unit is None:
        raise Http404()
    report = reports.handling_report(
        user=request.user, period=period, kind=kind, region_path=form.region_path, unit_id=handling_unit.pk
    )
    items = reports.unit_items(
        user=request.user, kind=kind, period=period, unit_id=handling_unit.pk, region_path=form.region_path
    )
    paginator = Paginator(items, PAGE_SIZE)
    page = paginator.get_page(page_number(request.GET.get("page")))
    today = timezone.localdate()
    unit_staff = not scope_for(request.user).region_paths
    rows = []
    for a in page.object_list:
        item = a.suggestion if kind == "suggestion" else a.motion
        replied_on = timezone.localdate(a.replied_at) if a.replied_at else None
        rows.append(
            {
                "a": a,
                "item": item,
                "url": item_url(kind, item.pk, unit_staff=unit_staff),
                "replied_on": replied_on,
                "on_time": replied_on <= a.deadline if replied_on else None,
                "overdue": a.status in reports.LIVE and a.deadline < today,
            }
        )
    context = {
        "unit": handling_unit,
        "period": period,
        "kind": kind,
        "items": reports.KINDS[kind],
        "columns": columns_for(kind),
        "groups": column_groups(columns_for(kind)),
        "figures": cells(report.totals, columns_for(kind)),
        "rows": rows,
        "page": page,
        "query_string": urlencode(form.params()),
    }
    return render(request, "proposals/reports/unit.html", context)


# --- files ---------------------------------------------------------------------------------------------


def _names(kind: str, document: bool) -> tuple[str, str]:
    """(file name in the user's language, ASCII file name) without the period."""
    if document:
        english = "suggestion-handling-report" if kind == "suggestion" else "motion-handling-report"
        local = (
            _("Report on the handling of suggestions")
            if kind == "suggestion"
            else _("Report on the handling of motions")
        )
    else:
        english = "suggestion-handling" if kind == "suggestion" else "motion-handling"
        local = _("Handling of suggestions") if kind == "suggestion" else _("Handling of motions")
    return local, english


def _attachment(content: bytes, content_type: str, *, local: str, ascii_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(local)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _audit(request, *, kind: str, period: reports.Period, fmt: str, params: dict, rows: int) -> None:
    audit_record(
        actor=request.user,
        action=AuditLog.Action.EXPORT,
        model=(Suggestion if kind == "suggestion" else Motion)._meta.label,
        object_repr=_("Handling report"),
        after={"format": fmt, "filters": params, "rows": rows, "period": [str(period.date_from), str(period.date_to)]},
    )


def _title(kind: str, period: reports.Period) -> str:
    if kind == "suggestion":
        return _("Handling of deputies' suggestions, %(period)s") % {"period": period.label}
    return _("Handling of motions, %(period)s") % {"period": period.label}


def workbook(reports_by: list[tuple[str, reports.HandlingReport]], *, title: str, kind: str) -> bytes:
    """One sheet per grouping: the title with the period, two header rows (group, column), a row per
    unit or organ and the totals. Rates are numbers formatted as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    columns = columns_for(kind)
    for by, report in reports_by:
        sheet = book.create_sheet(_("By unit") if by == "unit" else _("By organ"))
        first = [_("Handling unit"), _("Region")] if by == "unit" else [_("Assigning organ"), _("Congress")]
        width = len(first) + len(columns)
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = Alignment(horizontal="center")
        groups = ["", ""]
        for group, span in column_groups(columns):
            groups += [str(group)] + [""] * (span - 1)
        sheet.append(groups)
        col = len(first) + 1
        for _group, span in column_groups(columns):
            if span > 1:
                sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + span - 1)
            col += span
        sheet.append(first + [str(c.title) for c in columns])
        for row in (2, 3):
            for cell in sheet[row]:
                cell.font = bold
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

        def values(figures):
            return [getattr(figures, c.key) for c in columns]

        for row in report.rows:
            sheet.append([row.name, row.place, *values(row.figures)])
        sheet.append([_("Total"), "", *values(report.totals)])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for index, c in enumerate(columns, start=len(first) + 1):
            if c.rate:
                for (cell,) in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 16
        for index in range(len(first) + 1, width + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 9
        sheet.freeze_panes = "C4"
        sheet.print_title_rows = "1:3"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@login_required
@require_GET
def export_xlsx(request):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    kind, period = form.cleaned_data["kind"], form.period
    made = list(
        reports.handling_reports(
            user=request.user,
            period=period,
            kind=kind,
            bys=_groupings(request.user, kind),
            region_path=form.region_path,
        ).items()
    )
    content = workbook(made, title=_title(kind, period), kind=kind)
    params = form.params()
    _audit(request, kind=kind, period=period, fmt="xlsx", params=params, rows=sum(len(r.rows) for _b, r in made))
    local, english = _names(kind, document=False)
    return _attachment(content, XLSX, local=f"{local}_{period.slug}.xlsx", ascii_name=f"{english}-{period.slug}.xlsx")


# --- the report to the Standing Committee (003 §26) -------------------------------------------------------


DOC_COLUMNS = [
    "assigned_lead",
    "assigned_co",
    "answered",
    "on_time",
    "overdue",
    "class_a",
    "class_b",
    "class_c",
    "satisfaction_rate",
    "rehandled",
]


def _summary(kind: str, period: reports.Period, t: reports.Figures, units: int) -> list[str]:
    paragraphs = [
        _(
            "%(items)s assigned in the period %(period)s: %(lead)s, to %(units)s handling units; co-units "
            "received %(co)s assignments besides."
        )
        % {
            "period": period.label,
            "lead": t.assigned_lead,
            "items": capfirst(reports.KINDS[kind]),
            "units": units,
            "co": t.assigned_co,
        },
        _(
            "Answered: %(answered)s (%(answered_rate)s of those assigned); by the deadline: %(on_time)s "
            "(%(on_time_rate)s of the answered); past the deadline without a reply: %(overdue)s. Requests for "
            "more time: %(asked)s, approved: %(approved)s."
        )
        % {
            "answered": t.answered,
            "answered_rate": percent(t.answered_rate),
            "on_time": t.on_time,
            "on_time_rate": percent(t.on_time_rate),
            "overdue": t.overdue,
            "asked": t.extensions_asked,
            "approved": t.extensions_approved,
        },
        _(
            "Class of the replies: A (solved or adopted) %(a)s, %(a_share)s; B (being solved or planned) %(b)s, "
            "%(b_share)s; C (cannot be solved for now) %(c)s, %(c_share)s. Commitments of class B replies not "
            "yet fulfilled: %(open)s."
        )
        % {
            "a": t.class_a,
            "a_share": percent(t.share_a),
            "b": t.class_b,
            "b_share": percent(t.share_b),
            "c": t.class_c,
            "c_share": percent(t.share_c),
            "open": t.open_commitments,
        },
    ]
    if kind != "suggestion":  # motions are not rated by the deputies nor handled again
        return paragraphs
    if t.rated:
        paragraphs.append(
            _(
                "Ratings by the deputies: %(rated)s — %(satisfied)s satisfied, %(basically)s basically satisfied, "
                "%(dissatisfied)s dissatisfied; satisfaction rate %(rate)s. Sent back to be handled again: "
                "%(rehandled)s."
            )
            % {
                "rated": t.rated,
                "satisfied": t.satisfied,
                "basically": t.basically,
                "dissatisfied": t.dissatisfied,
                "rate": percent(t.satisfaction_rate),
                "rehandled": t.rehandled,
            }
        )
    else:
        paragraphs.append(
            _("No reply has been rated by the deputies yet. Sent back to be handled again: %(rehandled)s.")
            % {"rehandled": t.rehandled}
        )
    return paragraphs


def _heading(number: int, title: str) -> str:
    """A numbered section heading: 一、… in Chinese, 1. … in English."""
    numerals = pgettext("heading numerals", "1,2,3,4,5,6,7,8,9").split(",")
    return pgettext("heading", "%(n)s. %(title)s") % {"n": numerals[number - 1], "title": title}


def _date(value: datetime.date | None) -> str:
    from django.utils.formats import date_format

    return date_format(value, "DATE_FORMAT") if value else "—"


def _doc_fonts(document) -> None:
    """A Chinese body font on every office PC (宋体 for the text, 黑体 for the headings)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name, east_asian, size in (("Normal", "宋体", 12), ("Title", "黑体", 20), ("Heading 1", "黑体", 15)):
        style = document.styles[name]
        style.font.name = "Times New Roman"
        style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asian)


def _table(document, header: list[str], rows: list[list[str]], *, bold_last: bool = False):
    """A grid table made at its full size at once, its cells' runs written as XML (python-docx's cell
    and run objects cost a millisecond a cell; a province's report has thousands)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = "Table Grid"
    for index, (tr, values) in enumerate(zip(table._tbl.tr_lst, [header, *rows], strict=True)):
        bold = index == 0 or (bold_last and index == len(rows))
        for tc, text in zip(tr.tc_lst, values, strict=True):
            run = OxmlElement("w:r")
            if bold:
                props = OxmlElement("w:rPr")
                props.append(OxmlElement("w:b"))
                run.append(props)
            t = OxmlElement("w:t")
            t.text = str(text)
            t.set(qn("xml:space"), "preserve")
            run.append(t)
            tc.p_lst[0].append(run)
    return table


def _item_label(item) -> str:
    return f"{item.label}　{item.title}"


def standing_committee_report(*, user, kind: str, period: reports.Period, region_path: str = "") -> tuple[bytes, int]:
    """The handling report (003 §26) as a .docx: title, period, the summary with the totals, key
    supervision (suggestions), the table per unit, the overdue and the re-handled items. Returns the
    file and the number of unit rows."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    units = reports.handling_report(user=user, period=period, kind=kind, region_path=region_path)
    t = units.totals
    document = Document()
    _doc_fonts(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width

    heading = document.add_heading(
        _("Report on the handling of deputies' suggestions")
        if kind == "suggestion"
        else _("Report on the handling of motions"),
        level=0,
    )
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(_("Period: %(period)s (by date of assignment)") % {"period": period.label})
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    stamp = document.add_paragraph(_("Made on %(date)s") % {"date": _date(timezone.localdate())})
    stamp.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(_heading(1, _("Overall")), level=1)
    for text in _summary(kind, period, t, len(units.rows)):
        document.add_paragraph(text)

    if kind == "suggestion":
        document.add_heading(_heading(2, _("Key supervision")), level=1)
        key_query = reports.key_supervision_items(user=user, period=period, region_path=region_path)
        finished = Q(status__in=[Suggestion.Status.EVALUATED, Suggestion.Status.CLOSED])
        counts = key_query.order_by().aggregate(n=Count("id"), done=Count("id", filter=finished))
        key_count, done = counts["n"], counts["done"]
        if key_count:
            key_items = reports.fetch(key_query[: reports.LIST_CAP])
            document.add_paragraph(
                _("Chosen for key supervision (003 §27): %(n)s; answered and rated: %(done)s.")
                % {"n": key_count, "done": done}
            )
            _table(
                document,
                [_("Suggestion"), _("Lead unit"), _("Followed by"), _("Status"), _("Class")],
                [
                    [
                        _item_label(s),
                        s.lead_unit or "—",
                        s.supervising_organ.name if s.supervising_organ_id else "—",
                        s.get_status_display(),
                        s.answer_class or "—",
                    ]
                    for s in key_items
                ],
            )
            if key_count > reports.LIST_CAP:
                document.add_paragraph(
                    _("Only the first %(n)s are listed; the workspace shows them all.") % {"n": reports.LIST_CAP}
                )
        else:
            document.add_paragraph(_("No suggestion of the period is under key supervision."))

    number = 3 if kind == "suggestion" else 2
    document.add_heading(_heading(number, _("Handling by unit")), level=1)
    columns = [c for c in columns_for(kind) if c.key in DOC_COLUMNS]
    header = [_("Handling unit")] + [
        f"{c.group}：{c.title}" if c.key != "satisfaction_rate" else str(c.title) for c in columns
    ]

    def values(figures):
        out = []
        for c in columns:
            value = getattr(figures, c.key)
            out.append(percent(value) if c.rate else str(value))
        return out

    body = [[row.name, *values(row.figures)] for row in units.rows] + [[_("Total"), *values(t)]]
    _table(document, header, body, bold_last=True)

    lists = [(_heading(number + 1, _("Overdue without a reply")), "overdue")]
    if kind == "suggestion":
        lists.append((_heading(number + 2, _("Handled again after a dissatisfied rating")), "rehandled"))
    for title, which in lists:
        document.add_heading(title, level=1)
        if which == "overdue":
            found = reports.overdue_items(user=user, kind=kind, period=period, region_path=region_path)
        else:
            found = reports.rehandled_items(user=user, kind=kind, period=period, region_path=region_path)
        found = reports.fetch(found[: reports.LIST_CAP + 1])
        if not found:
            document.add_paragraph(_("None."))
            continue
        rows = []
        for a in found[: reports.LIST_CAP]:
            item = a.suggestion if kind == "suggestion" else a.motion
            rows.append(
                [_item_label(item), a.unit.name, _date(a.assigned_on), _date(a.deadline), a.get_status_display()]
            )
        _table(document, [_("Item"), _("Lead unit"), _("Assigned"), _("Deadline"), _("Status")], rows)
        if len(found) > reports.LIST_CAP:
            document.add_paragraph(
                _("Only the first %(n)s are listed; the workspace shows them all.") % {"n": reports.LIST_CAP}
            )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), len(units.rows)


@login_required
@require_GET
def export_docx(request):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    kind, period = form.cleaned_data["kind"], form.period
    content, rows = standing_committee_report(user=request.user, kind=kind, period=period, region_path=form.region_path)
    _audit(request, kind=kind, period=period, fmt="docx", params=form.params(), rows=rows)
    local, english = _names(kind, document=True)
    return _attachment(content, DOCX, local=f"{local}_{period.slug}.docx", ascii_name=f"{english}-{period.slug}.docx")
