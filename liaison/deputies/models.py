from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liaison.core.crypto import EncryptedTextField
from liaison.core.models import BaseModel
from liaison.regions.models import Level


class Person(BaseModel):
    """A natural person who holds one or more deputy mandates. Contact fields are public only where
    their visibility flag says so (001; 000 §2)."""

    class Gender(models.TextChoices):
        MALE = "m", _("male")
        FEMALE = "f", _("female")

    name = models.CharField(_("name"), max_length=50, db_index=True)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, db_index=True, editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=20, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    party = models.CharField(_("political affiliation"), max_length=50, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    work_unit = models.CharField(_("work unit and position"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/", blank=True)
    bio = models.TextField(_("introduction"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_public = models.BooleanField(_("phone is public"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    email_public = models.BooleanField(_("e-mail is public"), default=False)
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    address_public = models.BooleanField(_("address is public"), default=False)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    wechat_public = models.BooleanField(_("WeChat is public"), default=False)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("managing region"),
        help_text=_("The region whose liaison office keeps this record, also before the person holds a mandate."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_persons",
    )

    PUBLIC_CONTACT_FIELDS = ("phone", "email", "address", "wechat")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name_pinyin", "id"]
        indexes = [models.Index(fields=["name", "gender", "birth_year"], name="person_match_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def photo_url(self) -> str:
        """Where the photo is served (liaison.deputies.public_views.deputy_photo); the file's name,
        new at every upload, is the cache-busting version. Empty without a photo."""
        if not self.photo:
            return ""
        from django.urls import reverse

        version = self.photo.name.rsplit("/", 1)[-1].split(".", 1)[0]
        return f"{reverse('portal:deputy_photo', args=[self.pk])}?v={version}"

    def public_contacts(self) -> dict[str, str]:
        return {
            f: getattr(self, f) for f in self.PUBLIC_CONTACT_FIELDS if getattr(self, f) and getattr(self, f"{f}_public")
        }


class ElectoralDistrict(BaseModel):
    """原选区: a district of a directly elected congress."""

    congress = models.ForeignKey(
        "regions.Congress", verbose_name=_("congress"), on_delete=models.CASCADE, related_name="districts"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="districts"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("electoral district")
        verbose_name_plural = _("electoral districts")
        ordering = ["congress", "name"]
        constraints = [models.UniqueConstraint(fields=["congress", "name"], name="district_unique_name")]

    def __str__(self) -> str:
        return self.name


class Delegation(BaseModel):
    """代表团: the delegation a deputy belongs to at sessions of the congress."""

    congress = models.ForeignKey(
        "regions.Congress", verbose_name=_("congress"), on_delete=models.CASCADE, related_name="delegations"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["congress", "name"]
        constraints = [models.UniqueConstraint(fields=["congress", "name"], name="delegation_unique_name")]

    def __str__(self) -> str:
        return self.name


class Mandate(BaseModel):
    """A person's seat in one congress for one term. `region_path` and `level` copy the congress's
    region, and `person_name`, `name_pinyin`, `name_initials` copy the person's name, so the public
    directory filters, searches and orders on this one table (indexes below) without joins."""

    class Election(models.TextChoices):
        DIRECT = "direct", _("direct election")
        INDIRECT = "indirect", _("indirect election")

    class Status(models.TextChoices):
        SERVING = "serving", _("serving")
        RESIGNED = "resigned", _("resigned")
        TERMINATED = "terminated", _("terminated")
        RECALLED = "recalled", _("recalled")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="mandates")
    congress = models.ForeignKey(
        "regions.Congress", verbose_name=_("congress"), on_delete=models.PROTECT, related_name="mandates"
    )
    term = models.ForeignKey("regions.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="mandates")
    election = models.CharField(_("election"), max_length=8, choices=Election.choices)
    district = models.ForeignKey(
        ElectoralDistrict,
        verbose_name=_("electoral district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    electing_congress = models.ForeignKey(
        "regions.Congress",
        verbose_name=_("electing congress"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elected_mandates",
    )
    delegation = models.ForeignKey(
        Delegation,
        verbose_name=_("delegation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mandates",
    )
    # No index of its own: every directory index starts with the status.
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SERVING)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, editable=False)
    region_path = models.CharField(_("region path"), max_length=255, editable=False)
    person_name = models.CharField(_("name"), max_length=50, default="", editable=False)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, default="", editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=20, default="", editable=False)

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["name_pinyin", "person_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "term"],
                condition=Q(status="serving"),
                name="mandate_one_serving_per_person_and_term",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="mandate_dates_in_order"
            ),
            models.CheckConstraint(
                condition=(
                    Q(election="direct", electing_congress__isnull=True) | Q(election="indirect", district__isnull=True)
                ),
                name="mandate_election_source_matches_kind",
            ),
        ]
        indexes = [
            # A region subtree is a prefix of region_path: a range scan on SQLite (byte order), a LIKE
            # 'prefix%' on PostgreSQL, which needs the pattern operator class (ignored by SQLite).
            models.Index(
                fields=["status", "region_path"],
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                name="mandate_dir_region_idx",
            ),
            models.Index(
                fields=["status", "level", "region_path"],
                opclasses=["varchar_ops", "varchar_ops", "varchar_pattern_ops"],
                name="mandate_dir_level_idx",
            ),
            # The directory's order (pinyin, then person, then mandate) served straight from an index,
            # also for a pinyin prefix search (a range on name_pinyin) and the level filter. The region
            # path and the name ride along so that a large subtree or a search by characters is
            # filtered inside the index while it is read in order (see selectors.directory_mandates).
            models.Index(
                fields=["status", "name_pinyin", "person_id", "id", "region_path", "person_name"],
                name="mandate_dir_order_idx",
            ),
            models.Index(
                fields=["status", "level", "name_pinyin", "person_id", "id", "region_path"],
                name="mandate_dir_lvl_order_idx",
            ),
            models.Index(fields=["status", "name_initials"], name="mandate_dir_initials_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.congress}"


class MandateStatusChange(models.Model):
    """History of a mandate's status (resigned, terminated, recalled, restored)."""

    mandate = models.ForeignKey(Mandate, verbose_name=_("mandate"), on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("status"), max_length=12, choices=Mandate.Status.choices)
    date = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["mandate", "date", "id"]


class DeputyGroup(BaseModel):
    """代表小组: deputies of one or several levels (混合编组, 003 §35) who act together."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="groups"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("home station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )

    class Meta:
        verbose_name = _("deputy group")
        verbose_name_plural = _("deputy groups")
        ordering = ["region__path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="group_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(BaseModel):
    class Position(models.TextChoices):
        LEADER = "leader", _("leader")
        DEPUTY_LEADER = "deputy_leader", _("deputy leader")
        MEMBER = "member", _("member")

    group = models.ForeignKey(
        DeputyGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), on_delete=models.CASCADE, related_name="group_memberships"
    )
    position = models.CharField(_("position"), max_length=16, choices=Position.choices, default=Position.MEMBER)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "mandate"], name="membership_once_per_group"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(position="leader"), name="membership_one_leader_per_group"
            ),
        ]


class Household(BaseModel):
    """联系户: a household a deputy keeps in touch with (002 §3(3)). Contact data is a citizen's and is
    encrypted at rest."""

    class Kind(models.TextChoices):
        PROSPERITY_LEADER = "prosperity_leader", _("prosperity leader")
        POOR = "poor", _("household in difficulty")
        WORTHY = "worthy", _("local worthy")

    name = models.CharField(_("head of household"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="households"
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class HouseholdLink(BaseModel):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="links"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="household_links"
    )
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("household link")
        verbose_name_plural = _("household links")
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_link_once")]
