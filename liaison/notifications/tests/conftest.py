"""Fixtures of the notifications tests: the outbox file in a temporary folder, a registered kind, and
a helper that runs what a commit would run (delivery tasks; the test backend runs tasks at once)."""

import json

import pytest
from django.utils.translation import gettext_lazy as _

from liaison.notifications.kinds import register_kind

from . import backends

register_kind(
    "test.hello",
    subject=_("Verification code"),
    body="Hello {name}, see {missing} and {name.__class__}",
    url="/work/things/{thing_id}/",
)
register_kind("test.secret", subject="Code", body="Your code is {code}.", secret=("code",))


@pytest.fixture(autouse=True)
def outbox_file(settings, tmp_path):
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    backends.SENT.clear()
    return settings.NOTIFY_OUTBOX_FILE


def outbox_lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the on-commit callbacks (delivery) when the block ends, as a commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
