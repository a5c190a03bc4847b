"""The suggestions workspace (`/work/proposals/`, namespace "proposals"). The handling reports are
mounted before it at `/work/proposals/reports/` (report_urls); the motions' and the units' pages join
this namespace under `motions/` and `units/`."""

from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_new, name="new"),
    path("cosigners/", views.cosigner_picker, name="cosigners"),
    path("overdue/", views.overdue, name="overdue"),
    path("replies/<int:pk>/document/", views.reply_document, name="reply_document"),
    path("suggestions/<int:pk>/", views.suggestion_link, name="suggestion_link"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/edit/", views.suggestion_edit, name="edit"),
    # one URL per step of the workflow (proposals:suggestion_register, proposals:suggestion_assign, …)
    *[
        path(f"<int:pk>/{action.replace('_', '-')}/", views.step, {"action": action}, name=f"suggestion_{action}")
        for action in views.STEPS
    ],
]
