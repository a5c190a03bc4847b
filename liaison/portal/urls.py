from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("deputies/", views.deputy_list, name="deputies"),
    path("deputies/<int:pk>/", views.deputy_detail, name="deputy"),
    path("stations/", views.station_list, name="stations"),
    path("stations/<int:pk>/", views.station_detail, name="station"),
]
