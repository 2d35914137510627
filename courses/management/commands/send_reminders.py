from django.core.management import BaseCommand

from courses.tasks import send_due_reflection_reminders, send_due_reminders


class Command(BaseCommand):
    help = (
        "Email tutors and booked trainees the reminders now due before their sessions (at the "
        "days each run sets, e.g. 7 and 1 days before), and trainees the before and after "
        "reflections waiting for them. Safe to run as often as you like, even "
        "twice at once: each reminder is sent once. The scheduler (manage.py crontask) queues "
        "both every 15 minutes; this runs them by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the task on the task queue for a worker (db_worker) instead of sending now.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            for reminder_task in (send_due_reminders, send_due_reflection_reminders):
                result = reminder_task.enqueue()
                self.stdout.write(f"Queued {reminder_task.name} ({result.id}).")
            return
        sent = send_due_reminders.call()
        self.stdout.write(f"Sent {sent} reminder{'' if sent == 1 else 's'}.")
        asked = send_due_reflection_reminders.call()
        self.stdout.write(f"Sent {asked} reflection reminder{'' if asked == 1 else 's'}.")
