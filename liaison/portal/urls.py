from django.urls import path

from liaison.deputies import public_views as deputies
from liaison.stations import public_views as stations

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("deputies/", deputies.deputy_list, name="deputies"),
    path("deputies/<int:pk>/", deputies.deputy_detail, name="deputy"),
    path("deputies/<int:pk>/photo", deputies.deputy_photo, name="deputy_photo"),
    path("stations/", stations.station_list, name="stations"),
    path("stations/<int:pk>/", stations.station_detail, name="station"),
    path("stations/<int:pk>/calendar.ics", stations.station_calendar, name="station_calendar"),
    path("stations/<int:pk>/poster.png", stations.station_poster_png, name="station_poster_png"),
    path("stations/<int:pk>/poster.svg", stations.station_poster_svg, name="station_poster_svg"),
]
