"""Schemas every router shares."""

from ninja import Schema


class ErrorOut(Schema):
    """The body of every 4xx answer (see liaison.api.api's exception handlers): a stable `code`, a
    message in the caller's language, and where it applies the field at fault, the errors per field
    or details such as the current state."""

    code: str
    message: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None
    extra: dict | None = None
