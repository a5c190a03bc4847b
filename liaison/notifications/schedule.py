"""Periodic jobs on top of django-tasks, which has no scheduler of its own.

A part declares its jobs in its `tasks.py` (found by autodiscovery, as the admin finds `admin.py`)::

    register_periodic("stations.roster_reminders", every=timedelta(hours=1), task=send_roster_reminders)
    register_periodic("core.cleanup", every=timedelta(days=1), func_path="liaison.core.cleanup.run")

`manage.py scheduler` wakes every minute and, for each job that is due, *claims* the run through the
job's `PeriodicJob` row — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, one conditional
`UPDATE … WHERE last_run_at <= due` on SQLite — and enqueues its task for the workers. The claim is
what makes several schedulers (one per machine, for availability) safe: each run is claimed once.
`manage.py run_periodic` runs jobs once in its own process (cron, tests, an operator)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django_tasks import task
from django_tasks.base import Task

from .models import PeriodicJob

logger = logging.getLogger("liaison.scheduler")

MAX_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: Task | None = None
    func_path: str = ""

    @property
    def tolerance(self) -> timedelta:
        """A run a few seconds early still counts as due, so that a job every minute on a scheduler that
        wakes every minute does not slip to every other minute."""
        return min(self.every / 10, MAX_TOLERANCE)

    def enqueue(self) -> None:
        if self.task is not None:
            self.task.enqueue()
        else:
            run_periodic_job.enqueue(self.name)

    def run(self):
        if self.task is not None:
            return self.task.call()
        return import_string(self.func_path)()


_JOBS: dict[str, Periodic] = {}


def register_periodic(name: str, *, every: timedelta, task: Task | None = None, func_path: str = "") -> Periodic:
    """Declare a periodic job: a django-tasks `task` (enqueued as it is) or the dotted path of a plain
    function (run by the generic task `run_periodic_job`). Registering a name again replaces it."""
    if (task is None) == (not func_path):
        raise ValueError("register_periodic needs exactly one of task= or func_path=")
    if every < timedelta(minutes=1):
        raise ValueError("a periodic job runs at most once a minute")
    if not name or len(name) > 100:
        raise ValueError("a periodic job needs a name of at most 100 characters")
    job = Periodic(name=name, every=every, task=task, func_path=func_path)
    _JOBS[name] = job
    return job


def jobs() -> dict[str, Periodic]:
    """Every registered job, after importing each installed part's `tasks` module."""
    autodiscover_modules("tasks")
    return dict(sorted(_JOBS.items()))


def get_job(name: str) -> Periodic:
    try:
        return jobs()[name]
    except KeyError:
        raise LookupError(f"no periodic job named {name!r}") from None


@task()
def run_periodic_job(name: str):
    """The task behind jobs registered with func_path=."""
    return get_job(name).run()


# --- claiming runs --------------------------------------------------------------------------------


def ensure_rows(names) -> None:
    PeriodicJob.objects.bulk_create([PeriodicJob(name=n) for n in names], ignore_conflicts=True)


def claim(job: Periodic, *, now=None) -> bool:
    """Claim the run of `job` due at `now`: True for exactly one caller however many try at once; False
    when the job ran less than `every` ago or another scheduler holds it. The row must exist."""
    now = now or timezone.now()
    due_before = now - job.every + job.tolerance
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            row = PeriodicJob.objects.select_for_update(skip_locked=True).filter(name=job.name).first()
            if row is None or (row.last_run_at is not None and row.last_run_at > due_before):
                return False
            row.last_run_at = now
            row.save(update_fields=["last_run_at"])
            return True
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=due_before)
    return PeriodicJob.objects.filter(due, name=job.name).update(last_run_at=now) == 1


def mark_run(name: str, *, now=None) -> None:
    """Record a run made outside the claim (a forced `run_periodic NAME`)."""
    ensure_rows([name])
    PeriodicJob.objects.filter(name=name).update(last_run_at=now or timezone.now())


def due_jobs(*, now=None) -> list[Periodic]:
    """Claim every registered job that is due; the caller starts the claimed ones."""
    registered = jobs()
    ensure_rows(registered)
    return [job for job in registered.values() if claim(job, now=now)]


def tick(*, now=None) -> list[str]:
    """One round of the scheduler: claim what is due and enqueue it for the workers."""
    started = []
    for job in due_jobs(now=now):
        try:
            job.enqueue()
        except Exception:  # one broken job must not stop the others; it is tried again next time
            logger.exception("periodic job %s could not be enqueued", job.name)
            PeriodicJob.objects.filter(name=job.name).update(last_run_at=None)
            continue
        started.append(job.name)
    return started
