from django.core.management.base import BaseCommand

from cms.privacy.periods import period_text
from cms.privacy.retention import retention_apply, retention_rules


class Command(BaseCommand):
    help = (
        "Delete or anonymise what has passed the organisation's retention periods "
        "(settings.RETENTION) and log what was done. --dry-run says what would be done."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what has passed; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        report = retention_apply(dry_run=dry_run)
        verb = "Would act on" if dry_run else "Acted on"
        for rule in retention_rules():
            self.stdout.write(
                f"{rule.kind} (kept {period_text(rule.period_kind)}): {verb} "
                f"{report.counts.get(rule.kind, 0)}. {rule.does}"
            )
        for line in report.reported:
            self.stdout.write(f"Left for a person: {line}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed and nothing was logged.")
        else:
            self.stdout.write(f"Logged as retention run {report.run.pk}.")
