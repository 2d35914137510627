"""Writes for the site shell and the curricula. Each runs in one transaction."""

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from wagtail.models import Page
from wagtail.models import Site as WagtailSite

from .curricula import Track
from .models import CurriculumSource, HomePage, LessonPage, ModulePage, ModulePairing, ProgrammePage
from .roles import Role
from .signals import curricula_loaded
from .signoff import signoff_workflow_ensure


@transaction.atomic
def home_page_ensure(*, title: str, introduction: str) -> tuple[HomePage, bool]:
    """Make sure the site's root is our HomePage with this text. Returns (page, changed)."""
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    if home is None:
        # Wagtail's installer leaves a generic "Welcome" page at slug "home"; ours takes its place.
        for placeholder in root.get_children().filter(slug="home").exact_type(Page):
            WagtailSite.objects.filter(root_page=placeholder).update(root_page=root)
            placeholder.delete()
        home = root.add_child(
            instance=HomePage(title=title, slug="home", introduction=introduction)
        )
        home.save_revision().publish()
        changed = True
    elif home.title != title or home.introduction != introduction:
        home.title = title
        home.introduction = introduction
        home.save_revision().publish()
        changed = True
    else:
        changed = False
    site = WagtailSite.objects.filter(is_default_site=True).first()
    if site is None:
        WagtailSite.objects.create(hostname="localhost", root_page=home, is_default_site=True)
        changed = True
    elif site.root_page_id != home.id:
        site.root_page = home
        site.save(update_fields=["root_page"])
        changed = True
    return home, changed


@transaction.atomic
def account_ensure(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: list[Role],
    password: str | None = None,
    verified: bool = True,
):
    """Create or update an account with exactly these roles. Returns (user, created)."""
    User = get_user_model()
    email = email.strip().lower()
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    if not created and (user.first_name, user.last_name) != (first_name, last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    if password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    wanted = {Group.objects.get_or_create(name=Role(role).value)[0] for role in roles}
    managed = Group.objects.filter(name__in=[role.value for role in Role])
    user.groups.remove(*[group for group in managed if group not in wanted])
    user.groups.add(*wanted)
    if verified:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user, created


# --- curricula from files ---------------------------------------------------------------------


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
    """Build or update the page tree from parsed curricula (cms.curriculum_files), in one
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


@transaction.atomic
def module_pairing_set(*, patient_module: ModulePage, professional_module: ModulePage) -> bool:
    """Pair two modules one to one, replacing their old pairings. Returns whether it changed.

    Refused with a clear message unless one is on the patient track and one on the professional.
    """
    ModulePairing(patient_module=patient_module, professional_module=professional_module).clean()
    existing = ModulePairing.objects.filter(
        patient_module=patient_module, professional_module=professional_module
    ).exists()
    if existing:
        return False
    ModulePairing.objects.filter(
        Q(patient_module=patient_module) | Q(professional_module=professional_module)
    ).delete()
    ModulePairing.objects.create(
        patient_module=patient_module, professional_module=professional_module
    )
    return True
