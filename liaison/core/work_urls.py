from django.urls import path

from . import work_views

app_name = "work"
urlpatterns = [
    path("", work_views.home, name="home"),
]
