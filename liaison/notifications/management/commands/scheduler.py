"""`manage.py scheduler`: wake every minute and start the periodic jobs that are due (see
liaison.notifications.schedule). Run it beside `manage.py db_worker` (`make worker` runs both); more
than one scheduler may run, on one or several machines: each run is claimed once."""

import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from liaison.notifications import schedule


class Command(BaseCommand):
    help = "Start the periodic jobs when they are due (every minute); stop with Ctrl-C or SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60, help="Seconds between two rounds (default 60).")
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, interval: int, once: bool, **options):
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        registered = schedule.jobs()
        self.stdout.write("Scheduler: " + ", ".join(f"{name} (every {job.every})" for name, job in registered.items()))
        while not stop.is_set():
            began = time.monotonic()
            try:
                started = schedule.tick()
            except Exception as exc:  # the database may be away for a moment: try again next round
                self.stderr.write(f"Scheduler round failed: {type(exc).__name__}: {exc}")
            else:
                if started:
                    self.stdout.write("Started: " + ", ".join(started))
            if once:
                break
            close_old_connections()  # a long-lived process: no stale or broken connection into the next round
            stop.wait(max(1.0, interval - (time.monotonic() - began)))
