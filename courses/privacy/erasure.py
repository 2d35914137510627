"""Course delivery's part of erasing a whole person (cms/privacy/erasure.py).

Kept without identity, because they are the organisation's record and the figures count them:
enrolments (with their status and dates), attendance, e-learning progress, certificates (the
code, course and dates: the public check still says a certificate is valid, and that the
holder's name was erased), and a tutor's place in the history of the sessions they taught.
Removed: what a person told us (access needs, adjustments), the messages they sent the
organisers, their calendar feed, reminders sent to them, lead decisions about them, their site
memberships and their weekly availability and time away.

Bookings on runs that have not finished are withdrawn first, through `booking_withdraw`, so the
first people waiting are offered the place as after any withdrawal.

A tutor with sessions to come is refused: erasing them would leave a session without its lay or
clinical tutor without anyone noticing. The message names the sessions to reassign first."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from cms.privacy.erasure import ErasurePart
from courses.models import (
    CalendarFeed,
    Certificate,
    Enrolment,
    GroupException,
    Letter,
    OrganiserMessage,
    PersonMerge,
    PersonRecord,
    Referral,
    ReminderSent,
    RunMessageRecipient,
    Session,
    SiteMembership,
    TimeAway,
    Tutor,
    WeeklyAvailability,
)
from courses.workshops.booking import booking_withdraw

MOST_SESSIONS_NAMED = 5


def upcoming_sessions_refusal(person) -> list[str]:
    tutor = Tutor.objects.filter(user=person).first()
    if tutor is None:
        return []
    sessions = list(
        Session.objects.filter(Q(lay_tutor=tutor) | Q(clinical_tutor=tutor))
        .filter(starts_at__gt=timezone.now())
        .exclude(run__status="cancelled")
        .select_related("run")
        .order_by("starts_at")
    )
    if not sessions:
        return []
    named = "; ".join(
        f"{session.run} session {session.number} on "
        f"{date_format(timezone.localtime(session.starts_at), 'j F Y')}"
        for session in sessions[:MOST_SESSIONS_NAMED]
    )
    more = len(sessions) - MOST_SESSIONS_NAMED
    tail = f" and {more} more" if more > 0 else ""
    return [
        f"This person is the tutor of {len(sessions)} session"
        f"{'' if len(sessions) == 1 else 's'} to come: {named}{tail}. Ask the programme lead to "
        "give these sessions to another tutor first, then erase the account."
    ]


def bookings_to_withdraw(person):
    """Bookings and waiting-list places on runs with a session still to end."""
    return Enrolment.objects.filter(
        trainee=person,
        run__isnull=False,
        status__in=(Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED),
    ).filter(
        Exists(Session.objects.filter(run=OuterRef("run"), ends_at__gt=timezone.now())),
    )


def bookings_withdraw(person) -> dict:
    withdrawn = 0
    for enrolment in bookings_to_withdraw(person):
        booking_withdraw(enrolment=enrolment)
        withdrawn += 1
    return {"bookings withdrawn": withdrawn}


def courses_erase(person) -> dict:
    enrolments = Enrolment.objects.filter(trainee=person)
    counts = {
        "enrolments kept without identity": enrolments.count(),
        "booking answers emptied": enrolments.exclude(access_needs=[], adjustments="").update(
            access_needs=[], adjustments=""
        ),
        "certificates kept without a name": Certificate.objects.filter(
            enrolment__trainee=person
        ).update(holder_name=""),
        "messages to organisers": OrganiserMessage.objects.filter(sender=person).delete()[0],
        "calendar feeds": CalendarFeed.objects.filter(user=person).delete()[0],
        "reminders sent": ReminderSent.objects.filter(user=person).delete()[0],
        "staff records": PersonRecord.objects.filter(person=person).delete()[0],
        "letters": Letter.objects.filter(person=person).delete()[0],
        # The message and its counts stay (a staff member's act); whom it reached does not.
        "messages to a group received": RunMessageRecipient.objects.filter(person=person).delete()[
            0
        ],
        "records merged": PersonMerge.objects.filter(kept=person).delete()[0],
        "referrals": Referral.objects.filter(person=person).delete()[0],
        "group exceptions": GroupException.objects.filter(trainee=person).delete()[0],
        "site memberships": SiteMembership.objects.filter(user=person).delete()[0],
    }
    tutor = Tutor.objects.filter(user=person).first()
    if tutor is not None:
        WeeklyAvailability.objects.filter(tutor=tutor).delete()
        TimeAway.objects.filter(tutor=tutor).delete()
        Tutor.objects.filter(pk=tutor.pk).update(is_active=False)
        counts["tutor records kept without identity"] = 1
    return counts


KEPT_ACT = "not personal about them: records a staff member's act; kept"

COURSES_FIELDS = {
    "courses.Enrolment.trainee": "kept without identity (figures count it); answers emptied",
    "courses.GroupException.trainee": "deleted",
    "courses.GroupException.decided_by": KEPT_ACT,
    "courses.InvitationCode.created_by": KEPT_ACT,
    "courses.ActivityLead.updated_by": KEPT_ACT,
    "courses.ActivityLeadChange.changed_by": KEPT_ACT,
    "courses.Attendance.marked_by": KEPT_ACT,
    "courses.SiteMembership.user": "deleted (roles at a site)",
    "courses.OrganiserMessage.sender": "deleted",
    "courses.Tutor.user": "kept without identity, not teaching; availability and time away deleted",
    "courses.Certificate.revoked_by": KEPT_ACT,
    "courses.CourseRun.created_by": KEPT_ACT,
    "courses.AssignmentOverride.decided_by": KEPT_ACT,
    "courses.TutorWithdrawal.recorded_by": KEPT_ACT,
    "courses.RefresherThreshold.changed_by": KEPT_ACT,
    "courses.RefresherInvitation.sent_by": KEPT_ACT,
    "courses.PartnershipAlert.dealt_with_by": KEPT_ACT,
    "courses.PersonRecord.added_by": KEPT_ACT,
    "courses.Letter.printed_by": KEPT_ACT,
    "courses.Enrolment.booked_by": KEPT_ACT,
    "courses.Enrolment.withdrawn_by": KEPT_ACT,
    "courses.RunMessage.sender": KEPT_ACT,
    "courses.RunMessageRecipient.person": "deleted",
    "courses.PersonRecord.person": "deleted (what staff recorded, and their needs)",
    "courses.Letter.person": "deleted",
    "courses.PersonMerge.kept": "deleted (who the merged record was, and how to reach them)",
    "courses.PersonMerge.merged_by": KEPT_ACT,
    "courses.Referral.person": "deleted (who referred them, when, and what came of it)",
    "courses.Referral.contacted_by": KEPT_ACT,
    "courses.ReferralImport.uploaded_by": KEPT_ACT,
    "courses.CalendarFeed.user": "deleted",
    "courses.ReminderSent.user": "deleted",
}


def courses_erasure_part() -> ErasurePart:
    return ErasurePart(
        name="courses",
        refusals=upcoming_sessions_refusal,
        withdraw=bookings_withdraw,
        erase=courses_erase,
        handles=COURSES_FIELDS,
        goes=(
            "your places on courses that have not finished, and on waiting lists: the place is "
            "offered to the next person waiting",
            "what you told us you need to take part, and the messages you sent the organisers",
            "your calendar feed",
        ),
        stays=(
            "that someone came to each session and finished each course, without your name, so "
            "the programme's totals do not change",
            "the certificates you were given, without your name: checking one says it is valid "
            "and that the holder's name was erased",
        ),
    )
