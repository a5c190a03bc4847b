"""The client address of the request being served, for audit rows written deep inside services."""

import contextvars

_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("liaison_client_ip", default=None)


def client_ip(request) -> str | None:
    # Behind a reverse proxy, REMOTE_ADDR is the proxy; the deployment guide sets the proxy to pass the
    # client address in REMOTE_ADDR (gunicorn --forwarded-allow-ips), so this reads only REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


def current_ip() -> str | None:
    return _ip.get()


class RequestIPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _ip.reset(token)
