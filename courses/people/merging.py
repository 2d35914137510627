"""Merging two records of one person (added twice by phone, referred and then signed up): a
lead keeps one record and everything the other holds moves onto it, then the other account is
deleted, with a `PersonMerge` saying who it was and what moved.

The rules, each refused with its reason before anything changes:
- both records are among the site's people (added by the site, or booked on its runs), and
  they are two records;
- only people taking part are merged: a tutor, lead or administrator record is refused;
- the record with an account is kept: when the other one has a password (or signs in through
  an organisation) and the kept one has not, the lead is asked to keep the other instead, so
  that the person's sign-in keeps working;
- both booked on runs whose dates cross is refused (a person is never booked on two
  overlapping runs, domain rule 6): take them off one first.

Clashes, said in the preview and settled the same way by the merge:
- both on the same run (or e-learning module): the better place stays (completed > booked >
  waiting > withdrawn; the kept record's when equal), with the register lines, lessons and
  certificate of the other added where the better one has none; the other place is deleted
  (a booked place that frees up is offered to the next person waiting, as when anyone leaves);
- both answered the same reflection: the kept record's answers stay, the other's are deleted;
- the staff record: the kept one stays, its blanks filled from the other's; contact details
  likewise (a blank email address, mobile, postal address or group is filled).
Texts already sent stay where they are: they were sent to an address, not to a record.

Why the other account is deleted, not erased: erasure keeps an anonymous shell so that the
figures still count what the person did; after a merge nothing is left on the other account
(everything it held counts on the kept one), so a shell would only be an empty record in the
people list. Every field pointing at a person (cms/privacy/export.py lists them all) is moved
before the deletion, so nothing is lost to a cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from assessments.models import Pseudonym, ReflectionReminder, Response
from cms.privacy.export import person_fields
from cms.roles import STAFF_ROLES, roles_of
from courses import errors
from courses.common import wording
from courses.models import (
    Attendance,
    CalendarFeed,
    Certificate,
    CourseRun,
    Enrolment,
    GroupException,
    LessonProgress,
    PersonMerge,
    PersonRecord,
    ReminderSent,
    SiteMembership,
    Tutor,
)
from courses.people import selectors
from courses.people.services import PersonError
from courses.workshops import booking, offers

# The better place on a run, when both records have one.
STATUS_RANK = {
    Enrolment.Status.COMPLETED: 3,
    Enrolment.Status.BOOKED: 2,
    Enrolment.Status.WAITLISTED: 1,
    Enrolment.Status.WITHDRAWN: 0,
}
ACTIVE = (Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED)
CONTACT_FIELDS = ("email", "mobile", "postal_address", "audience")
# Fields moved one by one below; the rest are moved by the sweep at the end.
MOVED_BY_HAND = {
    "courses.Enrolment.trainee",
    "courses.GroupException.trainee",
    "courses.PersonRecord.person",
    "courses.ReminderSent.user",
    "courses.CalendarFeed.user",
    "courses.SiteMembership.user",
    "courses.Tutor.user",
    "assessments.Response.respondent",
    "assessments.Pseudonym.person",
    "assessments.ReflectionReminder.person",
    "account.EmailAddress.user",
    # Second factors and sign-in sessions belong to the account that goes.
    "mfa.Authenticator.user",
    "usersessions.UserSession.user",
    "cms.AccountClaim.person",
}
NOT_SWEPT_APPS = ("wagtail", "auth", "admin", "usersessions", "mfa")


def site_people(site):
    """The people of a site (`selectors.linked_to`)."""
    return get_user_model().objects.filter(selectors.linked_to(site))


def person_of_site_or_none(site, person_id):
    return site_people(site).filter(pk=person_id).first()


def _name(person) -> str:
    return person.get_full_name() or person.email or person.mobile or f"Person {person.pk}"


def _has_account(person) -> bool:
    from allauth.socialaccount.models import SocialAccount

    return person.has_usable_password() or SocialAccount.objects.filter(user=person).exists()


def _is_staff(person) -> bool:
    return (
        person.is_superuser
        or person.is_staff
        or bool(roles_of(person) & STAFF_ROLES)
        or Tutor.objects.filter(user=person).exists()
    )


def _place(enrolment: Enrolment) -> str:
    return enrolment.get_status_display().lower()


def _course_of(enrolment: Enrolment) -> str:
    if enrolment.run_id:
        return enrolment.run.title
    return enrolment.module.title if enrolment.module_id else "a course"


@dataclass
class MergePreview:
    """What merging `merge` into `keep` would do: what moves (counts, in words) and the
    clashes, each said as a sentence."""

    keep: object
    merge: object
    moves: dict[str, int] = field(default_factory=dict)
    clashes: list[str] = field(default_factory=list)
    frees_places: list[str] = field(default_factory=list)
    reflections_kept: int = 0


def _refuse(site, keep, merge) -> None:
    if merge is None:
        raise PersonError(errors.MERGE_CHOOSE_PERSON)
    if keep.pk == merge.pk:
        raise PersonError(errors.MERGE_SAME_PERSON)
    for person in (keep, merge):
        if not person.is_active:
            raise PersonError(errors.MERGE_INACTIVE.format(name=_name(person)))
        if _is_staff(person):
            raise PersonError(errors.MERGE_STAFF.format(name=_name(person)))
    if _has_account(merge) and not _has_account(keep):
        raise PersonError(
            errors.MERGE_KEEP_THE_ACCOUNT.format(merged=_name(merge), kept=_name(keep))
        )
    _refuse_if_overlapping(keep, merge)


def _refuse_if_overlapping(keep, merge) -> None:
    runs = {
        person.pk: list(
            CourseRun.objects.with_dates()
            .filter(enrolments__trainee=person, enrolments__status__in=ACTIVE)
            .exclude(status=CourseRun.Status.CANCELLED)
            .order_by("first_start", "pk")
        )
        for person in (keep, merge)
    }
    for theirs in runs[merge.pk]:
        for ours in runs[keep.pk]:
            if ours.pk == theirs.pk or ours.first_start is None or theirs.first_start is None:
                continue
            if ours.first_start < theirs.last_end and theirs.first_start < ours.last_end:
                raise PersonError(
                    errors.MERGE_OVERLAP.format(
                        kept=_name(keep),
                        merged=_name(merge),
                        ours=ours.title,
                        theirs=theirs.title,
                        dates=wording.date_span(theirs.first_start, theirs.last_end),
                    )
                )


def _pairs(keep, merge):
    """Each enrolment of `merge` with the enrolment of `keep` on the same run or module (or
    None)."""
    enrolments = list(
        Enrolment.objects.filter(trainee__in=(keep, merge)).select_related("run", "module")
    )
    kept = {(e.run_id, e.module_id): e for e in enrolments if e.trainee_id == keep.pk}
    return [(e, kept.get((e.run_id, e.module_id))) for e in enrolments if e.trainee_id == merge.pk]


def _better(kept: Enrolment, merged: Enrolment) -> tuple[Enrolment, Enrolment]:
    """(the place that stays, the place that goes)."""
    if STATUS_RANK[merged.status] > STATUS_RANK[kept.status]:
        return merged, kept
    return kept, merged


def merge_preview(*, site, keep, merge) -> MergePreview:
    """What the merge would do, or PersonError saying why it cannot be done."""
    _refuse(site, keep, merge)
    preview = MergePreview(keep=keep, merge=merge)
    pairs = _pairs(keep, merge)
    for merged, kept in pairs:
        if kept is None:
            continue
        stays, goes = _better(kept, merged)
        whose = _name(keep) if stays is kept else _name(merge)
        preview.clashes.append(
            errors.MERGE_CLASH_PLACE.format(
                course=_course_of(kept),
                kept=_name(keep),
                kept_place=_place(kept),
                merged=_name(merge),
                merged_place=_place(merged),
                whose=whose,
                place=_place(stays),
            )
        )
        if goes.status == Enrolment.Status.BOOKED and goes.run_id:
            preview.frees_places.append(goes.run.title)
    responses = list(
        Response.objects.filter(respondent__in=(keep, merge)).select_related("administration")
    )
    answered = {r.administration_id for r in responses if r.respondent_id == keep.pk}
    theirs = [r for r in responses if r.respondent_id == merge.pk]
    for response in theirs:
        if response.administration_id in answered:
            preview.clashes.append(
                errors.MERGE_CLASH_REFLECTION.format(
                    reflection=response.administration, kept=_name(keep), merged=_name(merge)
                )
            )
    register_lines = Attendance.objects.filter(enrolment__trainee=merge).count()
    preview.moves = {
        "bookings and places": len(pairs),
        "register lines": register_lines,
        "reflections": sum(1 for r in theirs if r.administration_id not in answered),
        "letters": merge.letters.count(),
        "course exceptions": GroupException.objects.filter(trainee=merge).count(),
    }
    preview.reflections_kept = len(theirs) - preview.moves["reflections"]
    return preview


def _fill_blanks(keep, merge) -> list[str]:
    filled = []
    for name in CONTACT_FIELDS:
        if not getattr(keep, name) and getattr(merge, name):
            filled.append(name)
    return filled


def _move_enrolments(keep, merge) -> dict:
    counts = {"bookings and places": 0, "register lines": 0, "places given up": 0}
    freed = set()
    for merged, kept in _pairs(keep, merge):
        counts["register lines"] += Attendance.objects.filter(enrolment=merged).count()
        if kept is None:
            Enrolment.objects.filter(pk=merged.pk).update(trainee=keep)
            counts["bookings and places"] += 1
            continue
        stays, goes = _better(kept, merged)
        sessions = Attendance.objects.filter(enrolment=stays).values("session_id")
        Attendance.objects.filter(enrolment=goes).exclude(session_id__in=sessions).update(
            enrolment=stays
        )
        lessons = LessonProgress.objects.filter(enrolment=stays).values("lesson_id")
        LessonProgress.objects.filter(enrolment=goes).exclude(lesson_id__in=lessons).update(
            enrolment=stays
        )
        if not Certificate.objects.filter(enrolment=stays).exists():
            Certificate.objects.filter(enrolment=goes).update(enrolment=stays)
        if not stays.has_access_needs and goes.has_access_needs:
            stays.access_needs, stays.adjustments = goes.access_needs, goes.adjustments
            stays.save(update_fields=["access_needs", "adjustments"])
        goes.delete()
        if goes.run_id:
            freed.add(goes.run_id)
        if stays.trainee_id != keep.pk:
            Enrolment.objects.filter(pk=stays.pk).update(trainee=keep)
        counts["bookings and places"] += 1
        counts["places given up"] += 1
    # A place given up (or an offer of one, deleted with it) goes to the next person waiting,
    # after the merge is saved: the run is locked then, never while both people are. Robust: a
    # run that cannot be locked just then is logged and leaves the saved merge as it is (the
    # place is offered when the run next has one given up).
    for run_id in sorted(freed):
        transaction.on_commit(lambda run_id=run_id: _offer_freed_place(run_id), robust=True)
    return counts


def _offer_freed_place(run_id: int) -> None:
    with transaction.atomic():
        offers.offers_make(run=booking.run_row(run_id, lock=True))


def _move_unique(model, person_field: str, keep, merge, *, together: tuple[str, ...]) -> int:
    """Move `merge`'s rows of `model` to `keep`, deleting those `keep` already has (the same
    values of `together`). Returns how many moved."""
    theirs = model.objects.filter(**{person_field: merge})
    if together:
        ours = model.objects.filter(**{person_field: keep})
        clash = Q()
        for values in ours.values(*together):
            clash |= Q(**values)
        if clash:
            theirs.filter(clash).delete()
    elif model.objects.filter(**{person_field: keep}).exists():
        theirs.delete()
    return theirs.update(**{person_field: keep})


def _move_person_record(keep, merge) -> int:
    theirs = PersonRecord.objects.filter(person=merge).first()
    if theirs is None:
        return 0
    ours = PersonRecord.objects.filter(person=keep).first()
    if ours is None:
        PersonRecord.objects.filter(pk=theirs.pk).update(person=keep)
        return 1
    if not ours.access_needs and theirs.access_needs:
        ours.access_needs = theirs.access_needs
    if not ours.adjustments and theirs.adjustments:
        ours.adjustments = theirs.adjustments
    ours.save(update_fields=["access_needs", "adjustments"])
    theirs.delete()
    return 1


def _move_email_addresses(keep, merge) -> None:
    from allauth.account.models import EmailAddress

    has_primary = EmailAddress.objects.filter(user=keep, primary=True).exists()
    for address in EmailAddress.objects.filter(user=merge):
        if EmailAddress.objects.filter(user=keep, email__iexact=address.email).exists():
            address.delete()
            continue
        address.user = keep
        address.primary = address.primary and not has_primary and address.email == keep.email
        address.save(update_fields=["user", "primary"])


def _sweep(keep, merge) -> int:
    """Every other field pointing at `merge`, moved to `keep` (a kind of record added later,
    referrals or offers, say, is never lost to the deletion's cascade)."""
    from django.apps import apps

    moved = 0
    for name in person_fields():
        if name in MOVED_BY_HAND or name.startswith(NOT_SWEPT_APPS):
            continue
        label, model_name, field_name = name.split(".")
        model = apps.get_model(label, model_name)
        if model is get_user_model() or model._meta.get_field(field_name).many_to_many:
            continue
        try:
            with transaction.atomic():
                moved += model._base_manager.filter(**{field_name: merge}).update(
                    **{field_name: keep}
                )
        except IntegrityError as error:
            raise PersonError(
                errors.MERGE_CANNOT_MOVE.format(what=model._meta.verbose_name_plural)
            ) from error
    return moved


def _contacts(person) -> str:
    lines = [
        f"Email address: {person.email}" if person.email else "",
        f"Mobile number: {person.mobile}" if person.mobile else "",
        f"Postal address: {' '.join(person.postal_address.split())}"
        if person.postal_address
        else "",
        f"Contact by: {person.get_contact_by_display()}",
    ]
    return "\n".join(line for line in lines if line)


@transaction.atomic
def people_merge(*, site, keep, merge, merged_by) -> PersonMerge:
    """Merge the record `merge` into `keep` (both people of `site`): everything moves onto
    `keep`, clashes settled as the module says, then `merge`'s account is deleted and the
    merge recorded. Refused (PersonError, nothing changed) for the reasons the module lists."""
    user_model = get_user_model()
    if merge is None:
        raise PersonError(errors.MERGE_CHOOSE_PERSON)
    locked = {
        person.pk: person
        for person in user_model.objects.select_for_update()
        .filter(pk__in={keep.pk, merge.pk})
        .order_by("pk")
    }
    people = site_people(site)
    if keep.pk not in locked or not people.filter(pk=keep.pk).exists():
        raise PersonError(errors.MERGE_CHOOSE_PERSON)
    keep = locked[keep.pk]
    merge = locked.get(merge.pk)
    if merge is None or not people.filter(pk=merge.pk).exists():
        raise PersonError(errors.MERGE_CHOOSE_PERSON)
    _refuse(site, keep, merge)

    name, contacts = _name(merge), _contacts(merge)
    preview = merge_preview(site=site, keep=keep, merge=merge)
    moved = _move_enrolments(keep, merge)
    moved["reflections"] = _move_unique(
        Response, "respondent", keep, merge, together=("administration_id",)
    )
    moved["reflections answered by both (the kept record's stay)"] = preview.reflections_kept
    moved["course exceptions"] = _move_unique(
        GroupException, "trainee", keep, merge, together=("run_id",)
    )
    _move_unique(Pseudonym, "person", keep, merge, together=("programme_id",))
    _move_unique(ReflectionReminder, "person", keep, merge, together=("administration_id",))
    _move_unique(ReminderSent, "user", keep, merge, together=("session_id", "days_before"))
    _move_unique(CalendarFeed, "user", keep, merge, together=())
    _move_unique(SiteMembership, "user", keep, merge, together=("site_id",))
    moved["staff records"] = _move_person_record(keep, merge)
    moved["letters"] = merge.letters.count()
    moved["other records"] = _sweep(keep, merge)

    filled = _fill_blanks(keep, merge)
    values = {name_: getattr(merge, name_) for name_ in filled}
    if "email" in values:
        # One address, one account: the other gives it up before the kept one takes it.
        merge.email = None
        merge.save(update_fields=["email"])
    for name_, value in values.items():
        setattr(keep, name_, value)
    if filled:
        keep.save(update_fields=filled)
    _move_email_addresses(keep, merge)
    keep.groups.add(*merge.groups.all())
    moved["contact details filled"] = len(filled)

    merge.delete()
    return PersonMerge.objects.create(
        kept=keep,
        site=site,
        merged_name=name,
        merged_contacts=contacts,
        moved={key: count for key, count in moved.items() if count},
        merged_by=merged_by,
    )


def merge_candidates(*, site, keep, query: str, limit: int = 20):
    """The site's people (but `keep`) whose name, email address or mobile number matches
    `query` as the people list's search does: (the first `limit`, how many there are)."""
    if not " ".join((query or "").split()):
        return [], 0
    found = selectors.site_people(site, query=query).exclude(pk=keep.pk).filter(is_active=True)
    return list(found[:limit]), found.count()
