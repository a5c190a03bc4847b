"""Background work of the outbox (django-tasks): one delivery attempt, the retry sweep and the
pruning of spent verification codes. The tasks only call services; the sweep and the pruning are
periodic jobs (liaison.notifications.schedule)."""

from datetime import timedelta

from django_tasks import task

from . import services, verification
from .schedule import register_periodic


@task()
def deliver_notification(notification_id: int) -> str:
    return services.notification_deliver(notification_id=notification_id)


@task()
def retry_due_notifications() -> int:
    return services.notifications_retry_due()


@task()
def prune_phone_codes() -> int:
    return verification.phone_codes_prune()


register_periodic("notifications.retry_due", every=timedelta(minutes=1), task=retry_due_notifications)
register_periodic("notifications.prune_phone_codes", every=timedelta(days=1), task=prune_phone_codes)
