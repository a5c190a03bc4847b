"""The station work log (民情工作日志), mounted at /work/worklog/."""

from django.urls import path

from . import views_worklog as views

app_name = "worklog"
urlpatterns = [
    path("", views.worklog, name="log"),
]
