"""Deputies' suggestions, criticisms and opinions (代表建议、批评和意见, 003 §20–27, §34) and motions
(议案, 003 §13–19): DESIGN §5–6. The state machines live in `workflow.py`; only the services change a
state, and every change leaves an `Event` on the item's timeline.

A suggestion and a motion share the handling machinery: an accepted motion, like a registered
suggestion, is assigned (交办) to a lead unit and any co-units with a deadline three calendar months
after assignment (003 §24), which an approved extension can move to at most six months."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.core.models import BaseModel


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class NumberSequence(models.Model):
    """The registration numbers of one kind of item in one congress, term and session (or the interim
    between sessions). Numbers come from `last`, taken under a row lock, so they never repeat and
    have no gaps once registered."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", _("suggestion")
        MOTION = "motion", _("motion")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    term = models.ForeignKey("regions.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "regions.Session", verbose_name=_("session"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "term", "session"], condition=Q(session__isnull=False), name="sequence_unique_session"
            ),
            models.UniqueConstraint(
                fields=["kind", "term"], condition=Q(session__isnull=True), name="sequence_unique_interim"
            ),
        ]


class Motion(BaseModel):
    """议案: cause, grounds and plan (案由、案据、方案, 003 §16), raised by enough deputies of the
    congress (Congress.motion_threshold), by a delegation or by the presidium, before the session's
    deadline; reviewed, then accepted or converted into a suggestion by the presidium."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        COLLECTING = "collecting", _("collecting signatures")
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        ACCEPTED = "accepted", _("accepted as a motion")
        CONVERTED = "converted", _("converted to a suggestion")
        WITHDRAWN = "withdrawn", _("withdrawn")
        ASSIGNED = "assigned", _("assigned for handling")
        REPLIED = "replied", _("replied")
        REPORTED = "reported", _("handling reported")

    class Proposer(models.TextChoices):
        DEPUTIES = "deputies", _("deputies jointly")
        DELEGATION = "delegation", _("a delegation")
        PRESIDIUM = "presidium", _("the presidium")

    class OutsidePowers(models.TextChoices):
        """Matters that are not a motion of this congress (003 §15)."""

        UPPER_CONGRESS = "upper_congress", _("within the powers of a higher congress or its standing committee")
        UPPER_GOVERNMENT = "upper_government", _("within the powers of a higher government or its departments")
        LOCAL_BODIES = "local_bodies", _("a local matter for lower congresses or governments")
        JUDICIAL = "judicial", _("within the supervisory, judicial or procuratorial powers")
        PRIVATE = "private", _("a matter of a party, association, enterprise or person")
        OTHER = "other", _("otherwise outside the congress's powers")

    congress = models.ForeignKey(
        "regions.Congress", verbose_name=_("congress"), on_delete=models.PROTECT, related_name="motions"
    )
    term = models.ForeignKey("regions.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "regions.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="motions"
    )
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    sequence = models.ForeignKey(NumberSequence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)

    proposer = models.CharField(_("raised by"), max_length=12, choices=Proposer.choices, default=Proposer.DEPUTIES)
    delegation = models.ForeignKey(
        "deputies.Delegation",
        verbose_name=_("delegation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead = models.ForeignKey(
        "deputies.Person",
        verbose_name=_("lead deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("cause (案由)"), max_length=200)
    grounds = models.TextField(_("grounds (案据)"))
    plan = models.TextField(_("plan (方案)"))

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_opinion = models.TextField(_("review committee's opinion"), blank=True)
    outside_powers = models.CharField(
        _("outside the congress's powers"), max_length=20, choices=OutsidePowers.choices, blank=True
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("presidium's decision at"), null=True, blank=True)
    decision_note = models.TextField(_("presidium's decision"), blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_path", "status"], name="motion_scope_status", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["session", "status"], name="motion_session_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "number"], condition=Q(number__isnull=False), name="motion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        if self.number is None:
            return str(_("motion (not numbered)"))
        return str(_("motion No. %(n)s") % {"n": self.number})


class Suggestion(BaseModel):
    """代表建议、批评和意见. Raised by one deputy or jointly (each co-signer confirms before it goes in,
    003 §22); during a session or between sessions (§23, §34); registered with a number or refused
    with a reason of §21; assigned to a lead unit and co-units; answered A/B/C; rated by each
    signer; 不满意 sends it back for re-handling."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        REGISTERED = "registered", _("registered")
        NOT_REGISTERED = "not_registered", _("not registered")
        ASSIGNED = "assigned", _("assigned")
        REPLIED = "replied", _("replied")
        RE_HANDLING = "re_handling", _("being handled again")
        EVALUATED = "evaluated", _("rated by the deputies")
        CLOSED = "closed", _("closed")

    class Timing(models.TextChoices):
        SESSION = "session", _("during a session")
        INTERIM = "interim", _("between sessions")

    class Refusal(models.TextChoices):
        """Matters that are not a deputy's suggestion (003 §21)."""

        JUDICIAL_OR_LETTER = "judicial_or_letter", _("a specific judicial case, or a citizen's letter passed on")
        ACADEMIC_OR_PROMOTION = "academic_or_promotion", _("an academic discussion or a product promotion")
        COMPLAINT = "complaint", _("a report, appeal or accusation")
        NO_CONTENT = "no_content", _("no real content, or not actionable")
        PERSONAL = "personal", _("a personal matter of the deputy or relatives")
        OTHER = "other", _("other matters that are not a suggestion")

    congress = models.ForeignKey(
        "regions.Congress", verbose_name=_("congress"), on_delete=models.PROTECT, related_name="suggestions"
    )
    term = models.ForeignKey("regions.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "regions.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    timing = models.CharField(_("raised"), max_length=8, choices=Timing.choices, default=Timing.INTERIM)
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    sequence = models.ForeignKey(NumberSequence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("registration number"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)

    lead = models.ForeignKey(
        "deputies.Person", verbose_name=_("lead deputy"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    category = models.ForeignKey(
        "opinions.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opinions = models.ManyToManyField(
        "opinions.Opinion", verbose_name=_("from opinions"), blank=True, related_name="suggestions"
    )
    from_motion = models.OneToOneField(
        Motion,
        verbose_name=_("converted from motion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestion",
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    refusal = models.CharField(_("reason for not registering"), max_length=24, choices=Refusal.choices, blank=True)
    refusal_note = models.TextField(_("explanation to the deputies"), blank=True)

    assigning_organ = models.ForeignKey(
        "regions.Organ",
        verbose_name=_("assigned by (organ)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    deadline = models.DateField(_("reply deadline"), null=True, blank=True)
    deadline_cap = models.DateField(_("latest possible deadline"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    answer_class = models.CharField(_("class of the reply"), max_length=1, blank=True)

    key_supervision = models.BooleanField(_("key supervision (重点督办)"), default=False)
    supervising_organ = models.ForeignKey(
        "regions.Organ",
        verbose_name=_("followed by (special committee)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    disclosure_agreed = models.BooleanField(_("the deputies agree to publish it"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_path", "status"], name="suggestion_scope_status", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["status", "deadline"], name="suggestion_due"),
            models.Index(fields=["term", "session", "number"], name="suggestion_number"),
            # the public list of published suggestions (a few among hundreds of thousands)
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(published_at__isnull=False, disclosure_agreed=True),
                name="suggestion_published",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "number"], condition=Q(number__isnull=False), name="suggestion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(timing="interim") | Q(session__isnull=False), name="suggestion_session_needs_session"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        if self.number is None:
            return str(_("suggestion (not registered)"))
        return str(_("suggestion No. %(n)s") % {"n": self.number})


class Signer(BaseModel):
    """A deputy on a suggestion or a motion: the lead, or a co-signer who confirms (or declines) that
    the text speaks for them (003 §22). On a motion the confirmed signers count towards the
    congress's threshold."""

    class Status(models.TextChoices):
        INVITED = "invited", _("asked to sign")
        CONFIRMED = "confirmed", _("signed")
        DECLINED = "declined", _("declined")

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signers",
    )
    motion = models.ForeignKey(
        Motion, verbose_name=_("motion"), null=True, blank=True, on_delete=models.CASCADE, related_name="signers"
    )
    person = models.ForeignKey("deputies.Person", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey(
        "deputies.Mandate", verbose_name=_("mandate"), on_delete=models.PROTECT, related_name="+"
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        ordering = ["-is_lead", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(suggestion__isnull=True) ^ Q(motion__isnull=True), name="signer_of_one_item"
            ),
            models.UniqueConstraint(
                fields=["suggestion", "person"], condition=Q(suggestion__isnull=False), name="signer_once_suggestion"
            ),
            models.UniqueConstraint(
                fields=["motion", "person"], condition=Q(motion__isnull=False), name="signer_once_motion"
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="signer_person_status")]


class Assignment(BaseModel):
    """交办: a suggestion or an accepted motion sent to a lead unit (主办) or a co-unit (协办) for one
    handling round. The deadline is the item's; a co-unit sends its opinion to the lead unit."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead unit")
        CO = "co", _("co-unit")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the unit")
        ACCEPTED = "accepted", _("being handled")
        RETURNED = "returned", _("sent back by the unit")
        REPLIED = "replied", _("replied")
        WITHDRAWN = "withdrawn", _("withdrawn")

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    motion = models.ForeignKey(
        Motion, verbose_name=_("motion"), null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "regions.HandlingUnit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The unit still has to act (workflow.LIVE_ASSIGNMENT is this set).
    LIVE_STATUSES = ("accepted", "pending")
    # Computed by the database from the status: the overdue board's partial index holds these rows
    # only, and both databases match a query's `is_live` to it.
    is_live = models.GeneratedField(
        expression=models.ExpressionWrapper(Q(status__in=LIVE_STATUSES), output_field=models.BooleanField()),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("still with the unit"),
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    assigned_on = models.DateField(_("assigned on"))
    deadline = models.DateField(_("reply deadline"))
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
        ordering = ["-role", "created_at", "id"]  # the lead unit first
        indexes = [
            models.Index(fields=["unit", "status", "deadline"], name="proposal_asg_unit_queue"),
            models.Index(fields=["status", "deadline"], name="proposal_asg_due"),
            # the overdue board, in deadline order over the live assignments only
            models.Index(fields=["deadline", "id"], name="proposal_asg_live_due", condition=Q(is_live=True)),
            # the handling reports: the items of a period by the date of their first-round lead assignment
            models.Index(fields=["role", "round", "assigned_on"], name="proposal_asg_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(suggestion__isnull=True) ^ Q(motion__isnull=True), name="proposal_asg_of_one_item"
            ),
            models.UniqueConstraint(
                fields=["suggestion"],
                condition=Q(role="lead", status__in=["pending", "accepted"], suggestion__isnull=False),
                name="proposal_asg_one_live_lead_s",
            ),
            models.UniqueConstraint(
                fields=["motion"],
                condition=Q(role="lead", status__in=["pending", "accepted"], motion__isnull=False),
                name="proposal_asg_one_live_lead_m",
            ),
        ]

    @property
    def item(self):
        return self.suggestion if self.suggestion_id else self.motion


class Extension(BaseModel):
    """The lead unit's request for more time (003 §24): approved by the assigning organ (recorded by
    its liaison office) and explained to the deputies; never beyond six months after assignment."""

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
    explanation = models.TextField(_("explanation to the deputies"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="proposal_ext_one_pending"
            )
        ]


class UnitContact(BaseModel):
    """The unit's contact with the deputies while handling (座谈, 调研, 电话, 信函 — 003 §25)."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("meeting (座谈)")
        RESEARCH = "research", _("joint research (调研)")
        PHONE = "phone", _("phone (电话)")
        LETTER = "letter", _("letter (信函)")
        VISIT = "visit", _("visit")

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
        verbose_name = _("contact with the deputies")
        verbose_name_plural = _("contacts with the deputies")
        ordering = ["date", "id"]


class Reply(BaseModel):
    """A co-unit's opinion to the lead unit, or the lead unit's reply to the deputies (答复), which
    carries a class — A solved or adopted, B being solved or planned (a tracked commitment), C not
    solvable now, with reasons — and the reply document. A work report is not a reply (003 §25)."""

    class Kind(models.TextChoices):
        CO_OPINION = "co_opinion", _("co-unit's opinion")
        ANSWER = "answer", _("reply to the deputies")

    class AnswerClass(models.TextChoices):
        A = "A", _("A: solved or adopted")
        B = "B", _("B: being solved or planned")
        C = "C", _("C: cannot be solved now")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="replies"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    answer_class = models.CharField(_("class"), max_length=1, choices=AnswerClass.choices, blank=True)
    text = models.TextField(_("text"))
    document = models.FileField(_("reply document"), upload_to="proposals/%Y/%m/", max_length=200, blank=True)
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="co_opinion", answer_class="") | Q(kind="answer", answer_class__in=["A", "B", "C"]),
                name="proposal_reply_class_for_answers",
            )
        ]


class Commitment(BaseModel):
    """What a class B reply promised, tracked until the unit reports it fulfilled."""

    reply = models.ForeignKey(Reply, verbose_name=_("reply"), on_delete=models.CASCADE, related_name="commitments")
    text = models.TextField(_("commitment"))
    due = models.DateField(_("to be done by"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfilled_note = models.TextField(_("how it was fulfilled"), blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = [models.F("due").asc(nulls_last=True), "id"]


class Evaluation(BaseModel):
    """One signing deputy's rating of the reply of one handling round."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="evaluations",
    )  # fmt: skip
    motion = models.ForeignKey(
        Motion, verbose_name=_("motion"), null=True, blank=True, on_delete=models.CASCADE, related_name="evaluations"
    )
    person = models.ForeignKey("deputies.Person", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("handling round"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(suggestion__isnull=True) ^ Q(motion__isnull=True), name="evaluation_of_one_item"
            ),
            models.UniqueConstraint(
                fields=["suggestion", "person", "round"],
                condition=Q(suggestion__isnull=False),
                name="evaluation_once_per_round_s",
            ),
            models.UniqueConstraint(
                fields=["motion", "person", "round"],
                condition=Q(motion__isnull=False),
                name="evaluation_once_per_round_m",
            ),
        ]


class Event(models.Model):
    """One step on a suggestion's or a motion's timeline: who, when, from which state to which, why.
    A suggestion converted from a motion shows the motion's steps before its own."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    motion = models.ForeignKey(
        Motion, verbose_name=_("motion"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
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
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["suggestion", "at"], name="proposal_event_s_at"),
            models.Index(fields=["motion", "at"], name="proposal_event_m_at"),
        ]
