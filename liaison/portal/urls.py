from django.urls import path

from liaison.deputies import public_views as deputies
from liaison.stations import public_views as stations

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("deputies/", deputies.deputy_list, name="deputies"),
    path("deputies/<int:pk>/", deputies.deputy_detail, name="deputy"),
    path("stations/", stations.station_list, name="stations"),
    path("stations/<int:pk>/", stations.station_detail, name="station"),
]
