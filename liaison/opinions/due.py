"""The label of a reply deadline as it stands today (“3 working days left”, “overdue by 2 working
days”), for the office's pages and the unit's. Rendered here, not by an included template with plural
blocks: on every row of a queue of fifty that cost a fifth of the page."""

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SOON = 3  # working days left from which the label is highlighted


def due_html(*, overdue: bool, days: int, icon: bool = False) -> str:
    """The label's HTML; `icon`: a warning sign before an overdue one (the unit's pages)."""
    if overdue:
        text = (
            ngettext("overdue by %(n)s working day", "overdue by %(n)s working days", days) % {"n": days}
            if days
            else _("overdue")
        )
        if icon:
            return format_html(
                '<span class="text-danger fw-semibold"><i class="bi bi-exclamation-triangle-fill" aria-hidden="true">'
                "</i> {}</span>",
                text,
            )
        return format_html('<span class="text-danger fw-semibold">{}</span>', text)
    if days:
        css = "text-warning-emphasis fw-semibold" if days <= SOON else "text-muted"
        text = ngettext("%(n)s working day left", "%(n)s working days left", days) % {"n": days}
        return format_html('<span class="{}">{}</span>', css, text)
    return format_html('<span class="text-warning-emphasis fw-semibold">{}</span>', _("due today"))
