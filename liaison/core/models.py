from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain table carries when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditLogQuerySet(models.QuerySet):
    """Bulk changes are refused as well: the trail can only grow."""

    def update(self, **kwargs):
        raise PermissionError("audit records cannot be changed")

    def delete(self):
        raise PermissionError("audit records cannot be deleted")


class AuditLog(models.Model):
    """The audit trail: one row for every create, update and delete of a domain record and every
    security event, written in the same transaction as the change. Rows are never updated or deleted
    (the model refuses it); only the audit administrator reads them."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        TRANSITION = "transition", _("state change")
        LOGIN = "login", _("log in")
        LOGIN_FAILED = "login_failed", _("failed log-in")
        LOGOUT = "logout", _("log out")
        LOCKOUT = "lockout", _("lockout")
        SECURITY = "security", _("security change")
        VIEW = "view", _("view of personal data")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    model = models.CharField(_("record type"), max_length=100)  # indexed first in (model, object_id, at)
    object_id = models.CharField(_("record"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("record (text)"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records cannot be deleted")


class CalendarDay(BaseModel):
    """An administrator's entry in the official working-day schedule (节假日安排), consulted before the
    `chinesecalendar` package: a statutory holiday or rest day (放假) or a make-up working day on a
    weekend (调休上班). It lets the platform follow the State Council's notice for a year the package
    does not know yet, or correct the package. See liaison.core.deadlines."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("For example 元旦 or 春节调休."))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()
