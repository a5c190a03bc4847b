"""Counting rows for a list without counting them all: lists say "5,000+" beyond the cap."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 5000


def capped_count(qs: QuerySet) -> tuple[int, bool]:
    """The number of rows up to COUNT_CAP, and whether there are more."""
    n = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


class CappedPaginator(Paginator):
    """A paginator that counts up to COUNT_CAP rows; `more` tells the page to say "5000+"."""

    @cached_property
    def count(self):
        n, self.more = capped_count(self.object_list)
        return n
