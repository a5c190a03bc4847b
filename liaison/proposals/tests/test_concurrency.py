"""Registration numbers under parallel requests: real threads, each with its own database connection,
registering at the same moment. On PostgreSQL the sequence row's lock makes them take turns (and two
first numbers of a new sequence race on its insert, the loser reading the winner's row); the numbers
must come out 1..n, no duplicates, no gaps. SQLite runs one write transaction at a time
(BEGIN IMMEDIATE), so there the test shows the same outcome without real contention."""

import threading

import pytest
from django.db import close_old_connections, connection

from liaison.proposals import exceptions as errors
from liaison.proposals import motions, services
from liaison.proposals.models import Event, Motion, NumberSequence, Suggestion

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 6


def race(*calls):
    """Run the calls at once (released together by a barrier); return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
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
        t.join(60)
    return results


def _register(officer, pk):
    return lambda: services.suggestion_register(actor=officer, suggestion_id=pk)


def test_parallel_registrations_get_distinct_numbers_without_gaps(pw):
    submitted = [pw.submitted(lead=lead) for lead in ("li", "zhang", "wang", "zhao", "chen", "li")]
    assert not NumberSequence.objects.exists()  # the first numbers also race on creating the sequence
    officer = pw.users["officer"]
    results = race(*(_register(officer, s.pk) for s in submitted))
    assert all(isinstance(r, Suggestion) for r in results), results
    numbers = sorted(Suggestion.objects.filter(pk__in=[s.pk for s in submitted]).values_list("number", flat=True))
    assert numbers == list(range(1, PARALLEL + 1))
    (sequence,) = NumberSequence.objects.all()
    assert sequence.last == PARALLEL


def test_two_officers_register_the_same_suggestion_once(pw):
    suggestion = pw.submitted()
    results = race(
        lambda: services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk),
        lambda: services.suggestion_register(actor=pw.users["pref_officer"], suggestion_id=suggestion.pk),
    )
    oks = [r for r in results if isinstance(r, Suggestion)]
    refused = [r for r in results if isinstance(r, errors.TransitionNotAllowed)]
    assert len(oks) == 1 and len(refused) == 1, results
    assert Suggestion.objects.get(pk=suggestion.pk).number == 1
    assert NumberSequence.objects.get().last == 1  # the loser took no number
    assert Event.objects.filter(suggestion=suggestion, action="register").count() == 1


def test_parallel_motion_submissions_are_numbered_without_gaps(pw):
    drafts = [pw.motion_draft(cosigners=("zhang", "wang")) for _ in range(4)]
    results = race(*(lambda pk=m.pk: motions.motion_submit(actor=pw.users["li"], motion_id=pk) for m in drafts))
    assert all(isinstance(r, Motion) for r in results), results
    numbers = sorted(Motion.objects.filter(pk__in=[m.pk for m in drafts]).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
