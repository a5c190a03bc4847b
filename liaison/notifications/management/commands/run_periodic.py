"""`manage.py run_periodic`: run periodic jobs once, in this process — from cron, by an operator or in
tests. Named jobs run at once (whether due or not); `--all` runs the due ones, claimed exactly as the
scheduler claims them, so cron and a scheduler never both run the same round."""

from django.core.management.base import BaseCommand, CommandError

from liaison.notifications import schedule


class Command(BaseCommand):
    help = "Run periodic jobs once: NAME … (now) or --all (those that are due)."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Jobs to run now.")
        parser.add_argument("--all", dest="run_all", action="store_true", help="Every job that is due.")
        parser.add_argument("--force", action="store_true", help="With --all: every job, due or not.")
        parser.add_argument("--list", dest="show_list", action="store_true", help="List the jobs and their last runs.")

    def handle(self, *args, names, run_all: bool, force: bool, show_list: bool, **options):
        registered = schedule.jobs()
        if show_list:
            from liaison.notifications.models import PeriodicJob

            last = dict(PeriodicJob.objects.values_list("name", "last_run_at"))
            for name, job in registered.items():
                self.stdout.write(f"{name}\tevery {job.every}\tlast run {last.get(name) or '-'}")
            return
        if bool(names) == run_all:
            raise CommandError("Name the jobs to run, or give --all.")
        unknown = [n for n in names if n not in registered]
        if unknown:
            raise CommandError(f"Unknown jobs: {', '.join(unknown)}. Known: {', '.join(registered)}")
        if names:
            chosen = [registered[n] for n in names]
        elif force:
            chosen = list(registered.values())
        else:
            chosen = schedule.due_jobs()
        for job in chosen:
            if names or force:
                schedule.mark_run(job.name)
            result = job.run()
            self.stdout.write(f"{job.name}: {result}")
        if not chosen:
            self.stdout.write("Nothing is due.")
