from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    roles = []
    if user is not None and user.is_authenticated:
        roles = list(user.active_roles())
    return {
        "SITE_BASE_URL": settings.SITE_BASE_URL,
        "user_roles": roles,
        "user_role_kinds": {role.kind for role in roles},
    }
