from django.contrib import admin
from django.urls import include, path

from liaison.api.api import api
from liaison.core import views as core_views

urlpatterns = [
    # The API first: the public submission is the busiest path, and the three includes below without a
    # prefix are tried pattern by pattern before anything after them (no path of theirs starts "api/").
    path("api/", api.urls),
    path("", include("liaison.portal.urls")),
    path("", include("liaison.opinions.public_urls")),
    path("", include("liaison.proposals.public_urls")),
    path("accounts/", include("liaison.accounts.urls")),
    path("work/", include("liaison.core.work_urls")),
    path("work/regions/", include("liaison.regions.urls")),
    path("work/deputies/", include("liaison.deputies.urls")),
    path("work/stations/", include("liaison.stations.urls")),
    path("work/opinions/", include("liaison.opinions.work_urls")),
    path("work/units/", include("liaison.opinions.unit_urls")),
    path("work/proposals/reports/", include("liaison.proposals.report_urls")),
    path("work/proposals/motions/", include("liaison.proposals.motion_urls")),
    path("work/proposals/units/", include("liaison.proposals.unit_urls")),
    path("work/proposals/", include("liaison.proposals.work_urls")),  # after reports/: both resolve
    path("work/worklog/", include("liaison.opinions.worklog_urls")),
    path("work/notifications/", include("liaison.notifications.urls")),
    path("work/admin/outbox/", include("liaison.notifications.admin_urls")),
    path("work/admin/calendar/", include("liaison.core.calendar_urls")),
    path("work/admin/", include("liaison.accounts.admin_urls")),
    path("work/api-tokens/", include("liaison.api.urls")),
    path("open311/v2/", include("liaison.opinions.open311_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
]
