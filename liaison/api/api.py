"""The JSON API (`/api/`) and its OpenAPI document (`/api/openapi.json`, `/api/docs`). Each part adds
its router here. Public reads need no token; staff writes use a bearer token (liaison.api.auth)."""

from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from liaison.core.errors import as_api
from liaison.core.exceptions import ApplicationError

api = NinjaAPI(
    title="Liaison API",
    version="1",
    description=str(_("JSON API of the deputy liaison platform.")),
    urls_namespace="api",
    docs_url="/docs",
)


# One mapping of errors to JSON for every router: {code, message[, field, errors]}, in the language of
# the request (Accept-Language), never a 500 for bad input.


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    status, body = as_api(exc)
    response = api.create_response(request, body, status=status)
    if status == 429 and exc.extra.get("retry_after"):
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(loc) or "__all__", []).append(str(item.get("msg", "")))
    body = {"code": "invalid", "message": gettext("The data is not valid."), "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    body = {"code": "unauthorized", "message": gettext("A valid API token or log-in is needed.")}
    return api.create_response(request, body, status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": gettext("Not found.")}, status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"code": "error", "message": str(exc)}, status=exc.status_code)


@api.get("/", summary="API index", tags=["meta"])
def index(request):
    return {"name": "Liaison API", "version": "1", "openapi": "/api/openapi.json", "docs": "/api/docs"}


api.add_router("/stations/", "liaison.stations.api.router")
api.add_router("/regions/", "liaison.regions.api.router")
api.add_router("/deputies/", "liaison.deputies.api.router")
api.add_router("/opinions/", "liaison.opinions.api.router")
api.add_router("/notifications/", "liaison.notifications.api.router")
api.add_router("/proposals/", "liaison.proposals.api.router")
