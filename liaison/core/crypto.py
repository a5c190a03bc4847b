"""Encryption of personal data at rest behind one provider interface.

The default provider is AES-256-GCM with the key from FIELD_ENCRYPTION_KEY (32 bytes, base64). A
stored value is "v1:" + base64(nonce ‖ ciphertext ‖ tag). Later providers (SM4-GCM) register under
another prefix, so old rows stay readable after the setting changes."""

import base64
import functools
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class AesGcmProvider:
    prefix = "v1:"

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)
        return self.prefix + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token[len(self.prefix) :])
        return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")


@functools.cache
def provider() -> AesGcmProvider:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", None)
    if not key:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set")
    return AesGcmProvider(base64.b64decode(key))


def encrypt(value: str) -> str:
    return provider().encrypt(value) if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    return provider().decrypt(value)


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted before it reaches the database."""

    is_secret = True

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


def mask_phone(value: str) -> str:
    """138****1234: the first three and the last four digits of a phone number."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 1)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(value: str) -> str:
    if not value:
        return ""
    return value[:1] + "*" * min(len(value) - 1, 6)
