from pathlib import Path

from django.core.management import BaseCommand, CommandError

from assessments.reflections.instruments import (
    InstrumentFileError,
    instruments_directory,
    instruments_load,
)


class Command(BaseCommand):
    help = (
        "Load the reflection questionnaires in content/instruments/*.toml. A second run changes "
        "nothing. A questionnaire somebody has answered gets a new version when its file "
        "changes; one changed in the admin since it was loaded is kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=None,
            help="Folder of questionnaire files (default: content/instruments).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace questionnaires changed in the admin with their files.",
        )

    def handle(self, *args, **options):
        directory = Path(options["directory"] or instruments_directory())
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        try:
            loaded = instruments_load(
                directory=directory, stdout=self.stdout, force=options["force"]
            )
        except InstrumentFileError as error:
            raise CommandError(f"Nothing was loaded.\n{error}") from error
        if loaded.changed:
            self.stdout.write(self.style.SUCCESS(f"Questionnaires loaded: {loaded.summary}."))
        else:
            self.stdout.write(f"Questionnaires already up to date: {loaded.summary}.")
