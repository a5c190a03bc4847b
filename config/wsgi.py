import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
# The URL patterns (the API's schemas among them) are built as each worker starts rather than by its
# first request, which otherwise takes a couple of seconds after every restart.
get_resolver().reverse_dict  # noqa: B018
