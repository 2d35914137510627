from pathlib import Path

from django.core.management import BaseCommand, CommandError

from cms.curricula.files import blocks_to_markdown, document_text
from cms.models import HomePage, LessonPage, ModulePage, ProgrammePage
from cms.signals import lesson_front_matter


class Command(BaseCommand):
    help = (
        "Write the CMS's live curricula to DIR as Markdown files in the content/ format, so "
        "authors can work in the CMS or in files. Loading the export gives the same pages."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Folder to write to; existing files are overwritten.")

    def handle(self, *args, **options):
        target = Path(options["directory"])
        home = HomePage.objects.first()
        if home is None:
            raise CommandError("There is no home page, so no curricula to export.")
        written = 0
        skipped_blocks = []
        programmes = list(ProgrammePage.objects.child_of(home).live().order_by("path"))
        modules = list(
            ModulePage.objects.descendant_of(home)
            .live()
            .order_by("path")
            .select_related("lay_author", "clinical_author")
        )
        folders = {}
        for programme in programmes:
            children = [module for module in modules if module.path.startswith(programme.path)]
            for position, module in enumerate(children, start=1):
                folders[module.pk] = (programme, f"{position:02d}-{module.slug}")
        for programme in programmes:
            programme_dir = target / programme.slug
            programme_dir.mkdir(parents=True, exist_ok=True)
            written += self.write(
                programme_dir / "programme.md",
                {"title": programme.title, "track": programme.track, "summary": programme.summary},
                programme.introduction,
            )
        for module in modules:
            programme, folder = folders[module.pk]
            module_dir = target / programme.slug / folder
            module_dir.mkdir(parents=True, exist_ok=True)
            counterpart = module.counterpart
            written += self.write(
                module_dir / "module.md",
                {
                    "title": module.title,
                    "theme": module.theme,
                    "format": None if module.format == "course" else module.format,
                    "counterpart": self.folder_of(counterpart, folders),
                    "prepares_for": self.folder_of(module.prepares_for, folders),
                    "lay_author": module.lay_author.email if module.lay_author else None,
                    "clinical_author": module.clinical_author.email
                    if module.clinical_author
                    else None,
                    "session_minutes": module.session_minutes,
                    "summary": module.summary,
                },
                module.overview,
            )
            lessons = LessonPage.objects.child_of(module).live().order_by("path")
            for position, lesson in enumerate(lessons, start=1):
                blocks = [(block.block_type, block.value) for block in lesson.body]
                writable = [
                    (kind, value)
                    for kind, value in blocks
                    if kind in {"markdown", "activity", "reflection", "key_point"}
                ]
                if len(writable) != len(blocks):
                    skipped_blocks.append(lesson.url_path)
                fields = {
                    "title": lesson.title,
                    "minutes": lesson.minutes,
                    "summary": lesson.summary,
                }
                # What other apps keep about the lesson (its knowledge check) goes in the file too.
                for _receiver, extra in lesson_front_matter.send(sender=LessonPage, lesson=lesson):
                    fields.update(extra or {})
                written += self.write(
                    module_dir / f"{position:02d}-{lesson.slug}.md",
                    fields,
                    blocks_to_markdown(writable),
                )
        for url_path in skipped_blocks:
            self.stdout.write(
                self.style.WARNING(
                    f"  {url_path}: images, videos and handouts stay in the CMS; files cannot hold them"
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Exported {written} files to {target}."))

    @staticmethod
    def folder_of(module, folders):
        if module is None or module.pk not in folders:
            return None
        programme, folder = folders[module.pk]
        return f"{programme.slug}/{folder}"

    @staticmethod
    def write(path, fields, body):
        path.write_text(document_text(fields, body), encoding="utf-8")
        return 1
