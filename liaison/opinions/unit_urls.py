"""The handling unit's workspace, mounted at /work/units/."""

from django.urls import path

from . import views_unit as views

app_name = "opinions_unit"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/accept/", views.step, {"name": "accept"}, name="accept"),
    path("assignments/<int:pk>/reply/", views.step, {"name": "reply"}, name="reply"),
    path("assignments/<int:pk>/contacts/", views.step, {"name": "contact"}, name="contact"),
    path("assignments/<int:pk>/extension/", views.step, {"name": "extension"}, name="extension"),
    path("assignments/<int:pk>/return/", views.step, {"name": "return"}, name="return"),
    path("assignments/<int:pk>/citizen/", views.contact_reveal, name="reveal"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("opinions/<int:pk>/", views.opinion_redirect, name="opinion"),
]
