from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liaison.core.models import BaseModel


class Level(models.TextChoices):
    PROVINCE = "province", _("province")
    PREFECTURE = "prefecture", _("prefecture")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


LEVEL_ORDER = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
CONGRESS_LEVELS = LEVEL_ORDER[:4]

# 003 §4: deputies are notified of a session at least 15 days before it opens. A shorter notice is
# recorded and shown as a warning (the performance rule engine measures it); a notice after the
# opening is refused.
SESSION_NOTICE_MIN_DAYS = 15


def path_ids(path: str) -> list[int]:
    """ "/1/5/23/" → [1, 5, 23]: the ids from the root down to the region itself."""
    return [int(part) for part in path.strip("/").split("/") if part]


def path_prefixes(path: str) -> list[str]:
    """ "/1/5/23/" → ["/1/", "/1/5/", "/1/5/23/"]: the paths of the region and all its ancestors."""
    ids = path_ids(path)
    return ["/" + "/".join(map(str, ids[: i + 1])) + "/" for i in range(len(ids))]


class Region(BaseModel):
    """行政区划: a tree from province to village. `path` is the materialized path of ids
    ("/1/5/23/"), so a subtree is one indexed prefix match."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("division code"), max_length=12, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def is_ancestor_of(self, other: "Region") -> bool:
        return other.path.startswith(self.path)


class Congress(BaseModel):
    """人民代表大会: one per region at levels province to township."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="congress")
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    motion_threshold = models.PositiveSmallIntegerField(
        _("co-signers needed for a motion"),
        default=10,
        help_text=_("10 at county level and above (003 §13), 5 at township level."),
    )

    class Meta:
        verbose_name = _("people's congress")
        verbose_name_plural = _("people's congresses")
        ordering = ["region__path"]
        constraints = [
            models.CheckConstraint(condition=Q(motion_threshold__gte=1), name="congress_motion_threshold_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def current_term(self):
        return self.terms.order_by("-number").first()


class Term(BaseModel):
    """届: a congress's term of office."""

    congress = models.ForeignKey(Congress, verbose_name=_("congress"), on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("term number"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["congress", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "number"], name="term_unique_number"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="term_dates_in_order"),
        ]

    def __str__(self) -> str:
        return _("%(congress)s, term %(number)s") % {"congress": self.congress, "number": self.number}


class Session(BaseModel):
    """次会议: a meeting of the congress within a term."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session number"))
    start_date = models.DateField(_("opening date"))
    end_date = models.DateField(_("closing date"))
    notice_date = models.DateField(_("notice sent to deputies"), null=True, blank=True)
    motion_deadline = models.DateTimeField(_("deadline for motions"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["term", "number"]
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="session_unique_number"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="session_dates_in_order"),
            models.CheckConstraint(
                condition=Q(notice_date__isnull=True) | Q(notice_date__lt=F("start_date")),
                name="session_notice_before_opening",
            ),
        ]

    def __str__(self) -> str:
        return _("%(term)s, session %(number)s") % {"term": self.term, "number": self.number}

    @property
    def notice_days(self) -> int | None:
        """Days between the notice to deputies and the opening (003 §4 asks for at least 15)."""
        if self.notice_date is None:
            return None
        return (self.start_date - self.notice_date).days

    @property
    def notice_short(self) -> bool:
        """True when the notice went out later than SESSION_NOTICE_MIN_DAYS before the opening."""
        days = self.notice_days
        return days is not None and days < SESSION_NOTICE_MIN_DAYS


class Organ(BaseModel):
    """常委会 / 主席团 / 专门委员会 / 工作机构 of a congress."""

    class Kind(models.TextChoices):
        STANDING_COMMITTEE = "standing_committee", _("standing committee")
        PRESIDIUM = "presidium", _("presidium")
        SPECIAL_COMMITTEE = "special_committee", _("special committee")
        WORKING_BODY = "working_body", _("working body")

    congress = models.ForeignKey(Congress, verbose_name=_("congress"), on_delete=models.CASCADE, related_name="organs")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("organ")
        verbose_name_plural = _("organs")
        ordering = ["congress", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["congress", "name"], name="organ_unique_name")]

    def __str__(self) -> str:
        return self.name


class HandlingUnit(BaseModel):
    """承办单位: the government, supervision commission, court, procuratorate and their departments."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("people's government")
        DEPARTMENT = "department", _("government department")
        SUPERVISION = "supervision", _("supervision commission")
        COURT = "court", _("court")
        PROCURATORATE = "procuratorate", _("procuratorate")
        OTHER = "other", _("other body")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="departments"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["region__path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name
