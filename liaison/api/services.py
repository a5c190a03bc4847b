"""Issuing and revoking a staff member's own API tokens (audited)."""

from django.db import transaction

from liaison.core.audit import audit_record
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog

from .models import ApiToken

MAX_TOKENS = 10


@transaction.atomic
def token_issue(*, actor, name: str, expires_at=None) -> tuple[ApiToken, str]:
    from django.utils.translation import gettext as _

    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if ApiToken.objects.filter(user=actor, is_active=True).count() >= MAX_TOKENS:
        raise ValidationFailed(_("You already have the maximum number of tokens; revoke one first."), field="name")
    token, key = ApiToken.issue(user=actor, name=name[:100], expires_at=expires_at)
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=token, after={"name": token.name, "prefix": token.prefix}
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor, is_active=True).first()
    if token is None:
        raise NotFound()
    token.is_active = False
    token.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=token, before={"is_active": True}, after={"is_active": False}
    )
    return token
