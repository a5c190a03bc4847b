"""Reads for the administration pages. The three administrators work across the whole installation
(their roles have no region scope); each selector is reached only through its role's permission."""

import ipaddress
from datetime import datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from liaison.core.exceptions import NotFound
from liaison.core.models import AuditLog

from .models import Role, User


def user_list(*, q: str = "", active: str = "") -> QuerySet[User]:
    qs = User.objects.prefetch_related(
        Prefetch("roles", queryset=Role.objects.filter(is_active=True).order_by("kind"), to_attr="current_roles")
    ).order_by("username")
    q = q.strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q) | Q(phone__icontains=q))
    if active in ("0", "1"):
        qs = qs.filter(is_active=active == "1")
    return qs


def user_get(*, pk) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def roles_of(*, user: User) -> QuerySet[Role]:
    return (
        Role.objects.filter(user=user)
        .select_related("region", "station", "unit", "person", "granted_by")
        .order_by("-is_active", "kind", "id")
    )


def role_get(*, pk) -> Role:
    role = Role.objects.select_related("user").filter(pk=pk).first()
    if role is None:
        raise NotFound()
    return role


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def audit_list(
    *, actor: str = "", action: str = "", model: str = "", date_from=None, date_to=None, q: str = ""
) -> QuerySet[AuditLog]:
    """The audit trail, newest first, filtered. Dates are whole days in the local time zone."""
    qs = AuditLog.objects.all().order_by("-at", "-id")
    actor = actor.strip()
    if actor:
        qs = qs.filter(Q(actor_name__icontains=actor) | Q(actor__username__iexact=actor))
    if action:
        qs = qs.filter(action=action)
    model = model.strip()
    if model:
        qs = qs.filter(model__iexact=model) if "." in model else qs.filter(model__icontains=model)
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    q = q.strip()
    if q:
        text = Q(object_repr__icontains=q) | Q(reason__icontains=q) | Q(object_id=q)
        if _looks_like_ip(q):
            text |= Q(ip=q)
        qs = qs.filter(text)
    return qs


def _looks_like_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def audit_get(*, pk) -> AuditLog:
    row = AuditLog.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


def audit_model_labels() -> list[str]:
    """Record types for the filter's suggestions, from the installed models (no scan of the log)."""
    from django.apps import apps

    return sorted(m._meta.label for m in apps.get_models() if m.__module__.startswith("liaison."))
