import time

from django.core.management import BaseCommand, CommandError, call_command

from cms.models import HomePage, ProgrammePage
from courses.demo.scale import (
    LEAD_EMAIL,
    SITE_ADMIN_EMAIL,
    Report,
    ScaleError,
    scale_remove,
    scale_seed,
    scale_trainee_count,
)

MOST_TRAINEES = 1_000_000


class Command(BaseCommand):
    help = (
        "Generate a synthetic national programme for load tests: scale test sites (one per 2,500 "
        "trainees, at least two), venues, tutor pools with accreditations, runs of Moving on "
        "Together and Working in Partnership over the last 12 months and the next 3, sessions "
        "with their tutors, trainees with enrolments, attendance, e-learning progress and "
        "before-and-after reflections (marked generated). Everything made is recognisable "
        "(sites 'Scale test site NN', people scale...@example.invalid), so --replace removes "
        "exactly it. Loads the curricula first if there are none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--trainees", type=int, default=1000, help="How many trainees (default 1000)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed, the same data."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the scale data already there first (otherwise the command refuses).",
        )

    def handle(self, *args, **options):
        trainees = options["trainees"]
        if not 1 <= trainees <= MOST_TRAINEES:
            raise CommandError(f"--trainees must be between 1 and {MOST_TRAINEES:,}.")
        started = time.perf_counter()
        if options["replace"]:
            removed = scale_remove()
            self.stdout.write(f"Removed the earlier scale data ({removed.seconds:.1f} s):")
            self._rows(removed)
        elif existing := scale_trainee_count():
            raise CommandError(
                f"There is already scale data ({existing:,} trainees). Run with --replace to "
                "remove it and generate a new batch."
            )
        self._curricula_ensure()
        try:
            report = scale_seed(trainees=trainees, seed=options["seed"])
        except ScaleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated scale data for {trainees:,} trainees (seed {options['seed']})."
            )
        )
        self.stdout.write("Seconds per step:")
        for name, seconds in report.steps:
            self.stdout.write(f"  {name:<36} {seconds:8.2f}")
        self.stdout.write("Rows per table:")
        self._rows(report)
        self.stdout.write(
            f"Programme lead of every scale site: {LEAD_EMAIL}; site administrator of "
            f"scale-01: {SITE_ADMIN_EMAIL} (no password: sign them in from a shell or a test)."
        )
        self.stdout.write(f"Total: {time.perf_counter() - started:.1f} s.")

    def _rows(self, report: Report):
        for label, count in sorted(report.rows.items()):
            if count:
                self.stdout.write(f"  {label:<36} {count:>10,}")
        if not any(report.rows.values()):
            self.stdout.write("  (none)")

    def _curricula_ensure(self):
        if ProgrammePage.objects.exists():
            return
        if HomePage.objects.exists():
            self.stdout.write("No curricula yet: loading them (load_curricula).")
            call_command("load_curricula", stdout=self.stdout, stderr=self.stderr)
        else:
            # load_curricula needs the home page and the co-authors' accounts of the demo.
            self.stdout.write("No site yet: loading the demo site and curricula (setup_demo).")
            call_command("setup_demo", "--skip-migrate", stdout=self.stdout, stderr=self.stderr)
