"""`manage.py reindex_blind app.Model index=source:kind …`: recompute blind-index columns after
NATIONAL_CRYPTO or BLIND_INDEX_KEY changed, for example

    manage.py reindex_blind opinions.Opinion phone_index=submitter_phone:phone email_index=submitter_email:email

Run it for every table that keeps a blind index (docs/deployment.md), with the new settings in place."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from liaison.core.exceptions import ApplicationError
from liaison.core.services import BlindIndexColumn, blind_index_rebuild


class Command(BaseCommand):
    help = "Recompute blind-index columns from their encrypted source columns."

    def add_arguments(self, parser):
        parser.add_argument("model", help="app_label.Model")
        parser.add_argument("columns", nargs="+", help="index_field=source_field:kind (kind: phone or email)")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, model, columns, batch, **options):
        try:
            target = apps.get_model(model)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"unknown model {model!r}") from exc
        specs = []
        for text in columns:
            index, _, rest = text.partition("=")
            source, _, kind = rest.partition(":")
            if not (index and source and kind):
                raise CommandError(f"write index_field=source_field:kind, not {text!r}")
            specs.append(BlindIndexColumn(index=index, source=source, kind=kind))
        try:
            changed = blind_index_rebuild(actor=None, model=target, columns=specs, batch=batch)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{target._meta.label}: {changed} rows re-indexed")
