"""The registry of notification kinds: each kind names a subject, a body and optionally a link, as
lazily translated texts with `{name}` placeholders that `notify()` fills from its context.

Each part registers its own kinds in its `notices.py`, imported from its AppConfig.ready::

    # liaison/opinions/notices.py
    from django.utils.translation import gettext_lazy as _
    from liaison.notifications.kinds import register_kind

    register_kind(
        "opinion_assigned",
        subject=_("Opinion {tracking_code} assigned to you"),
        body=_("{unit}: opinion {tracking_code} is to be answered by {deadline}."),
        url="/work/opinions/{opinion_id}/",
    )

Values named in `secret` (a verification code) are sent but never stored in clear: the logged copy
shows them masked."""

import string
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

SECRET_MASK = "******"


@dataclass(frozen=True)
class Kind:
    name: str
    subject: str | Promise
    body: str | Promise
    url: str | Callable[[dict], str] | None = None
    secret: tuple[str, ...] = ()


_KINDS: dict[str, Kind] = {}


def register_kind(
    kind: str,
    *,
    subject: str | Promise,
    body: str | Promise,
    url: str | Callable[[dict], str] | None = None,
    secret: tuple[str, ...] = (),
) -> Kind:
    """Declare a kind of notification. Registering the same name again replaces it (module reloads)."""
    if not kind or len(kind) > 60:
        raise ValueError("a notification kind needs a name of at most 60 characters")
    entry = Kind(name=kind, subject=subject, body=body, url=url, secret=tuple(secret))
    _KINDS[kind] = entry
    return entry


def get_kind(kind: str) -> Kind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(
            f"unknown notification kind {kind!r}: register it in the part's notices.py "
            "(imported from its AppConfig.ready)"
        ) from None


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


class _Formatter(string.Formatter):
    """str.format_map with a safe mapping: a plain `{name}` is filled from the context, a missing one
    stays as written, and attribute or index lookups (`{user.password}`, `{a[0]}`) are never evaluated
    — a translated text cannot reach into the objects of the context."""

    def get_field(self, field_name, args, kwargs):
        if field_name.isidentifier() and field_name in kwargs:
            return kwargs[field_name], field_name
        return _Literal("{" + field_name + "}"), field_name


class _Literal(str):
    def __format__(self, spec):
        return str(self)


_FORMATTER = _Formatter()


def fill(template, context: dict) -> str:
    """The template (a lazy text, rendered in the active language) with its placeholders filled."""
    values = {k: str(v) if isinstance(v, Promise) else v for k, v in context.items()}
    text = str(template)
    try:
        return _FORMATTER.vformat(text, (), values)
    except (ValueError, TypeError):  # a stray brace or a format spec that does not fit the value
        return text
