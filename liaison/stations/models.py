from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liaison.core.models import BaseModel


class Station(BaseModel):
    """代表之家 / 代表工作室 / 代表联络站 (003 §77–85); each has an online counterpart: its page and
    its opinion form on this site."""

    class Kind(models.TextChoices):
        HOME = "home", _("deputies' home")
        OFFICE = "office", _("deputies' office")
        POST = "post", _("liaison station")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.POST)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="stations"
    )
    region_path = models.CharField(_("region path"), max_length=255, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    description = models.TextField(_("introduction"), blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["region_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="station_unique_name_in_region"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="station_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="station_longitude_range",
            ),
        ]
        indexes = [
            # A region subtree is a prefix of region_path: LIKE 'prefix%' on PostgreSQL needs the
            # pattern operator class (SQLite ignores it). region_path alone has its own (db_index).
            models.Index(
                fields=["kind", "region_path"],
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                name="station_kind_region_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StationDeputy(BaseModel):
    """进站代表: a deputy assigned to a station."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="assignments"
    )
    person = models.ForeignKey(
        "deputies.Person", verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="station_assignments"
    )
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("station deputy")
        verbose_name_plural = _("station deputies")
        constraints = [models.UniqueConstraint(fields=["station", "person"], name="station_deputy_once")]


class StandardItem(models.Model):
    """One item of the station standard (十有, 003 §80)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=50)
    description = models.CharField(_("what counts as evidence"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title


class StandardEvidence(BaseModel):
    """Evidence (a photo or a document) that a station meets one item of the standard."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(StandardItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/")
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["station", "item__order", "-created_at"]


class DutySlot(BaseModel):
    """接待日 / 驻站排班: deputies on duty at a station on a date and time window, published in advance
    (000 §2)."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    deputies = models.ManyToManyField(
        "deputies.Person", verbose_name=_("deputies"), through="DutyAssignment", related_name="duty_slots"
    )

    class Meta:
        verbose_name = _("duty slot")
        verbose_name_plural = _("duty slots")
        ordering = ["date", "start_time"]
        constraints = [models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="slot_times_in_order")]
        indexes = [models.Index(fields=["station", "date"], name="slot_station_date_idx")]

    def __str__(self) -> str:
        return f"{self.station} {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class DutyAssignment(models.Model):
    """A deputy on a duty slot; date and times are copied from the slot so that "one deputy, two
    places at once" is one indexed query."""

    slot = models.ForeignKey(
        DutySlot, verbose_name=_("duty slot"), on_delete=models.CASCADE, related_name="assignments"
    )
    person = models.ForeignKey(
        "deputies.Person", verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="duty_assignments"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [models.UniqueConstraint(fields=["slot", "person"], name="duty_assignment_once")]
        indexes = [models.Index(fields=["person", "date"], name="duty_person_date_idx")]
