"""Background work of the opinion workflow (django-tasks): deadline reminders and overdue notices,
the purge of contact data past its retention period, the pruning of the public pages' counted
attempts. The tasks call services only; all are periodic jobs run by `manage.py scheduler`
(liaison.notifications.schedule)."""

from datetime import timedelta

from django_tasks import task

from liaison.notifications.schedule import register_periodic

from . import services, throttle


@task()
def remind_deadlines() -> list[int]:
    """Remind units of replies due soon; tell units and offices of overdue replies (each once)."""
    return list(services.assignments_remind())


@task()
def purge_contacts() -> int:
    return services.opinion_contacts_purge()


@task()
def prune_attempts() -> int:
    return throttle.attempts_prune()


register_periodic("opinions.remind_deadlines", every=timedelta(hours=1), task=remind_deadlines)
register_periodic("opinions.purge_contacts", every=timedelta(days=1), task=purge_contacts)
register_periodic("opinions.prune_attempts", every=timedelta(hours=1), task=prune_attempts)
