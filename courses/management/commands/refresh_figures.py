from django.core.management import BaseCommand

from courses.tasks import refresh_dashboard_figures


class Command(BaseCommand):
    help = (
        "Work out the programme dashboard's figures again (enrolment, attendance, completion "
        "and before-and-after change at every site). The dashboard shows when they were last "
        "worked out. The scheduler (manage.py crontask) queues it every 10 minutes; run this "
        "by hand, or with --enqueue for a task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the task on the task queue for a worker (db_worker) instead of working now.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = refresh_dashboard_figures.enqueue()
            self.stdout.write(f"Queued {refresh_dashboard_figures.name} ({result.id}).")
            return
        rows = refresh_dashboard_figures.call()
        self.stdout.write(f"Dashboard figures worked out again ({rows} rows).")
