"""The password rules of the chosen security profile, and the history of used passwords."""

import string
from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory, SecuritySettings


def password_recently_used(user, raw_password: str, *, count: int) -> bool:
    """Whether `raw_password` is one of the user's last `count` passwords (the current one first).
    Each comparison is a full hash check (as slow as a log-in), at most `count` of them."""
    if count <= 0 or user.pk is None:
        return False
    hashes = list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("password", flat=True)[:count]
    )
    if user.password and user.password not in hashes:  # an account older than the history
        hashes = [user.password, *hashes[: count - 1]]
    return any(check_password(raw_password, encoded) for encoded in hashes)


def password_history_record(user, *, count: int, previous: str = "") -> None:
    """Remember the user's new password (its hash, as stored on the user) and forget all but the
    last `count`; with `count` 0 nothing is kept. `previous` is the hash of the password it replaces,
    remembered too when the history does not hold it yet (an account older than the history)."""
    if count > 0 and previous and not PasswordHistory.objects.filter(user=user, password=previous).exists():
        PasswordHistory.objects.create(
            user=user, password=previous, created_at=user.password_changed_at - timedelta(microseconds=1)
        )
    if count > 0 and user.password:
        PasswordHistory.objects.create(user=user, password=user.password, created_at=user.password_changed_at)
    keep = list(
        PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id").values_list("pk", flat=True)[:count]
    )
    PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()


def password_history_help(count: int) -> str:
    if count <= 0:
        return ""
    return ngettext(
        "It must differ from your current password.",
        "It must differ from your last %(n)d passwords.",
        count,
    ) % {"n": count}


class ProfilePasswordValidator:
    def validate(self, password, user=None):
        from .security import current_settings

        cfg = current_settings()
        errors = []
        if len(password) < cfg.min_length:
            errors.append(
                ValidationError(
                    _("The password must have at least %(n)d characters.") % {"n": cfg.min_length},
                    code="password_too_short",
                )
            )
        if cfg.profile == SecuritySettings.Profile.MLPS3:
            classes = sum(
                [
                    any(c.islower() for c in password),
                    any(c.isupper() for c in password),
                    any(c.isdigit() for c in password),
                    any(c in string.punctuation for c in password),
                ]
            )
            if classes < 3:
                errors.append(
                    ValidationError(
                        _(
                            "The password must mix at least three of: lower-case letters, upper-case letters,"
                            " digits and symbols."
                        ),
                        code="password_classes",
                    )
                )
        else:
            try:
                CommonPasswordValidator().validate(password, user)
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        from .security import current_settings

        cfg = current_settings()
        if cfg.profile == SecuritySettings.Profile.MLPS3:
            text = _("At least %(n)d characters, mixing three of: lower-case, upper-case, digits, symbols.") % {
                "n": cfg.min_length
            }
        else:
            text = _("At least %(n)d characters and not a common password.") % {"n": cfg.min_length}
        history = password_history_help(cfg.password_history_count)
        return f"{text} {history}" if history else text
