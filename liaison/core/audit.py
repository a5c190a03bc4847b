"""Writing the audit trail. Services call `audit_record` inside their transaction, so the audit row
and the change commit or roll back together."""

import datetime
import decimal
import uuid

from django.db import models

from .db.inserts import insert
from .models import AuditLog
from .requestlocal import current_ip

SKIP_FIELDS = {"created_at", "updated_at", "password"}


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, bytes):
        return "<binary>"
    return value


def snapshot(obj: models.Model, *, secret_fields: frozenset[str] = frozenset()) -> dict:
    """The concrete field values of a record, JSON-safe; fields named secret are written as '***'."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIP_FIELDS or field.generated:  # a generated column follows the others
            continue
        name = field.attname
        value = getattr(obj, name)
        if field.name in secret_fields or getattr(field, "is_secret", False):
            data[field.name] = "***" if value else ""
        else:
            data[field.name] = _plain(value)
    return data


def changed(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the keys whose values differ, for update records."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    model: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditLog:
    if action == AuditLog.Action.UPDATE:
        before, after = changed(before, after)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return insert(
        AuditLog(
            actor=actor_obj,
            actor_name=(getattr(actor_obj, "name", "") or getattr(actor_obj, "username", "")) if actor_obj else "",
            ip=current_ip(),
            action=action,
            model=model or (obj._meta.label if obj is not None else ""),
            object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
            object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:255],
            before=before,
            after=after,
            reason=reason,
        )
    )
