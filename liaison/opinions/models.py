"""群众意见: an opinion from a citizen, from collection to a published result (000 §6, 002 §4–5,
003 §83; DESIGN §4). The state machine lives in `workflow.py`; only `services.py` changes a state."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liaison.core.crypto import EncryptedTextField
from liaison.core.models import BaseModel
from liaison.regions.models import Level


class Category(BaseModel):
    """意见类别. Rows without a region are the default list every locality sees; a region may add its
    own, which its subtree sees as well."""

    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(_("code"), max_length=40)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: part of the default list for every region."),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("opinion category")
        verbose_name_plural = _("opinion categories")
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="category_unique_code_in_region"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(region__isnull=True), name="category_unique_default_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Opinion(BaseModel):
    """群众意见建议. `region` is where the matter is; `queue_region` is the congress whose liaison
    office handles it now (it moves up on escalation, 002 §5(4)). Contact fields are encrypted and
    looked up through blind indexes; the tracking code is the citizen's only handle."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        ANSWERED_ON_SPOT = "answered_on_spot", _("answered on the spot")
        ASSIGNED = "assigned", _("assigned")
        ESCALATED = "escalated", _("escalated")
        CONVERTED = "converted", _("converted to a suggestion")
        REDIRECTED = "redirected", _("redirected")
        MERGED = "merged", _("merged")
        REPLIED = "replied", _("replied")
        FED_BACK = "fed_back", _("fed back")
        CLOSED = "closed", _("closed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        STATION_ONLINE = "station_online", _("station's online page")
        VISIT = "visit", _("visit to a station")
        PHONE = "phone", _("phone call")
        LETTER = "letter", _("letter")
        GROUP_ACTIVITY = "group_activity", _("group activity")
        INSPECTION = "inspection", _("inspection")
        API = "api", _("other system")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASICALLY = "basically", _("basically satisfied")
        DISSATISFIED = "dissatisfied", _("dissatisfied")

    class NotifyBy(models.TextChoices):
        NONE = "none", _("tracking page only")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class RedirectTarget(models.TextChoices):
        PETITION = "petition", _("petition office (信访)")
        COURT = "court", _("court")
        OTHER = "other", _("other competent body")

    # Opinions still waiting for someone (workflow.OPEN_STATES is this set): the triage queue and the
    # deadline machinery look at these.
    OPEN_STATUSES = ("accepted", "assigned", "escalated", "fed_back", "replied", "submitted")

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # Computed by the database from the status: the queue's indexes hold only the open opinions
    # (about 2 % of them after five years), and a query names them by this column, which both
    # databases match to a partial index (SQLite does not match a list of bound statuses).
    still_open = models.GeneratedField(
        expression=models.ExpressionWrapper(Q(status__in=OPEN_STATUSES), output_field=models.BooleanField()),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("still open"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    version = models.PositiveIntegerField(_("version"), default=1)

    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    queue_region = models.ForeignKey(
        "regions.Region", verbose_name=_("handled by (region)"), on_delete=models.PROTECT, related_name="+"
    )
    queue_path = models.CharField(_("queue path"), max_length=255, editable=False)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)

    title = models.CharField(_("subject"), max_length=120)
    text = models.TextField(_("text"))
    location = models.CharField(_("place concerned"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    submitter_name = EncryptedTextField(_("name"), blank=True)
    submitter_phone = EncryptedTextField(_("phone"), blank=True)
    submitter_email = EncryptedTextField(_("e-mail"), blank=True)
    submitter_address = EncryptedTextField(_("address"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    notify_by = models.CharField(_("notify by"), max_length=8, choices=NotifyBy.choices, default=NotifyBy.NONE)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    contact_purged_at = models.DateTimeField(_("contact data purged"), null=True, blank=True)
    submitter_secret = models.CharField(max_length=64, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    received_by = models.ForeignKey(
        "deputies.Person",
        verbose_name=_("received by (deputy)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_opinions",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))

    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    redirect_target = models.CharField(_("redirected to"), max_length=12, choices=RedirectTarget.choices, blank=True)
    answer = models.TextField(_("answer to the citizen"), blank=True)
    due_date = models.DateField(_("reply due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)

    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_title = models.CharField(_("published subject"), max_length=120, blank=True)
    published_text = models.TextField(_("published text"), blank=True)
    published_answer = models.TextField(_("published answer"), blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The triage queue's pages, over the open opinions only: a queue (oldest or newest first),
            # a county's whole area, a province's whole area, by deadline.
            models.Index(
                fields=["queue_region", "created_at", "id"], name="opinion_open_queue", condition=Q(still_open=True)
            ),
            models.Index(
                fields=["region_path", "created_at", "id"],
                name="opinion_open_area",
                opclasses=["varchar_pattern_ops", "", ""],
                condition=Q(still_open=True),
            ),
            models.Index(fields=["created_at", "id"], name="opinion_open_age", condition=Q(still_open=True)),
            models.Index(
                fields=["due_date", "created_at", "id"], name="opinion_open_due", condition=Q(still_open=True)
            ),
            models.Index(
                fields=["region_path", "created_at"], name="opinion_region", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["status", "due_date"], name="opinion_status_due"),
            models.Index(fields=["station", "created_at"], name="opinion_station"),
            models.Index(fields=["received_on", "station"], name="opinion_worklog"),
            models.Index(fields=["published_at"], name="opinion_published", condition=Q(is_published=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False), name="opinion_merged_has_target"
            ),
            models.CheckConstraint(condition=Q(reopen_count__lte=1), name="opinion_reopened_at_most_once"),
            # The queue is the matter's region or one above it (escalation only moves it up).
            models.CheckConstraint(
                condition=Q(region_path__startswith=F("queue_path")), name="opinion_queue_above_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.status in OPEN_STATES


class Assignment(BaseModel):
    """交办: the opinion sent to one handling unit with a reply deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the unit")
        ACCEPTED = "accepted", _("being handled")
        RETURNED = "returned", _("sent back by the unit")
        REPLIED = "replied", _("replied")
        WITHDRAWN = "withdrawn", _("withdrawn")

    opinion = models.ForeignKey(
        Opinion, verbose_name=_("opinion"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "regions.HandlingUnit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    deadline = models.DateField(_("reply deadline"))
    instructions = models.TextField(_("instructions"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    returned_reason = models.TextField(_("reason for sending back"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    overdue_notified = models.BooleanField(_("overdue notice sent"), default=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["unit", "status", "deadline"], name="assignment_unit_queue"),
            models.Index(fields=["status", "deadline"], name="assignment_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "unit"],
                condition=Q(status__in=["pending", "accepted"]),
                name="assignment_one_live_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opinion.tracking_code} → {self.unit}"


class Reply(BaseModel):
    """The handling unit's answer (答复)."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField(_("reply"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]


class UnitContact(BaseModel):
    """A contact between the handling unit and the citizen while handling (电话, 走访, 座谈)."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("phone")
        VISIT = "visit", _("visit")
        MEETING = "meeting", _("meeting")
        LETTER = "letter", _("letter")
        OTHER = "other", _("other")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("contact with the citizen")
        verbose_name_plural = _("contacts with the citizen")
        ordering = ["date", "id"]


class Extension(BaseModel):
    """A unit's request for more time, decided by the liaison office."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_deadline = models.DateField(_("new deadline asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(status="pending"), name="extension_one_pending")
        ]


class ReturnVisit(BaseModel):
    """回访: the citizen's satisfaction with the answer, recorded by staff or given online."""

    class Method(models.TextChoices):
        PHONE = "phone", _("phone")
        VISIT = "visit", _("visit")
        SMS = "sms", _("SMS")
        ONLINE = "online", _("online, by the citizen")

    opinion = models.ForeignKey(Opinion, verbose_name=_("opinion"), on_delete=models.CASCADE, related_name="visits")
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Opinion.Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["created_at", "id"]


class Attachment(BaseModel):
    """An image or PDF with the opinion or with a unit's reply. Stored under MEDIA_ROOT (never served
    by the web server) and sent only through a view that checks access."""

    opinion = models.ForeignKey(
        Opinion, verbose_name=_("opinion"), on_delete=models.CASCADE, related_name="attachments"
    )
    reply = models.ForeignKey(
        Reply, verbose_name=_("reply"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="opinions/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]


class Event(models.Model):
    """One step on the opinion's timeline: who did what, when, from which state to which, and why.
    `public` steps (with `public_note`) show on the tracking page, without names of staff."""

    opinion = models.ForeignKey(Opinion, verbose_name=_("opinion"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("by (text)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    public = models.BooleanField(_("shown to the citizen"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["opinion", "at"], name="event_opinion_at")]


class PublicAttempt(models.Model):
    """One counted action of a client address on the public pages — an opinion sent without a
    confirmed phone, a tracking code that matched nothing — for the per-address limits of
    `liaison.opinions.throttle`. Rows older than a day are deleted as new ones come in."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("opinion sent")
        TRACK_MISS = "track_miss", _("unknown tracking code")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("public attempt")
        verbose_name_plural = _("public attempts")
        indexes = [
            models.Index(fields=["kind", "ip", "at"], name="publicattempt_ip_at"),
            models.Index(fields=["at"], name="publicattempt_at"),
        ]
