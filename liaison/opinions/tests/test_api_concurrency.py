"""Two people acting on the same opinion at the same moment through the API: one wins, the other is
told plainly (409), nothing is overwritten. Real transactions and two threads with their own
database connections: on PostgreSQL the second waits for the first's row lock; on SQLite the write
transactions (BEGIN IMMEDIATE) run one after the other — the outcome must be the same."""

import threading

import pytest
from django.db import connection
from django.test import Client

from liaison.opinions.models import Assignment, Event, Opinion
from liaison.opinions.tests.test_api import bearer, post
from liaison.opinions.tests.test_services import accepted


def race(calls) -> list[tuple[int, str]]:
    """Run the (url, data, headers) calls at once, one thread each; their (status, code) answers."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, str]] = []

    def run(url, data, headers):
        try:
            client = Client()
            barrier.wait(timeout=10)
            response = post(client, url, data, **headers)
            results.append((response.status_code, response.json().get("code", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == len(calls), "a request did not finish"
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_accepting_the_same_opinion_at_once(ow, submit):
    opinion = submit()
    url = f"/api/opinions/{opinion.pk}/accept"
    officer, staff = bearer(ow.users["town_officer"]), bearer(ow.users["staff"])
    results = race([(url, {"level": "township"}, officer), (url, {"level": "county"}, staff)])
    assert results[0][0] == 200
    assert results[1] == (409, "transition_not_allowed")
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.ACCEPTED and opinion.version == 2
    assert Event.objects.filter(opinion=opinion, action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_assigning_from_the_same_version_at_once(ow, submit):
    opinion = accepted(ow, submit)
    url = f"/api/opinions/{opinion.pk}/assign"
    officer, staff = bearer(ow.users["town_officer"]), bearer(ow.users["staff"])
    results = race(
        [
            (url, {"unit_ids": [ow.units["town_gov"].pk], "version": opinion.version}, officer),
            (url, {"unit_ids": [ow.units["town_water"].pk], "version": opinion.version}, staff),
        ]
    )
    assert results[0][0] == 200
    assert results[1] == (409, "opinion_changed")
    assert Assignment.objects.filter(opinion=opinion).count() == 1
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.ASSIGNED and opinion.version == 3
