"""Background work of the opinion workflow (django-tasks): deadline reminders and overdue notices,
and the purge of contact data past its retention period. The tasks call services only; both are
periodic jobs run by `manage.py scheduler` (liaison.notifications.schedule)."""

from datetime import timedelta

from django_tasks import task

from liaison.notifications.schedule import register_periodic

from . import services


@task()
def remind_deadlines() -> list[int]:
    """Remind units of replies due soon; tell units and offices of overdue replies (each once)."""
    return list(services.assignments_remind())


@task()
def purge_contacts() -> int:
    return services.opinion_contacts_purge()


register_periodic("opinions.remind_deadlines", every=timedelta(hours=1), task=remind_deadlines)
register_periodic("opinions.purge_contacts", every=timedelta(days=1), task=purge_contacts)
