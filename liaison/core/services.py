"""Writes to the records kept in core: the rebuild of blind indexes after the encryption settings change."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext as _

from .audit import audit_record
from .crypto import NORMALIZERS, blind_index
from .exceptions import ValidationFailed
from .models import AuditLog


# --- blind indexes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlindIndexColumn:
    """A column holding `blind_index(<source>, kind=<kind>)` of an encrypted column of the same row."""

    index: str
    source: str
    kind: str


def blind_index_rebuild(*, actor, model: type[models.Model], columns: list[BlindIndexColumn], batch: int = 500) -> int:
    """Recompute blind-index columns from their encrypted sources, after NATIONAL_CRYPTO or the index
    key changed (liaison.core.crypto). Batches of `batch` rows by primary key, each locked and written in
    its own transaction, so a large table neither holds one long lock nor starts over after a failure.
    Returns the number of rows changed; one audit row records the rebuild."""
    if not columns:
        raise ValidationFailed(_("Name at least one index column."))
    for column in columns:
        for name in (column.index, column.source):
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ValidationFailed(
                    _("%(model)s has no field %(field)s.") % {"model": model._meta.label, "field": name}
                ) from None
        if column.kind not in NORMALIZERS:
            raise ValidationFailed(_("Unknown index kind %(kind)s.") % {"kind": column.kind})
    names = ["pk", *{c.index for c in columns}, *{c.source for c in columns}]
    manager, last, changed = model._default_manager, None, 0
    while True:
        with transaction.atomic():
            rows = manager.select_for_update().order_by("pk").only(*names)
            rows = list((rows.filter(pk__gt=last) if last is not None else rows)[:batch])
            if not rows:
                break
            dirty = []
            for row in rows:
                fresh = {c.index: blind_index(getattr(row, c.source) or "", kind=c.kind) for c in columns}
                if any(getattr(row, name) != value for name, value in fresh.items()):
                    for name, value in fresh.items():
                        setattr(row, name, value)
                    dirty.append(row)
            if dirty:
                manager.bulk_update(dirty, [c.index for c in columns])
            changed += len(dirty)
            last = rows[-1].pk
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.SECURITY,
            model=model._meta.label,
            object_repr=_("blind indexes rebuilt"),
            after={"columns": [c.index for c in columns], "changed": changed},
        )
    return changed
