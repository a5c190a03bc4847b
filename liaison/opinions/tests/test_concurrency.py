"""Two people acting on the same opinion at the same moment: one wins, the other is told plainly.
Real threads with their own connections; on PostgreSQL the row lock makes the second wait, on SQLite
the IMMEDIATE transaction does."""

import threading

import pytest
from django.db import close_old_connections, connection

from liaison.opinions import exceptions as errors
from liaison.opinions import services
from liaison.opinions.models import Assignment, Event, Opinion

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls at once (released together by a barrier); return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the outcome is what the test looks at
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_officers_assign_the_same_opinion_at_once(ow, submit):
    opinion = submit()
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    seen = Opinion.objects.get(pk=opinion.pk).version
    results = race(
        lambda: services.opinion_assign(
            actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]], version=seen
        ),
        lambda: services.opinion_assign(
            actor=ow.users["town_officer"], opinion_id=opinion.pk, units=[ow.units["town_water"]], version=seen
        ),
    )
    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, errors.OpinionChanged)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert Assignment.objects.filter(opinion_id=opinion.pk).count() == 1
    assert Event.objects.filter(opinion_id=opinion.pk, action="assign").count() == 1


def test_two_accepts_without_a_version_one_is_told_the_state_changed(ow, submit):
    opinion = submit()
    results = race(
        lambda: services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township"),
        lambda: services.opinion_accept(actor=ow.users["town_officer"], opinion_id=opinion.pk, level="county"),
    )
    oks = [r for r in results if isinstance(r, Opinion)]
    fails = [r for r in results if isinstance(r, errors.TransitionNotAllowed)]
    assert len(oks) == 1 and len(fails) == 1, results
    assert Opinion.objects.get(pk=opinion.pk).level == oks[0].level
    assert Event.objects.filter(opinion_id=opinion.pk, action="accept").count() == 1
