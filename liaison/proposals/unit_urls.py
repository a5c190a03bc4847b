"""The handling units' pages for suggestions and motions, mounted at /work/proposals/units/."""

from django.urls import path

from . import views_unit as views

app_name = "proposal_units"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/<slug:name>/", views.step, name="step"),
    path("commitment-row/", views.commitment_row, name="commitment_row"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("suggestions/<int:pk>/", views.item_redirect, {"kind": "suggestion"}, name="suggestion"),
    path("motions/<int:pk>/", views.item_redirect, {"kind": "motion"}, name="motion"),
]
