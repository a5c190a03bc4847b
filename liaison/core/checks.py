import base64
import binascii

from django.conf import settings
from django.core.checks import Error, register


@register()
def encryption_key_check(app_configs, **kwargs):
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", None)
    try:
        ok = bool(key) and len(base64.b64decode(key, validate=True)) == 32
    except (binascii.Error, ValueError):
        ok = False
    if ok:
        return []
    return [
        Error(
            "FIELD_ENCRYPTION_KEY must be 32 random bytes, base64-encoded",
            hint="python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'",
            id="liaison.E001",
        )
    ]
