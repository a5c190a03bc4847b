"""The outbox (DESIGN §3): one row per message and channel — in-app, SMS or e-mail — holding what was
sent (the rendered subject and body), to whom (the address, encrypted), its delivery state and a log
of every attempt. The in-app rows are the users' inboxes. Plus the rows of two small helpers: the
periodic jobs' last runs (liaison.notifications.schedule) and the SMS verification codes
(liaison.notifications.verification)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.crypto import EncryptedTextField, mask_email, mask_phone
from liaison.core.models import BaseModel


def mask_address(channel: str, address: str) -> str:
    """138****1234 for a phone, w***@example.cn for an e-mail address."""
    if not address:
        return ""
    return mask_email(address) if channel == "email" else mask_phone(address)


class Notification(BaseModel):
    """通知: one message on one channel. `subject` and `body` are what was sent, rendered once in the
    recipient's language; values a kind declares secret (a verification code) are masked there and the
    real text waits, encrypted, in `sealed_body` until delivery ends."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("in-app")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        GIVEN_UP = "given_up", _("given up")

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # indexed first in notification_inbox_idx (user, channel, read_at, created_at)
    )
    address = EncryptedTextField(_("address"), blank=True, help_text=_("Phone number or e-mail address."))
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    sealed_body = EncryptedTextField(_("text to send"), blank=True, editable=False)
    url = models.CharField(_("link"), max_length=500, blank=True)
    related_type = models.CharField(_("record type"), max_length=100, blank=True)
    related_id = models.CharField(_("record"), max_length=64, blank=True)
    dedupe_key = models.CharField(_("once-only key"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_once_per_channel"
            ),
            models.CheckConstraint(
                condition=~Q(channel="in_app") | Q(user__isnull=False), name="notification_in_app_has_user"
            ),
        ]
        indexes = [
            # the inbox and its unread badge
            models.Index(fields=["user", "channel", "read_at", "created_at"], name="notification_inbox_idx"),
            # the retry sweep and the outbox filter
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            # the notifications about one record
            models.Index(fields=["related_type", "related_id"], name="notification_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.subject or self.body[:40]}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class DeliveryAttempt(models.Model):
    """One try to hand a message to its channel's backend: the delivery log."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    backend = models.CharField(_("backend"), max_length=200)
    ok = models.BooleanField(_("delivered"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notification", "at", "id"]


class PeriodicJob(models.Model):
    """When a periodic job (liaison.notifications.schedule) last started. Claiming a run updates this
    row atomically, so several schedulers never start the same run twice."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PhoneCode(models.Model):
    """An SMS verification code (短信验证码). The phone number is kept only as its blind index and the
    code only as a keyed hash."""

    phone_index = models.CharField(_("phone (index)"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=30)
    code_hash = models.CharField(_("code (hash)"), max_length=128)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    failed_tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone_index", "created_at"], name="phonecode_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="phonecode_ip_idx"),
        ]
