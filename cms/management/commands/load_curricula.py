import time
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from cms.curricula.files import CurriculumFileError, parse_curricula
from cms.curricula.loading import CurriculumLoadError, curricula_load

DEFAULT_PATH = Path(settings.BASE_DIR) / "content" / "curricula"


class Command(BaseCommand):
    help = (
        "Build or update the curricula in the CMS from Markdown files (default: content/curricula). "
        "A second run changes nothing. Pages edited in the CMS since the last load are kept unless "
        "--force. The whole load is one transaction: a bad file leaves the site as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="Curricula folders (default: content/curricula)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Overwrite pages edited in the CMS."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; change nothing."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        paths = [Path(path) for path in options["paths"]] or [DEFAULT_PATH]
        programmes = []
        for path in paths:
            try:
                programmes += parse_curricula(path)
            except CurriculumFileError as error:
                raise CommandError(
                    f"Nothing was loaded: {len(error.problems)} problem(s) in the files.\n{error}"
                ) from error
        try:
            report = curricula_load(
                programmes=programmes, force=options["force"], dry_run=options["dry_run"]
            )
        except CurriculumLoadError as error:
            raise CommandError(f"Nothing was loaded.\n{error}") from error

        would = "would be " if options["dry_run"] else ""
        for label, paths_ in [("created", report.created), ("updated", report.updated)]:
            for path in paths_:
                self.stdout.write(f"  {would}{label}: {path}")
        for path in report.skipped:
            self.stdout.write(
                self.style.WARNING(
                    f"  skipped (edited in the CMS since the last load; --force to overwrite): {path}"
                )
            )
        for pair in report.paired:
            self.stdout.write(f"  {would}paired: {pair}")
        summary = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped, "
            f"{len(report.paired)} pairings changed"
        )
        seconds = time.perf_counter() - started
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing saved: {summary} ({seconds:.1f} s).")
        elif report.changed:
            self.stdout.write(self.style.SUCCESS(f"Curricula loaded: {summary} ({seconds:.1f} s)."))
        else:
            self.stdout.write(f"Curricula already up to date: {summary} ({seconds:.1f} s).")
