from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.region_tree, name="list"),
    path("new/", views.region_create, name="create"),
    path("<int:pk>/", views.region_detail, name="detail"),
    path("<int:pk>/children/", views.region_children, name="children"),
    path("<int:pk>/edit/", views.region_edit, name="edit"),
    path("<int:region_pk>/congress/new/", views.congress_create, name="congress_create"),
    path("<int:region_pk>/units/new/", views.unit_create, name="unit_create"),
    path("congresses/<int:pk>/edit/", views.congress_edit, name="congress_edit"),
    path("congresses/<int:congress_pk>/terms/new/", views.term_create, name="term_create"),
    path("congresses/<int:congress_pk>/organs/new/", views.organ_create, name="organ_create"),
    path("terms/<int:pk>/edit/", views.term_edit, name="term_edit"),
    path("terms/<int:term_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("organs/<int:pk>/edit/", views.organ_edit, name="organ_edit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/status/", views.unit_status, name="unit_status"),
]
