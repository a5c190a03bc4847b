from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.work_list, name="list"),
    path("new/", views.station_create, name="create"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit/", views.station_edit, name="edit"),
    path("<int:pk>/standard/", views.standard, name="standard"),
    path("<int:pk>/deputies/", views.deputies, name="deputies"),
    path("<int:pk>/deputies/assign/", views.deputy_assign, name="deputy_assign"),
    path("<int:pk>/deputies/unassign/", views.deputy_unassign, name="deputy_unassign"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster/new/", views.slot_create, name="slot_create"),
    path("slots/<int:pk>/edit/", views.slot_edit, name="slot_edit"),
    path("slots/<int:pk>/publish/", views.slot_publish, name="slot_publish"),
    path("slots/<int:pk>/repeat/", views.slot_repeat, name="slot_repeat"),
    path("slots/<int:pk>/delete/", views.slot_delete, name="slot_delete"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
