"""/work/admin/calendar/: the working-day calendar kept by the system administrator."""

from django.urls import path

from . import calendar_views as views

app_name = "calendar"
urlpatterns = [
    path("", views.calendar_year, name="current"),
    path("<int:year>/", views.calendar_year, name="year"),
    path("<int:year>/import/", views.calendar_import, name="import"),
    path("day/new/", views.calendar_day_new, name="day_new"),
    path("day/<int:pk>/", views.calendar_day_edit, name="day"),
    path("day/<int:pk>/delete/", views.calendar_day_delete, name="day_delete"),
]
