"""The password rules of the chosen security profile."""

import string

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import SecuritySettings


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
            return _("At least %(n)d characters, mixing three of: lower-case, upper-case, digits, symbols.") % {
                "n": cfg.min_length
            }
        return _("At least %(n)d characters and not a common password.") % {"n": cfg.min_length}
