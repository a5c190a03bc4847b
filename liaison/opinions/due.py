"""The label of a reply deadline as it stands today (“3 working days left”, “overdue by 2 working
days”), for the office's pages and the unit's. Rendered here, not by an included template with plural
blocks: on every row of a queue of fifty that cost a fifth of the page."""

import datetime
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.core import deadlines

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


@dataclass(frozen=True)
class Due:
    """How a reply deadline stands today, in working days on the official calendar; in a template,
    `{{ due }}` shows its label."""

    days: int
    overdue: bool
    icon: bool = False

    def __html__(self) -> str:
        return due_html(overdue=self.overdue, days=self.days, icon=self.icon)

    __str__ = __html__


def due_at(deadline: datetime.date | None, today: datetime.date, *, icon: bool = False) -> Due | None:
    """Where a reply deadline stands today (None without one)."""
    if deadline is None:
        return None
    if deadline < today:
        return Due(deadlines.working_days_between(deadline, today), True, icon)
    return Due(deadlines.working_days_between(today, deadline), False, icon)
