"""Encryption of personal data at rest behind one provider interface, blind indexes to find a row by
an encrypted value, and the normalisation and masking of phone numbers and e-mail addresses.

**Providers.** A stored value is a prefix naming its provider + base64(nonce ‖ ciphertext ‖ tag):
- "v1:" AES-256-GCM, key FIELD_ENCRYPTION_KEY (32 bytes, base64), no associated data;
- "s1:" SM4-GCM (GB/T 32907, national cryptography), 16-byte key, the prefix as associated data.
New values are written with SM4-GCM when NATIONAL_CRYPTO is on, with AES-256-GCM otherwise; `decrypt`
chooses by the prefix, so rows written under either setting stay readable after switching. The SM4 key
is SM4_ENCRYPTION_KEY (16 bytes, base64) when set, otherwise derived from FIELD_ENCRYPTION_KEY with
HKDF-SM3 under its own label; one secret to keep is the default, a separate key is for deployments whose
key management issues the SM4 key itself.

**Blind index.** `blind_index(value, kind=…)` is a keyed HMAC of the normalised value (HMAC-SHA256, or
HMAC-SM3 under NATIONAL_CRYPTO), so that "the opinions sent from this phone number" is an indexed
equality lookup while the number itself stays encrypted. Its key is BLIND_INDEX_KEY (≥ 32 bytes,
base64) when set, otherwise derived from FIELD_ENCRYPTION_KEY with HKDF under another label: knowing
the index key reveals nothing of the encryption key. The kind is part of the message, so a phone and an
e-mail address never share an index value. Switching NATIONAL_CRYPTO (or the key) changes every index
value: run `manage.py reindex_blind` for each indexed table afterwards (docs/deployment.md).
"""

import base64
import binascii
import functools
import os
import re
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_INFO = b"liaison:sm4-gcm:field-encryption:v1"
BLIND_INDEX_INFO = b"liaison:blind-index:v1"


class DecryptionError(Exception):
    """A stored value that cannot be decrypted: unknown prefix, damaged, altered or another key."""


class AesGcmProvider:
    prefix = "v1:"

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)
        return self.prefix + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = _unpack(token, self.prefix)
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError("the value was altered or the key is wrong") from exc


class Sm4GcmProvider:
    """SM4 in GCM mode (cryptography's `algorithms.SM4` + `modes.GCM`, OpenSSL underneath)."""

    prefix = "s1:"

    def __init__(self, key: bytes):
        if len(key) != 16:
            raise ImproperlyConfigured("SM4_ENCRYPTION_KEY must be 16 bytes, base64-encoded")
        self._key = key

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(self.prefix.encode("ascii"))
        sealed = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
        return self.prefix + base64.b64encode(nonce + sealed + encryptor.tag).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = _unpack(token, self.prefix)
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("the value is too short")
        nonce, sealed, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(self.prefix.encode("ascii"))
        try:
            return (decryptor.update(sealed) + decryptor.finalize()).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError("the value was altered or the key is wrong") from exc


