"""/work/admin/: the three administrators' pages (三员分立); see admin_views."""

from django.urls import path

from . import admin_views as views

app_name = "adminwork"
urlpatterns = [
    # system administrator
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    # security administrator
    path("roles/", views.role_list, name="roles"),
    path("roles/user/<int:pk>/", views.role_user, name="role_user"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("roles/unlock/", views.account_unlock, name="unlock"),
    path("roles/user/<int:pk>/otp-reset/", views.otp_reset, name="otp_reset"),
    path("roles/lookup/", views.scope_lookup, name="lookup"),
    path("security/", views.security_settings, name="security"),
    # audit administrator
    path("audit/", views.audit_list, name="audit"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
]
