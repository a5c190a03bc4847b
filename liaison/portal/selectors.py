"""Reads for the public home page. Only public data: published duty slots, regions, counts."""

import datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from liaison.regions.models import Region
from liaison.stations.models import DutySlot


def region_children(region: Region | None, *, limit: int = 200) -> list[Region]:
    """The regions one level below `region` (the top of the tree when none), for drilling down."""
    qs = Region.objects.filter(parent=region) if region else Region.objects.filter(parent__isnull=True)
    return list(qs.exclude(level="village").order_by("code")[:limit])


def region_search(text: str, *, limit: int = 20) -> list[Region]:
    text = (text or "").strip()
    if not text:
        return []
    return list(Region.objects.filter(name__contains=text).exclude(level="village").order_by("depth", "code")[:limit])


def upcoming_receptions(*, region: Region | None = None, days: int = 30, limit: int = 12) -> list[DutySlot]:
    """Published reception slots from today on, with their station and deputies (3 queries)."""
    from liaison.deputies.models import Person

    today = timezone.localdate()
    qs = DutySlot.objects.filter(
        published_at__isnull=False,
        date__gte=today,
        date__lte=today + datetime.timedelta(days=days),
        station__is_active=True,
    )
    if region is not None:
        qs = qs.filter(station__region_path__startswith=region.path)
    return list(
        qs.select_related("station", "station__region")
        .prefetch_related(Prefetch("deputies", queryset=Person.objects.only("id", "name")))
        .order_by("date", "start_time", "id")[:limit]
    )


def region_counts(region: Region) -> dict[str, int]:
    from liaison.deputies.models import Mandate
    from liaison.stations.models import Station

    deputies = Mandate.objects.filter(status="serving", region_path__startswith=region.path).aggregate(
        n=Count("person", distinct=True)
    )["n"]
    stations = Station.objects.filter(Q(region_path__startswith=region.path), is_active=True).count()
    return {"deputies": deputies, "stations": stations}
