"""The scheduler: claims are taken once (also by concurrent schedulers), due jobs run, run_periodic."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from liaison.notifications import schedule
from liaison.notifications.models import PeriodicJob

from . import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(monkeypatch):
    """A job every hour that counts its runs, registered for this test only (alone, so that the real
    jobs do not run)."""
    jobs.RUNS.clear()
    monkeypatch.setattr(schedule, "_JOBS", {})
    monkeypatch.setattr(schedule, "autodiscover_modules", lambda *a: None)
    return schedule.register_periodic(
        "test.count", every=datetime.timedelta(hours=1), func_path="liaison.notifications.tests.jobs.count_run"
    )


def test_two_claims_in_a_row_give_one_run(job):
    schedule.ensure_rows(["test.count"])
    now = timezone.now()
    assert schedule.claim(job, now=now) is True
    assert schedule.claim(job, now=now) is False
    assert schedule.claim(job, now=now + datetime.timedelta(minutes=59)) is False
    assert schedule.claim(job, now=now + datetime.timedelta(minutes=60)) is True
    assert PeriodicJob.objects.get(name="test.count").last_run_at == now + datetime.timedelta(minutes=60)


def test_a_few_seconds_early_still_counts_as_due(job):
    schedule.ensure_rows(["test.count"])
    now = timezone.now()
    assert schedule.claim(job, now=now)
    assert schedule.claim(job, now=now + datetime.timedelta(minutes=59, seconds=56))


def test_ticks_run_each_due_job_once(job):
    now = timezone.now()
    assert schedule.tick(now=now) == ["test.count"]  # enqueued; the test backend runs it at once
    assert schedule.tick(now=now + datetime.timedelta(seconds=60)) == []
    assert jobs.RUNS == ["run"]


def test_run_periodic_command(job, capsys):
    call_command("run_periodic", "--all")
    call_command("run_periodic", "--all")  # not due again
    assert jobs.RUNS == ["run"]
    call_command("run_periodic", "test.count")  # by name: now, due or not
    call_command("run_periodic", "--all", "--force")
    assert len(jobs.RUNS) == 3
    assert "Nothing is due." in capsys.readouterr().out


def test_scheduler_command_once(job):
    call_command("scheduler", "--once")
    call_command("scheduler", "--once")
    assert jobs.RUNS == ["run"]


def test_registration_is_checked():
    with pytest.raises(ValueError):
        schedule.register_periodic("x", every=datetime.timedelta(hours=1))
    with pytest.raises(ValueError):
        schedule.register_periodic("x", every=datetime.timedelta(seconds=5), func_path="a.b")


def test_real_jobs_are_registered():
    names = set(schedule.jobs())
    assert {"notifications.retry_due", "notifications.prune_phone_codes", "stations.roster_reminders"} <= names


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_claim_a_run_once(job):
    """Several schedulers at the same moment, each on its own connection: exactly one claim wins."""
    schedule.ensure_rows(["test.count"])
    now = timezone.now()
    results, barrier = [], threading.Barrier(4)

    def scheduler():
        try:
            barrier.wait()
            results.append(schedule.claim(job, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
