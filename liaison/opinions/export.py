"""The triage queue as an .xlsx workbook: the rows of the current filtered list (already scoped by the
selector), contact data masked as on screen, at most EXPORT_MAX rows; every export is audited."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liaison.core.audit import audit_record
from liaison.core.models import AuditLog

from .models import Opinion
from .selectors import contact_masked

EXPORT_MAX = 10_000


def _columns():
    return [
        (_("Tracking code"), 14),
        (_("Received"), 12),
        (_("Subject"), 30),
        (_("Text"), 60),
        (_("Region"), 14),
        (_("Category"), 12),
        (_("Level"), 10),
        (_("Status"), 12),
        (_("Channel"), 14),
        (_("Station"), 20),
        (_("Reply due"), 12),
        (pgettext("person", "Name"), 10),
        (_("Phone"), 14),
        (_("E-mail"), 20),
        (_("Satisfaction"), 12),
    ]


def _row(o: Opinion) -> list:
    contact = contact_masked(o)
    return [
        o.tracking_code,
        o.received_on,
        o.title,
        o.text,
        o.region.name,
        o.category.name if o.category_id else "",
        o.get_level_display() if o.level else "",
        o.get_status_display(),
        o.get_channel_display(),
        o.station.name if o.station_id else "",
        o.due_date,
        contact["name"],
        contact["phone"],
        contact["email"],
        o.get_satisfaction_display() if o.satisfaction else "",
    ]


def workbook(opinions) -> tuple[bytes, int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Opinions"))
    columns = _columns()
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for title, _width in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    rows = 0
    for opinion in opinions[:EXPORT_MAX].iterator(chunk_size=1000):
        sheet.append(_row(opinion))
        rows += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def opinions_export(*, actor, opinions, params: dict) -> tuple[bytes, int]:
    """Export a staff list (already scoped and filtered) and record the export in the audit trail."""
    content, rows = workbook(opinions)
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        model=Opinion._meta.label,
        object_repr=_("Opinion list"),
        after={"filters": params, "rows": rows},
    )
    return content, rows
