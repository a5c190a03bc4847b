"""Encryption providers (AES-256-GCM "v1:", SM4-GCM "s1:"), reading across a change of NATIONAL_CRYPTO,
tamper detection, blind indexes, normalisation and masking."""

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from liaison.core import crypto
from liaison.core.models import AuditLog

PHONE = "13812341234"


@pytest.fixture(autouse=True)
def _fresh_providers():
    crypto.clear_caches()
    yield
    crypto.clear_caches()


def _flip_byte(token: str, index: int) -> str:
    prefix, body = token[:3], bytearray(base64.b64decode(token[3:]))
    body[index] ^= 0x01
    return prefix + base64.b64encode(bytes(body)).decode()


# --- the algorithms are the standard ones -----------------------------------------------------------
def test_sm4_and_sm3_known_answers():
    """GB/T 32907-2016 appendix A (SM4) and GB/T 32905-2016 (SM3 of "abc")."""
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # ECB: a known-answer test only
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


# --- round trips ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("national", "prefix"), [(False, "v1:"), (True, "s1:")])
def test_round_trip_and_randomised(national, prefix):
    with override_settings(NATIONAL_CRYPTO=national):
        a, b = crypto.encrypt("张三 " + PHONE), crypto.encrypt("张三 " + PHONE)
        assert a.startswith(prefix) and b.startswith(prefix)
        assert a != b and PHONE not in a
        assert crypto.decrypt(a) == "张三 " + PHONE
        assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_rows_stay_readable_after_switching_either_way():
    with override_settings(NATIONAL_CRYPTO=False):
        aes = crypto.encrypt(PHONE)
    with override_settings(NATIONAL_CRYPTO=True):
        sm4 = crypto.encrypt(PHONE)
        assert crypto.provider().prefix == "s1:"
        assert crypto.decrypt(aes) == PHONE and crypto.decrypt(sm4) == PHONE
    with override_settings(NATIONAL_CRYPTO=False):
        assert crypto.provider().prefix == "v1:"
        assert crypto.decrypt(aes) == PHONE and crypto.decrypt(sm4) == PHONE


def test_switching_with_a_manual_cache_clear_as_well():
    """Callers that clear provider()'s functools.cache themselves get the same result."""
    with override_settings(NATIONAL_CRYPTO=True):
        crypto.provider.cache_clear()
        assert crypto.encrypt(PHONE).startswith("s1:")


def test_separate_sm4_key_is_used_and_required_to_read():
    own = base64.b64encode(b"\x07" * 16).decode()
    with override_settings(NATIONAL_CRYPTO=True, SM4_ENCRYPTION_KEY=own):
        token = crypto.encrypt(PHONE)
        assert crypto.decrypt(token) == PHONE
    with override_settings(NATIONAL_CRYPTO=True):  # the derived key cannot read it
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token)


def test_bad_keys_are_refused_loudly():
    with override_settings(NATIONAL_CRYPTO=True, SM4_ENCRYPTION_KEY=base64.b64encode(b"short").decode()):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt(PHONE)
    with override_settings(FIELD_ENCRYPTION_KEY=""):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt(PHONE)
    with override_settings(BLIND_INDEX_KEY="not base64!"):
        with pytest.raises(ImproperlyConfigured):
            crypto.blind_index(PHONE)


# --- tampering --------------------------------------------------------------------------------------
@pytest.mark.parametrize("national", [False, True])
@pytest.mark.parametrize("where", [0, 14, -1])  # nonce, ciphertext, tag
def test_tampering_is_detected(national, where):
    with override_settings(NATIONAL_CRYPTO=national):
        token = crypto.encrypt(PHONE)
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(_flip_byte(token, where))


def test_relabelled_damaged_or_foreign_values_are_refused():
    with override_settings(NATIONAL_CRYPTO=True):
        sm4 = crypto.encrypt(PHONE)
    with pytest.raises(crypto.DecryptionError):  # an SM4 value claiming to be AES
        crypto.decrypt("v1:" + sm4[3:])
    for bad in ("x9:abcd", PHONE, "s1:@@@", "s1:" + base64.b64encode(b"short").decode()):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(bad)
    with override_settings(FIELD_ENCRYPTION_KEY=base64.b64encode(b"k" * 32).decode()):
        with pytest.raises(crypto.DecryptionError):  # another master key
            crypto.decrypt(sm4)


def test_encrypted_field_stores_ciphertext_and_reads_both_providers(world):
    from liaison.deputies.models import Household

    with override_settings(NATIONAL_CRYPTO=True):
        household = Household.objects.create(name="李四", kind="poor", region=world.regions["village"], phone=PHONE)
    stored = Household.objects.filter(pk=household.pk).values_list("phone", flat=True)
    raw = stored.query.get_compiler("default").execute_sql(result_type="single")[0]
    assert raw.startswith("s1:") and PHONE not in raw
    assert Household.objects.get(pk=household.pk).phone == PHONE  # read with the setting off


