import tomllib
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from assessments.knowledge_checks.selectors import knowledge_check_for_lesson, passed_lesson_ids
from assessments.knowledge_checks.services import knowledge_check_submit
from cms.curricula.signoff import signoff_workflow_ensure
from cms.models import CurriculumSource
from cms.roles import Role
from cms.second_factors.services import authenticator_app_ensure
from cms.services import account_ensure, home_page_ensure, information_pages_ensure
from courses.common.curricula import module_lessons
from courses.demo.sites import site_contacts_ensure
from courses.demo.workshops import (
    partnership_alerts_ensure,
    reflections_ensure,
    session_feedback_ensure,
    workshops_ensure,
)
from courses.elearning.services import enrolment_create, lesson_complete
from courses.models import Enrolment
from courses.sites.services import site_ensure, site_membership_ensure

DEFAULT_DEMO_FILE = Path(settings.BASE_DIR) / "content" / "demo" / "demo.toml"


class Command(BaseCommand):
    help = (
        "Migrate the database and load the demo site: home page, delivery sites, one verified "
        "account per role and the curricula in content/. Safe to run any number of times; a "
        "second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_DEMO_FILE), help="Demo data file (TOML).")
        parser.add_argument(
            "--skip-migrate", action="store_true", help="Do not run migrations first."
        )
        parser.add_argument(
            "--skip-curricula", action="store_true", help="Do not load content/curricula."
        )

    def handle(self, *args, **options):
        if not options["skip_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("Database migrated.")
        path = Path(options["file"])
        try:
            demo = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(f"Demo data file not found: {path}") from error
        except tomllib.TOMLDecodeError as error:
            raise CommandError(f"{path} is not valid TOML: {error}") from error

        password = settings.DEMO_PASSWORD
        changes = 0
        with transaction.atomic():
            home, changed = home_page_ensure(**demo["home"])
            changes += changed
            _, changed = signoff_workflow_ensure(root_page=home)
            changes += changed
            changes += information_pages_ensure(home=home)
            sites = {}
            for entry in demo.get("sites", []):
                sites[entry["slug"]], changed = site_ensure(**entry)
                changes += changed
            changes += site_contacts_ensure(demo)
            for entry in demo.get("accounts", []):
                try:
                    roles = [Role(name) for name in entry["roles"]]
                except ValueError as error:
                    raise CommandError(f"{entry['email']}: {error}") from error
                user, created = account_ensure(
                    email=entry["email"],
                    first_name=entry["first_name"],
                    last_name=entry["last_name"],
                    roles=roles,
                    password=password,
                    audience=entry.get("audience", ""),
                )
                changes += created
                if entry.get("authenticator_app"):
                    changes += authenticator_app_ensure(
                        user=user, secret=demo["second_factor"]["demo_secret"]
                    )
                for slug in entry.get("sites", []):
                    if slug not in sites:
                        raise CommandError(
                            f"{entry['email']}: no site with slug {slug!r} in {path}"
                        )
                    _, created = site_membership_ensure(site=sites[slug], user=user)
                    changes += created

        if changes:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({changes} changes)."))
        else:
            self.stdout.write("Demo data already up to date: nothing changed.")
        if not options["skip_curricula"]:
            call_command("load_curricula", stdout=self.stdout, stderr=self.stderr)
            with transaction.atomic():
                learning = [self.learning_ensure(entry) for entry in demo.get("learning", [])]
            if any(learning):
                self.stdout.write(self.style.SUCCESS("Demo e-learning progress added."))
            with transaction.atomic():
                workshops = workshops_ensure(demo, password=password)
            if workshops:
                self.stdout.write(
                    self.style.SUCCESS(f"Demo workshops loaded ({workshops} changes).")
                )
            with transaction.atomic():
                answered = reflections_ensure(demo)
            if answered:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Made-up reflections added ({answered} responses, marked generated)."
                    )
                )
            with transaction.atomic():
                feedback = session_feedback_ensure(demo)
            if feedback:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Made-up feedback and debriefs after sessions added ({feedback} "
                        "responses, marked generated)."
                    )
                )
            with transaction.atomic():
                alerts = partnership_alerts_ensure(demo)
            if alerts:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Leads told of {alerts} lay tutor{'s' if alerts != 1 else ''} doing less "
                        "than half of the leading, as the scheduler would have."
                    )
                )
        # The programme dashboard reads figures worked out ahead (every 10 minutes in
        # production): work them out for the demo data now.
        call_command("refresh_figures", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"\nDemo accounts (password: {password}):")
        for entry in demo.get("accounts", []):
            app = ", authenticator app" if entry.get("authenticator_app") else ""
            self.stdout.write(f"  {entry['email']:<28} {', '.join(entry['roles'])}{app}")
        for entry in demo.get("tutors", []):
            if "first_name" in entry:
                self.stdout.write(f"  {entry['email']:<28} {entry['kind']} tutor")
        if demo.get("demo_trainees"):
            count = len(demo["demo_trainees"]["names"])
            self.stdout.write(
                f"  trainee01@example.com ... trainee{count:02d}@example.com  trainee"
            )

        if "second_factor" in demo:
            self.stdout.write(
                "\nTwo-step sign-in: the accounts marked 'authenticator app' are asked for a code."
                " Add this key to any authenticator app (it is the demo's, public; never use it"
                f" elsewhere): {demo['second_factor']['demo_secret']}"
            )

    def learning_ensure(self, entry):
        """Enrol a demo trainee and finish lessons for them, passing each knowledge check with
        the right answers, as they would. Does nothing when they are already enrolled."""

        trainee = get_user_model().objects.get(email=entry["email"])
        source = CurriculumSource.objects.filter(path=f"{entry['module']}/module.md").first()
        if source is None:
            raise CommandError(
                f"No module loaded from {entry['module']}: check [[learning]] in the demo file."
            )
        module = source.page.specific
        if Enrolment.objects.filter(trainee=trainee, module=module).exists():
            return False
        enrolment = enrolment_create(trainee=trainee, module_id=module.pk)
        lessons = list(module_lessons(module))
        count = len(lessons) if entry["lessons_done"] == "all" else int(entry["lessons_done"])
        for lesson in lessons[:count]:
            check = knowledge_check_for_lesson(lesson.pk)
            if check and lesson.pk not in passed_lesson_ids(user=trainee, lesson_ids=[lesson.pk]):
                right = {
                    question.id: [
                        option.id
                        for option in question.value["options"].bound_blocks
                        if option.value["correct"]
                    ]
                    for question in check.questions
                }
                knowledge_check_submit(check=check, user=trainee, answers=right)
            lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
        return True
