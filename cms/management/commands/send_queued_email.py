from django.core.management import BaseCommand

from cms.models import OutgoingEmail
from cms.outbox import EMAILS


class Command(BaseCommand):
    help = (
        "Send every email in the outbox that is due: new messages whose task has not run yet "
        "and retries after the mail server was down; then delete sent messages older than a "
        "week. Safe to run as often as you like, even twice at once: each message is sent once. "
        "Run it every few minutes beside db_worker."
    )

    def handle(self, *args, **options):
        sent = EMAILS.send_due()
        pruned = EMAILS.prune()
        waiting = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).count()
        failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED).count()
        self.stdout.write(
            f"Sent {sent} email{'' if sent == 1 else 's'}; {waiting} waiting to be retried, "
            f"{failed} given up on (see Settings > Outgoing email in the admin); "
            f"{pruned} sent more than a week ago deleted."
        )
