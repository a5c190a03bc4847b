"""/work/admin/outbox/: the system administrator's outbox; see admin_views."""

from django.urls import path

from . import admin_views as views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<int:pk>/", views.outbox_detail, name="detail"),
    path("<int:pk>/retry/", views.outbox_retry, name="retry"),
]
