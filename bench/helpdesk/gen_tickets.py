"""Load the django-helpdesk side of the benchmark: the public queue, a staff account and N tickets
over five years, each with its opening follow-up, in bulk. Run with the helpdesk venv's Python:

    HD_DATABASE=... python bench/helpdesk/gen_tickets.py PROJECT_DIR N

Ticket texts are the opinions' texts (liaison/opinions/texts.py, read as a plain file); statuses
follow a five-year history: most closed, about 5 % open or reopened (the list's default filter)."""

import datetime
import importlib.util
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
project, count = Path(sys.argv[1]), int(sys.argv[2])
sys.path.insert(0, str(project))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

spec = importlib.util.spec_from_file_location("texts", ROOT / "liaison" / "opinions" / "texts.py")
texts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(texts)
PLACE = {
    "village": "和平村",
    "township": "东山镇",
    "town": "东山镇",
    "county": "青山县",
    "road": "人民路",
    "road2": "建设路",
    "school": "东山中心小学",
    "n": 5,
}
TEXTS = [(t.title.format(**PLACE), t.text.format(**PLACE)) for t in texts.TEMPLATES]
STATUSES = [
    (Ticket.OPEN_STATUS, 4),
    (Ticket.REOPENED_STATUS, 1),
    (Ticket.RESOLVED_STATUS, 5),
    (Ticket.CLOSED_STATUS, 90),
]


def main() -> None:
    rng = random.Random(2026)
    t0 = time.perf_counter()
    with transaction.atomic():
        queue, _ = Queue.objects.get_or_create(
            slug="citizens", defaults={"title": "群众意见", "allow_public_submission": True}
        )
        User = get_user_model()
        staff = User.objects.filter(username="bench_staff").first()
        if staff is None:
            staff = User.objects.create_user("bench_staff", "staff@example.cn", "bench-staff-pass", is_staff=True)
        if Ticket.objects.exists():
            print("tickets already loaded:", Ticket.objects.count())
            return
        now = timezone.now()
        start = now - datetime.timedelta(days=5 * 365)
        span = (now - start).total_seconds()
        statuses = [s for s, _ in STATUSES]
        weights = [w for _, w in STATUSES]
        moments = sorted(start + datetime.timedelta(seconds=rng.random() * span) for _ in range(count))
        batch = []
        for i, created in enumerate(moments):
            title, text = rng.choice(TEXTS)
            status = rng.choices(statuses, weights)[0]
            batch.append(
                Ticket(
                    title=title,
                    queue=queue,
                    created=created,
                    modified=created,
                    submitter_email=f"citizen{i}@example.cn",
                    status=status,
                    description=text,
                    priority=3,
                    assigned_to=staff if rng.random() < 0.5 else None,
                    secret_key=f"{rng.getrandbits(64):016x}",
                )
            )
        Ticket.objects.bulk_create(batch, batch_size=2000)
        ids = list(Ticket.objects.order_by("id").values_list("id", "created"))
        FollowUp.objects.bulk_create(
            [FollowUp(ticket_id=pk, date=created, title="Ticket Opened", public=True) for pk, created in ids],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{count:,} tickets with their follow-ups in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