def _unpack(token: str, prefix: str) -> bytes:
    try:
        return base64.b64decode(token[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("the value is not valid base64") from exc


# --- keys -----------------------------------------------------------------------------------------
def _key_from_setting(name: str, *, sizes: range) -> bytes | None:
    value = getattr(settings, name, None)
    if not value:
        return None
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} must be base64-encoded") from exc
    if len(key) not in sizes:
        size = f"{sizes.start}" if len(sizes) == 1 else f"{sizes.start} to {sizes.stop - 1}"
        raise ImproperlyConfigured(f"{name} must be {size} bytes, base64-encoded")
    return key


def _master_key() -> bytes:
    key = _key_from_setting("FIELD_ENCRYPTION_KEY", sizes=range(32, 33))
    if key is None:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set")
    return key


def _hash():
    return hashes.SM3() if getattr(settings, "NATIONAL_CRYPTO", False) else hashes.SHA256()


def _derive(info: bytes, length: int, algorithm) -> bytes:
    return HKDF(algorithm=algorithm, length=length, salt=None, info=info).derive(_master_key())


@functools.cache
def _aes() -> AesGcmProvider:
    return AesGcmProvider(_master_key())


@functools.cache
def _sm4() -> Sm4GcmProvider:
    key = _key_from_setting("SM4_ENCRYPTION_KEY", sizes=range(16, 17))
    return Sm4GcmProvider(key or _derive(SM4_KEY_INFO, 16, hashes.SM3()))


READERS = {AesGcmProvider.prefix: _aes, Sm4GcmProvider.prefix: _sm4}


@functools.cache
def provider() -> AesGcmProvider | Sm4GcmProvider:
    """The provider that encrypts new values: SM4-GCM under NATIONAL_CRYPTO, AES-256-GCM otherwise."""
    return _sm4() if getattr(settings, "NATIONAL_CRYPTO", False) else _aes()


@functools.cache
def _blind_index_key() -> bytes:
    key = _key_from_setting("BLIND_INDEX_KEY", sizes=range(32, 65))
    return key or _derive(BLIND_INDEX_INFO, 32, _hash())


def clear_caches() -> None:
    """Forget the providers and keys (after a key or NATIONAL_CRYPTO changes; tests)."""
    for cached in (_aes, _sm4, provider, _blind_index_key):
        cached.cache_clear()


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting in {"FIELD_ENCRYPTION_KEY", "SM4_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "NATIONAL_CRYPTO"}:
        clear_caches()


# --- values ---------------------------------------------------------------------------------------
def encrypt(value: str) -> str:
    return provider().encrypt(value) if value else ""


def decrypt(value: str) -> str:
    """The plain text of a stored value, whichever provider wrote it; raises DecryptionError."""
    if not value:
        return ""
    reader = READERS.get(value[:3])
    if reader is None:
        raise DecryptionError("unknown encryption prefix")
    return reader().decrypt(value)


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted before it reaches the database."""

    is_secret = True

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


# --- normalisation and blind index -----------------------------------------------------------------
MOBILE_PHONE = re.compile(r"1[3-9]\d{9}")


def normalize_phone(value: str) -> str:
    """Digits only (full-width digits too), without the country code +86 / 0086 / 86 in front of a
    mobile number: "+86 138-1234-1234" → "13812341234". Landlines keep their area code
    ("010-12345678" → "01012345678")."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+86"):
        return digits[2:]
    if digits.startswith("0086"):
        return digits[4:]
    if len(digits) == 13 and digits.startswith("86") and MOBILE_PHONE.fullmatch(digits[2:]):
        return digits[2:]
    return digits


def is_mobile_phone(value: str) -> bool:
    """A mainland mobile number (1[3-9] and nine digits), after `normalize_phone`."""
    return bool(MOBILE_PHONE.fullmatch(normalize_phone(value)))


def normalize_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lower()


NORMALIZERS = {"phone": normalize_phone, "email": normalize_email}


def blind_index(value: str, *, kind: str = "phone") -> str:
    """The keyed HMAC (hex, 64 characters) of the normalised value, to look up rows by an encrypted
    value; "" for an empty value. Stable for one key and one NATIONAL_CRYPTO setting."""
    try:
        normalized = NORMALIZERS[kind](value)
    except KeyError:
        raise ValueError(f"unknown blind index kind {kind!r}; one of {sorted(NORMALIZERS)}") from None
    if not normalized:
        return ""
    mac = hmac.HMAC(_blind_index_key(), _hash())
    mac.update(f"{kind}\x00{normalized}".encode())
    return mac.finalize().hex()


# --- masking --------------------------------------------------------------------------------------
def mask_phone(value: str) -> str:
    """138****1234: the first three and the last four digits of a phone number."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 1)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    """a***@example.com: the first character of the name and the whole domain."""
    value = (value or "").strip()
    if not value:
        return ""
    name, at, domain = value.rpartition("@")
    if not at or not name:
        return mask_text(value)
    return f"{name[:1]}***@{domain}"


def mask_text(value: str) -> str:
    if not value:
        return ""
    return value[:1] + "*" * min(len(value) - 1, 6)
