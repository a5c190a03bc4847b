"""Open311 GeoReport v2, mounted at /open311/v2/: every resource as `.json` and `.xml`."""

from django.urls import re_path

from . import open311

FORMAT = r"\.(?P<fmt>json|xml)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[-\w]{1,40})" + FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, open311.request_list, name="requests"),
    re_path(r"^requests/(?P<request_id>[-\w]{1,32})" + FORMAT, open311.request_detail, name="request"),
]
