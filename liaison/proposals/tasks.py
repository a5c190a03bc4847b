"""Background work of the suggestion and motion workflows (django-tasks): reminders before the reply
deadlines and overdue notices to the units and the liaison office. The task calls the service only;
it is a periodic job run by `manage.py scheduler` (liaison.notifications.schedule)."""

from datetime import timedelta

from django_tasks import task

from liaison.notifications.schedule import register_periodic

from . import handling


@task()
def remind_deadlines() -> list[int]:
    """Remind units of replies due soon; tell units and offices of overdue replies (each once)."""
    return list(handling.assignments_remind())


register_periodic("proposals.remind_deadlines", every=timedelta(hours=1), task=remind_deadlines)
