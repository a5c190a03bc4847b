"""The motions workspace, mounted at /work/proposals/motions/."""

from django.urls import path

from . import views_motions as views

app_name = "motions"
urlpatterns = [
    path("", views.motion_list, name="list"),
    path("new/", views.motion_new, name="new"),
    path("<int:pk>/", views.motion_detail, name="detail"),
    path("<int:pk>/cosigners/", views.cosigner_search, name="cosigners"),
    path("<int:pk>/<slug:action>/", views.motion_step, name="step"),
]
