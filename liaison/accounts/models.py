from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.models import BaseModel


class User(AbstractUser):
    """A person who logs in. One `name` field fits Chinese names; what the user may do and see comes
    from their roles, never from is_staff or is_superuser (kept only for Django's internals)."""

    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password; the person changes it at next log-in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def active_roles(self):
        """The user's roles, cached on the instance for the request."""
        if not hasattr(self, "_active_roles"):
            self._active_roles = list(
                self.roles.filter(is_active=True).select_related("region", "station", "unit", "person")
            )
        return self._active_roles

    def has_role(self, *kinds: str) -> bool:
        return any(role.kind in kinds for role in self.active_roles())

    # Permissions come from roles. The flags is_staff/is_superuser grant nothing here: a permission
    # declared with django-rules (liaison/*/rules.py) is answered by its predicate; a Django model
    # permission (used only by the Django admin at /admin/) belongs to the system administrator, except
    # on the records no one edits there (the audit log, second-factor devices, sessions).
    ADMIN_DENIED_APPS = frozenset({"core", "otp_totp", "otp_static", "otp_email", "sessions", "admin"})

    def has_perm(self, perm, obj=None) -> bool:
        import rules

        if not self.is_active:
            return False
        if rules.perm_exists(perm):
            return rules.has_perm(perm, self, obj)
        app_label = perm.split(".", 1)[0]
        return app_label not in self.ADMIN_DENIED_APPS and self.has_role(Role.Kind.SYSTEM_ADMIN)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label) -> bool:
        return self.is_active and app_label not in self.ADMIN_DENIED_APPS and self.has_role(Role.Kind.SYSTEM_ADMIN)


class Role(BaseModel):
    """A role held by a user, scoped to a region subtree, a station, a handling unit or a deputy."""

    class Kind(models.TextChoices):
        DEPUTY = "deputy", _("deputy")
        STATION_STAFF = "station_staff", _("station staff")
        LIAISON_OFFICER = "liaison_officer", _("liaison officer")
        HANDLING_UNIT = "handling_unit", _("handling unit staff")
        LEADERSHIP = "leadership", _("leadership")
        SYSTEM_ADMIN = "system_admin", _("system administrator")
        SECURITY_ADMIN = "security_admin", _("security administrator")
        AUDIT_ADMIN = "audit_admin", _("audit administrator")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.HandlingUnit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "deputies.Person", verbose_name=_("deputy"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        User, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Which scope field each kind needs; the others stay empty (checked by the constraint below).
    SCOPE_FIELD = {
        Kind.DEPUTY: "person",
        Kind.STATION_STAFF: "station",
        Kind.LIAISON_OFFICER: "region",
        Kind.HANDLING_UNIT: "unit",
        Kind.LEADERSHIP: "region",
        Kind.SYSTEM_ADMIN: None,
        Kind.SECURITY_ADMIN: None,
        Kind.AUDIT_ADMIN: None,
    }
    ADMIN_KINDS = (Kind.SYSTEM_ADMIN, Kind.SECURITY_ADMIN, Kind.AUDIT_ADMIN)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user", "kind"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_kind",
                condition=(
                    Q(kind="deputy", person__isnull=False, station__isnull=True, unit__isnull=True, region__isnull=True)
                    | Q(
                        kind="station_staff",
                        station__isnull=False,
                        person__isnull=True,
                        unit__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        kind__in=["liaison_officer", "leadership"],
                        region__isnull=False,
                        person__isnull=True,
                        station__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        kind="handling_unit",
                        unit__isnull=False,
                        person__isnull=True,
                        station__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        kind__in=["system_admin", "security_admin", "audit_admin"],
                        person__isnull=True,
                        station__isnull=True,
                        unit__isnull=True,
                        region__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.region or self.station or self.unit or self.person
        return f"{self.get_kind_display()} · {scope}" if scope else str(self.get_kind_display())


class SecuritySettings(BaseModel):
    """The live security settings, one row, edited only by the security administrator."""

    class Profile(models.TextChoices):
        MLPS3 = "mlps3", _("MLPS level 3 (length, character classes, periodic change)")
        ASVS = "asvs", _("ASVS (length, common-password list, no forced rotation)")

    profile = models.CharField(_("password profile"), max_length=8, choices=Profile.choices, default=Profile.MLPS3)
    min_length = models.PositiveSmallIntegerField(_("minimum password length"), default=8)
    max_age_days = models.PositiveSmallIntegerField(
        _("password change every (days)"), default=90, help_text=_("MLPS level 3 only; 0 means never.")
    )
    lockout_attempts = models.PositiveSmallIntegerField(_("failed log-ins before lockout"), default=5)
    lockout_window_minutes = models.PositiveSmallIntegerField(_("lockout window (minutes)"), default=15)
    idle_minutes = models.PositiveSmallIntegerField(_("idle session timeout (minutes)"), default=30)
    absolute_hours = models.PositiveSmallIntegerField(_("absolute session timeout (hours)"), default=12)
    password_history = models.PositiveSmallIntegerField(
        _("passwords remembered"),
        null=True,
        blank=True,
        help_text=_(
            "A new password may not be any of the user's last N passwords (the current one included)."
            " Empty: the profile's default (5 under MLPS level 3, off under ASVS); 0: off."
        ),
    )

    PASSWORD_HISTORY_DEFAULTS = {Profile.MLPS3: 5, Profile.ASVS: 0}

    class Meta:
        verbose_name = _("security settings")
        verbose_name_plural = _("security settings")

    def __str__(self) -> str:
        return str(_("security settings"))

    @property
    def password_history_count(self) -> int:
        """How many of a user's passwords cannot be used again: the setting, or the profile's default."""
        if self.password_history is not None:
            return self.password_history
        return self.PASSWORD_HISTORY_DEFAULTS.get(self.profile, 0)


class PasswordHistory(models.Model):
    """A password a user had, as its hash (never the password), so that it is not chosen again.
    Only the last few per user are kept (SecuritySettings.password_history)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user"))
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("used password")
        verbose_name_plural = _("used passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"


class LoginAttempt(models.Model):
    """Every log-in attempt, for lockout (keyed on account and address) and for the audit."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    success = models.BooleanField(_("succeeded"), default=False)
    cleared = models.BooleanField(
        _("cleared"), default=False, help_text=_("A failure no longer counted: a later success or an unlock.")
    )

    class Meta:
        verbose_name = _("log-in attempt")
        verbose_name_plural = _("log-in attempts")
        indexes = [models.Index(fields=["username", "ip", "at"])]
