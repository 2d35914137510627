"""Writes for e-learning: enrolling (directly or with an invitation code), finishing lessons,
certificates. Each service runs in one transaction and validates what it saves."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from assessments.knowledge_checks.selectors import lessons_with_checks, passed_lesson_ids
from cms.curricula.vocabulary import ModuleFormat
from cms.models import ModulePage
from courses import errors
from courses.common.codes import new_code
from courses.common.curricula import module_lessons
from courses.errors import CoursesError
from courses.models import (
    Certificate,
    Enrolment,
    InvitationCode,
    LessonProgress,
    Site,
)
from courses.reflections.administrations import administrations_ensure_for_module
from courses.workshops.certificates import certificate_issue

# --- e-learning -------------------------------------------------------------------------------


def _elearning_module(module_id):
    module = ModulePage.objects.filter(pk=module_id).first()
    if module is None or not module.live:
        raise CoursesError(errors.NOT_PUBLISHED)
    if module.format != ModuleFormat.ELEARNING:
        raise CoursesError(errors.NOT_ELEARNING)
    return module


@transaction.atomic
def enrolment_create(
    *, trainee, module_id: int, invitation: InvitationCode | None = None
) -> Enrolment:
    """Enrol a trainee on an e-learning module. Enrolling again after withdrawing picks up the
    old enrolment, with its progress."""
    module = _elearning_module(module_id)
    enrolment = Enrolment.objects.select_for_update().filter(trainee=trainee, module=module).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.WITHDRAWN:
        raise CoursesError(errors.ALREADY_ENROLLED)
    site = invitation.site if invitation else _home_site_of(trainee)
    if enrolment is None:
        enrolment = Enrolment(trainee=trainee, module=module)
    enrolment.status = Enrolment.Status.BOOKED
    enrolment.withdrawn_at = None
    enrolment.site = site
    enrolment.invitation = invitation or enrolment.invitation
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    administrations_ensure_for_module(module=module)
    if enrolment.progress.exists():
        # Someone who finished everything before withdrawing is complete again at once.
        _complete_if_done(enrolment)
    return enrolment


def _home_site_of(trainee):
    sites = list(Site.objects.filter(memberships__user=trainee)[:2])
    return sites[0] if len(sites) == 1 else None


@transaction.atomic
def enrolment_join_with_code(*, trainee, code: str) -> Enrolment:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    # Lock the code's row so two people cannot take its last use together.
    invitation = InvitationCode.objects.select_for_update().filter(code=code).first()
    if invitation is None:
        raise CoursesError(errors.CODE_UNKNOWN)
    today = timezone.localdate()
    if invitation.valid_from and today < invitation.valid_from:
        raise CoursesError(errors.CODE_NOT_YET.format(date=date_format(invitation.valid_from)))
    if invitation.valid_until and today > invitation.valid_until:
        raise CoursesError(errors.CODE_EXPIRED.format(date=date_format(invitation.valid_until)))
    if invitation.max_uses is not None and invitation.enrolments.count() >= invitation.max_uses:
        raise CoursesError(errors.CODE_USED_UP)
    return enrolment_create(trainee=trainee, module_id=invitation.module_id, invitation=invitation)


@transaction.atomic
def invitation_code_create(
    *, site: Site, module_id: int, created_by, valid_from=None, valid_until=None, max_uses=None
) -> InvitationCode:
    module = _elearning_module(module_id)
    if valid_from and valid_until and valid_until < valid_from:
        raise CoursesError(errors.DATES_REVERSED)
    invitation = InvitationCode(
        code=new_code(8, InvitationCode),
        site=site,
        module=module,
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
        created_by=created_by,
    )
    invitation.full_clean()
    invitation.save()
    return invitation


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """Withdraw, keeping the history: progress, attempts and any certificate stay."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    return enrolment


@transaction.atomic
def lesson_complete(*, enrolment: Enrolment, lesson_id: int) -> LessonProgress:
    """Record that the trainee finished a lesson. Doing it twice records it once; finishing the
    last lesson completes the enrolment and issues the certificate."""
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise CoursesError(errors.WITHDRAWN)
    lesson = module_lessons(enrolment.module).filter(pk=lesson_id).first()
    if lesson is None:
        raise CoursesError(errors.LESSON_NOT_IN_MODULE)
    if lesson.pk in lessons_with_checks([lesson.pk]) and lesson.pk not in passed_lesson_ids(
        user=enrolment.trainee, lesson_ids=[lesson.pk]
    ):
        raise CoursesError(errors.CHECK_NOT_PASSED)
    progress, _ = LessonProgress.objects.get_or_create(enrolment=enrolment, lesson=lesson)
    _complete_if_done(enrolment)
    return progress


def _complete_if_done(enrolment):
    # The enrolment row is the lock: two "finished" clicks at once complete it once.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("trainee", "module")
        .get(pk=enrolment.pk)
    )
    if enrolment.status != Enrolment.Status.BOOKED:
        return enrolment
    lesson_ids = list(module_lessons(enrolment.module).values_list("pk", flat=True))
    done = set(
        enrolment.progress.filter(lesson_id__in=lesson_ids).values_list("lesson_id", flat=True)
    )
    checked = lessons_with_checks(lesson_ids)
    passed = passed_lesson_ids(user=enrolment.trainee, lesson_ids=list(checked))
    if not lesson_ids or done != set(lesson_ids) or not checked <= passed:
        return enrolment
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["status", "completed_at"])
    certificate_issue(enrolment=enrolment, now=enrolment.completed_at)
    return enrolment


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise CoursesError(errors.REVOKE_REASON_REQUIRED)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CoursesError(errors.CERTIFICATE_ALREADY_REVOKED)
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = revoked_by
    certificate.revoke_reason = reason[:500]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate
