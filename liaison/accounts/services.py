"""Writes to accounts: log-in bookkeeping, users, roles, security settings — each audited."""

from django.db import transaction
from django.utils import timezone

from liaison.core.audit import audit_record
from liaison.core.models import AuditLog

from .models import LoginAttempt


def login_attempt_record(*, username: str, ip: str | None, success: bool, user=None) -> None:
    with transaction.atomic():
        LoginAttempt.objects.create(username=username.lower(), ip=ip, success=success, at=timezone.now())
        audit_record(
            actor=user,
            action=AuditLog.Action.LOGIN if success else AuditLog.Action.LOGIN_FAILED,
            model="accounts.User",
            object_id=user.pk if user else "",
            object_repr=username,
        )
