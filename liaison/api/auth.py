"""Bearer-token authentication for staff calls to the API (`Authorization: Bearer lia_…`). A browser
session of a logged-in user also counts, so the workspace's own pages can call the API."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from liaison.accounts.security import second_factor_required

from .models import ApiToken


class StaffToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), is_active=True, user__is_active=True)
            .first()
        )
        if row is None or (row.expires_at and row.expires_at <= timezone.now()):
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


class VerifiedSession(SessionAuth):
    """A logged-in browser session, once it has passed the second factor where one is required."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        if second_factor_required(user) and not getattr(user, "is_verified", lambda: False)():
            return None
        return user


staff_auth = [StaffToken(), VerifiedSession()]
