"""The citizen's opinion pages, mounted at the site root (DESIGN §10: /opinions/new/,
/stations/<id>/opinions/new/, /track/, /track/<code>/; and the published results at /opinions/)."""

from django.urls import path

from . import public_views as views

app_name = "opinions_public"
urlpatterns = [
    path("opinions/", views.published_list, name="published"),
    path("opinions/<int:pk>/", views.published_detail, name="published_detail"),
    path("opinions/new/", views.opinion_new, name="new"),
    path("opinions/new/code/", views.opinion_code, name="opinion_code"),
    path("opinions/new/regions/", views.region_picker, name="region_picker"),
    path("stations/<int:pk>/opinions/new/", views.station_opinion_new, name="station_new"),
    path("track/", views.track_form, name="track_form"),
    path("track/<str:code>/", views.track, name="track"),
    path("track/<str:code>/receipt/", views.receipt, name="receipt"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("track/<str:code>/rate/code/", views.rating_code, name="rating_code"),
]
