"""Schemas every router shares."""

from ninja import Field, Schema

from liaison.core.paging import COUNT_CAP


class ErrorOut(Schema):
    """The body of every 4xx answer (see liaison.api.api's exception handlers): a stable `code`, a
    message in the caller's language, and where it applies the field at fault, the errors per field
    or details such as the current state."""

    code: str
    message: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None
    extra: dict | None = None


class Ref(Schema):
    id: int
    name: str


PAGE_SIZE, PAGE_SIZE_MAX = 20, 100


class PageOut(Schema):
    count: int = Field(description=f"matching rows, exact up to {COUNT_CAP}")
    count_capped: bool = Field(description="true when more rows match than `count` says")
    page: int
    page_size: int
    has_next: bool


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=10000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX)
