"""Loading the curricula: building or updating the page tree from parsed files
(cms.curricula.files), in one transaction, with a report of what changed."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from cms.curricula.pairing import module_pairing_set
from cms.curricula.signoff import signoff_workflow_ensure
from cms.curricula.vocabulary import Track
from cms.models import (
    CurriculumSource,
    HomePage,
    LessonPage,
    ModulePage,
    ProgrammePage,
)
from cms.roles import Role
from cms.signals import curricula_loaded


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # edited in the CMS since the last load
    paired: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.created or self.updated or self.paired)


class CurriculumLoadError(Exception):
    pass


def curricula_load(*, programmes, force: bool = False, dry_run: bool = False) -> LoadReport:
    """Build or update the page tree from parsed curricula (cms.curricula.files), in one
    transaction. A file unchanged since the last load changes nothing; a changed file becomes a
    new revision of its page; a page edited in the CMS since the last load is kept (and
    reported) unless `force`. Files name both co-authors, so a loaded page counts as signed off.
    """
    report = LoadReport()
    pages_by_path = {}
    with transaction.atomic():
        home = HomePage.objects.first()
        if home is None:
            raise CurriculumLoadError(
                "There is no home page yet: run `python manage.py setup_demo` first."
            )
        # Once loaded, curricula change in the CMS only through the co-production sign-off.
        signoff_workflow_ensure(root_page=home)
        authors = _authors_for(programmes)
        modules_by_folder = {}
        for programme in programmes:
            programme_page = _load_page(
                report,
                pages_by_path,
                parent=home,
                model=ProgrammePage,
                source=programme,
                fields={
                    "title": programme.title,
                    "track": programme.track,
                    "summary": programme.summary,
                    "introduction": programme.introduction,
                },
                force=force,
            )
            # Modules that prepare for another come after it, so the target exists.
            for module in sorted(
                programme.modules, key=lambda module: module.prepares_for is not None
            ):
                module_page = _load_page(
                    report,
                    pages_by_path,
                    parent=programme_page,
                    model=ModulePage,
                    source=module,
                    fields={
                        "title": module.title,
                        "theme": module.theme,
                        "format": module.format,
                        "summary": module.summary,
                        "overview": module.overview,
                        "session_minutes": module.session_minutes,
                        "prepares_for": modules_by_folder.get(module.prepares_for),
                        "lay_author": authors[module.lay_author],
                        "clinical_author": authors[module.clinical_author],
                    },
                    force=force,
                )
                modules_by_folder[module.folder] = module_page
                for lesson in module.lessons:
                    _load_page(
                        report,
                        pages_by_path,
                        parent=module_page,
                        model=LessonPage,
                        source=lesson,
                        fields={
                            "title": lesson.title,
                            "summary": lesson.summary,
                            "minutes": lesson.minutes,
                            "body": lesson.blocks,
                        },
                        force=force,
                    )
        for programme in programmes:
            if programme.track != Track.PATIENT:
                continue
            for module in programme.modules:
                if module.counterpart:
                    pairing = module_pairing_set(
                        patient_module=modules_by_folder[module.folder],
                        professional_module=modules_by_folder[module.counterpart],
                    )
                    if pairing:
                        report.paired.append(f"{module.folder} \u2194 {module.counterpart}")
        # Apps that keep more about a page (knowledge checks) load it now, in this transaction.
        curricula_loaded.send(
            sender=LessonPage,
            programmes=programmes,
            pages_by_path=pages_by_path,
            report=report,
            force=force,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _authors_for(programmes):
    User = get_user_model()
    emails = {
        email
        for programme in programmes
        for module in programme.modules
        for email in (module.lay_author, module.clinical_author)
    }
    users = {
        user.email: user
        for user in User.objects.filter(email__in=emails).prefetch_related("groups")
    }
    problems = []
    for programme in programmes:
        for module in programme.modules:
            for email, role, field_name in [
                (module.lay_author, Role.LAY_TUTOR, "lay_author"),
                (module.clinical_author, Role.CLINICAL_TUTOR, "clinical_author"),
            ]:
                user = users.get(email)
                line = module.document.lines.get(field_name)
                where = f"{module.document.path}, line {line}: {field_name}"
                if user is None:
                    problems.append(f"{where}: no account has the email {email!r}")
                elif role.value not in {group.name for group in user.groups.all()}:
                    problems.append(f"{where}: {email} is not a {role.value}")
    if problems:
        raise CurriculumLoadError("\n".join(problems))
    return users


def _load_page(report, pages_by_path, *, parent, model, source, fields, force):
    try:
        page = _load_page_unchecked(
            report, parent=parent, model=model, source=source, fields=fields, force=force
        )
    except ValidationError as error:
        details = "; ".join(
            f"{name}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
            if name != "draft_title"
        )
        raise CurriculumLoadError(f"{source.document.path}: {details}") from error
    pages_by_path[source.document.path] = page
    return page


def _load_page_unchecked(report, *, parent, model, source, fields, force):
    document = source.document
    record = CurriculumSource.objects.filter(path=document.path).select_related("page").first()
    page = record.page.specific if record else None
    if page is None:
        page = model.objects.child_of(parent).filter(slug=source.slug).first()
        if page is not None and not force:
            # Made in the CMS, never loaded from this file: keep it unless forced.
            report.skipped.append(document.path)
            return page
    if page is None:
        page = model(slug=source.slug, **fields)
        parent.add_child(instance=page)
        _publish_from_file(page, document, record)
        report.created.append(document.path)
        return page
    edited_in_cms = record is None or page.latest_revision_id != record.loaded_revision_id
    if record is not None and record.content_hash == document.content_hash and not edited_in_cms:
        report.unchanged.append(document.path)
        return page
    if edited_in_cms and not force:
        report.skipped.append(document.path)
        return page
    for name, value in fields.items():
        setattr(page, name, value)
    _publish_from_file(page, document, record)
    report.updated.append(document.path)
    return page


def _publish_from_file(page, document, record):
    page.full_clean()
    revision = page.save_revision(log_action=True)
    revision.publish()
    CurriculumSource.objects.update_or_create(
        path=document.path,
        defaults={
            "page": page,
            "content_hash": document.content_hash,
            "loaded_revision_id": revision.id,
        },
    )