# --- blind index ------------------------------------------------------------------------------------
def test_blind_index_is_stable_keyed_and_normalised():
    index = crypto.blind_index(PHONE)
    assert len(index) == 64 and int(index, 16) >= 0
    for spelling in ("+86 138-1234-1234", "0086 13812341234", "86 138 1234 1234", "１３８１２３４１２３４"):
        assert crypto.blind_index(spelling, kind="phone") == index
    assert crypto.blind_index("13812341235") != index
    assert crypto.blind_index("") == "" and crypto.blind_index("  ", kind="email") == ""
    assert crypto.blind_index(" A.Person@Example.COM ", kind="email") == crypto.blind_index(
        "a.person@example.com", kind="email"
    )
    # the kind is part of the message: the same text under two kinds differs
    assert crypto.blind_index("12345", kind="phone") != crypto.blind_index("12345", kind="email")
    with pytest.raises(ValueError):
        crypto.blind_index(PHONE, kind="mobile")


def test_blind_index_depends_on_its_own_key_and_on_the_setting():
    plain = crypto.blind_index(PHONE)
    with override_settings(BLIND_INDEX_KEY=base64.b64encode(b"i" * 32).decode()):
        assert crypto.blind_index(PHONE) != plain
    with override_settings(NATIONAL_CRYPTO=True):
        national = crypto.blind_index(PHONE)
        assert national != plain and len(national) == 64
        assert crypto.blind_index("+86 13812341234") == national
    assert crypto.blind_index(PHONE) == plain


def test_blind_index_key_is_not_the_encryption_key():
    assert crypto._blind_index_key() != crypto._master_key()
    with override_settings(NATIONAL_CRYPTO=True):
        assert crypto._blind_index_key() != crypto._master_key()[:32]
        assert crypto._sm4()._key not in crypto._blind_index_key()


def test_reindex_blind_command_recomputes_after_switching(world):
    """Household.address stands in for an index column (no committed model keeps one yet)."""
    from liaison.deputies.models import Household

    household = Household.objects.create(
        name="王五", kind="poor", region=world.regions["village"], phone=PHONE, address="stale"
    )
    with override_settings(NATIONAL_CRYPTO=True):
        call_command("reindex_blind", "deputies.Household", "address=phone:phone", "--batch", "1")
        household.refresh_from_db()
        assert household.address == crypto.blind_index(PHONE)
    row = AuditLog.objects.filter(model="deputies.Household", action=AuditLog.Action.SECURITY).latest("id")
    assert row.after == {"columns": ["address"], "changed": 1}
    with override_settings(NATIONAL_CRYPTO=True):  # nothing left to change
        call_command("reindex_blind", "deputies.Household", "address=phone:phone")
    assert AuditLog.objects.filter(model="deputies.Household", action="security").latest("id").after["changed"] == 0


@pytest.mark.parametrize(
    "args",
    [["nope.Model", "a=b:phone"], ["deputies.Household", "address"], ["deputies.Household", "x=phone:phone"]],
)
def test_reindex_blind_command_refuses_bad_arguments(db, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reindex_blind", *args)


# --- phones and masking -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "normalized", "mobile"),
    [
        ("13812341234", "13812341234", True),
        ("+86 138 1234 1234", "13812341234", True),
        ("+8613812341234", "13812341234", True),
        ("0086-138-1234-1234", "13812341234", True),
        ("86 13812341234", "13812341234", True),
        ("１９９１２３４５６７８", "19912345678", True),
        ("12812341234", "12812341234", False),  # 12x is not a mobile prefix
        ("1381234123", "1381234123", False),  # ten digits
        ("138123412345", "138123412345", False),
        ("010-12345678", "01012345678", False),  # a landline keeps its area code
        ("", "", False),
    ],
)
def test_normalize_phone_and_mobile_check(raw, normalized, mobile):
    assert crypto.normalize_phone(raw) == normalized
    assert crypto.is_mobile_phone(raw) is mobile


def test_masking():
    assert crypto.mask_phone(PHONE) == "138****1234"
    assert crypto.mask_email("alice@example.com") == "a***@example.com"
    assert crypto.mask_email(" Bob.Li@mail.gov.cn ") == "B***@mail.gov.cn"
    assert crypto.mask_email("") == "" and crypto.mask_email("@x.cn") == "@****"
    assert crypto.mask_email("no-at-sign") == "n******"
