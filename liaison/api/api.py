"""The JSON API (`/api/`) and its OpenAPI document (`/api/openapi.json`, `/api/docs`). Each part adds
its router here. Public reads need no token; staff writes use a bearer token (liaison.api.auth)."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

api = NinjaAPI(
    title="Liaison API",
    version="1",
    description=str(_("JSON API of the deputy liaison platform.")),
    urls_namespace="api",
    docs_url="/docs",
)


@api.get("/", summary="API index", tags=["meta"])
def index(request):
    return {"name": "Liaison API", "version": "1", "openapi": "/api/openapi.json", "docs": "/api/docs"}
api.add_router("/stations/", "liaison.stations.api.router")
api.add_router("/regions/", "liaison.regions.api.router")
