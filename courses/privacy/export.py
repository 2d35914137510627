"""What delivery holds about a person, for their download (cms.privacy.export): bookings and
enrolments, attendance, lessons finished, certificates, messages to organisers, recorded
exceptions, site memberships, their tutor record and sessions taught, reminders and calendar
feed; and the contact details of the sites they deal with, for the download's README.

One query per file, whatever the person holds (the tutor record: three)."""

from django.db.models import Q

from cms.privacy.export import DataFile
from courses.models import (
    AccessNeed,
    Attendance,
    CalendarFeed,
    Certificate,
    Enrolment,
    GroupException,
    LessonProgress,
    Letter,
    OrganiserMessage,
    PersonMerge,
    PersonRecord,
    PlaceOffer,
    Referral,
    ReminderSent,
    RunMessageRecipient,
    Session,
    Site,
    SiteMembership,
    Tutor,
)
from courses.workshops.booking import waiting_position_annotation

ACCESS_NEED_LABELS = dict(AccessNeed.choices)


def _course(enrolment: Enrolment) -> tuple[str, str, str]:
    """(kind, title, site) of an enrolment on a course run or an e-learning module."""
    if enrolment.run_id is not None:
        return "Course", enrolment.run.title, enrolment.run.site.name
    site = enrolment.site.name if enrolment.site_id else ""
    return "E-learning", enrolment.module.title if enrolment.module_id else "", site


def bookings_file(person) -> DataFile:
    enrolments = (
        Enrolment.objects.filter(trainee=person)
        .select_related("run__site", "module", "site")
        .annotate(position=waiting_position_annotation())
        .order_by("enrolled_at", "pk")
    )
    rows = []
    for enrolment in enrolments:
        kind, title, site = _course(enrolment)
        waiting = enrolment.status == Enrolment.Status.WAITLISTED
        rows.append(
            (
                kind,
                title,
                site,
                enrolment.get_status_display(),
                enrolment.enrolled_at,
                enrolment.completed_at,
                enrolment.withdrawn_at,
                enrolment.position if waiting else None,
                "; ".join(
                    ACCESS_NEED_LABELS.get(code, code) for code in enrolment.access_needs or []
                ),
                enrolment.adjustments,
                enrolment.terms_agreed_at,
            )
        )
    return DataFile(
        "bookings.csv",
        "your bookings on courses and enrolments on e-learning modules, with their status, "
        "dates, your place on a waiting list and what you told us you need to take part",
        headings=(
            "Kind",
            "Course or module",
            "Site",
            "Status",
            "Booked or enrolled",
            "Completed",
            "Withdrawn",
            "Place on the waiting list",
            "Access needs",
            "Other needs or adjustments",
            "Booking terms agreed",
        ),
        rows=tuple(rows),
    )


def attendance_file(person) -> DataFile:
    rows = tuple(
        (
            line.session.run.title,
            line.session.number,
            line.session.starts_at,
            line.get_status_display(),
            line.marked_at,
        )
        for line in Attendance.objects.filter(enrolment__trainee=person)
        .select_related("session__run")
        .order_by("session__starts_at", "pk")
    )
    return DataFile(
        "attendance.csv",
        "the register: whether you came to each session, as your tutors marked it (a session "
        "not listed has not been marked)",
        headings=("Course", "Session", "Starts", "Register", "Marked"),
        rows=rows,
    )


def lessons_file(person) -> DataFile:
    rows = tuple(
        (
            progress.enrolment.module.title if progress.enrolment.module_id else "",
            progress.lesson.title,
            progress.completed_at,
        )
        for progress in LessonProgress.objects.filter(enrolment__trainee=person)
        .select_related("enrolment__module", "lesson")
        .order_by("completed_at", "pk")
    )
    return DataFile(
        "lessons_finished.csv",
        "the e-learning lessons you finished, and when",
        headings=("Module", "Lesson", "Finished"),
        rows=rows,
    )


def certificates_file(person) -> DataFile:
    rows = tuple(
        (
            certificate.code,
            certificate.get_kind_display(),
            certificate.title,
            certificate.holder_name,
            certificate.issued_at,
            certificate.first_date,
            certificate.last_date,
            certificate.sessions_attended,
            certificate.sessions_total,
            certificate.learning_minutes,
            certificate.revoked_at,
            certificate.revoke_reason,
        )
        for certificate in Certificate.objects.filter(enrolment__trainee=person).order_by(
            "issued_at", "pk"
        )
    )
    return DataFile(
        "certificates.csv",
        "your certificates: code (anyone can check it on the site), what for, when issued, and "
        "whether it was withdrawn and why",
        headings=(
            "Code",
            "Kind",
            "For",
            "Name on it",
            "Issued",
            "First session",
            "Last session",
            "Sessions attended",
            "Sessions in the course",
            "Learning minutes",
            "Withdrawn",
            "Why withdrawn",
        ),
        rows=rows,
    )


def messages_file(person) -> DataFile:
    rows = tuple(
        (
            message.sent_at,
            message.site.name,
            message.run.title,
            message.get_topic_display(),
            message.body,
        )
        for message in OrganiserMessage.objects.filter(sender=person)
        .select_related("site", "run")
        .order_by("sent_at", "pk")
    )
    return DataFile(
        "messages_to_organisers.csv",
        "the messages you sent to the organisers of a course",
        headings=("Sent", "Site", "Course", "About", "Message"),
        rows=rows,
    )


def exceptions_file(person) -> DataFile:
    rows = tuple(
        (exception.run.title, exception.reason, exception.decided_at)
        for exception in GroupException.objects.filter(trainee=person)
        .select_related("run")
        .order_by("decided_at", "pk")
    )
    return DataFile(
        "course_exceptions.csv",
        "a programme lead's recorded decision to let you book a course meant for the other group",
        headings=("Course", "Reason", "Decided"),
        rows=rows,
    )


def memberships_file(person) -> DataFile:
    rows = tuple(
        (membership.site.name, membership.created_at)
        for membership in SiteMembership.objects.filter(user=person)
        .select_related("site")
        .order_by("site__name")
    )
    return DataFile(
        "site_memberships.csv",
        "the delivery sites you work for as staff",
        headings=("Site", "Since"),
        rows=rows,
    )


def tutor_file(person) -> DataFile:
    tutor = (
        Tutor.objects.filter(user=person)
        .select_related("site")
        .prefetch_related("accreditations__programme", "availability", "time_away")
        .first()
    )
    content = None
    if tutor is not None:
        content = {
            "site": tutor.site.name,
            "kind": tutor.get_kind_display(),
            "most_sessions_a_month": tutor.monthly_cap,
            "teaching": tutor.is_active,
            "accreditations": [
                {
                    "programme": accreditation.programme.title,
                    "from": accreditation.accredited_on,
                    "until": accreditation.expires_on,
                }
                for accreditation in tutor.accreditations.all()
            ],
            "weekly_availability": [
                {
                    "day": available.get_weekday_display(),
                    "from": available.starts_at.isoformat(timespec="minutes"),
                    "until": available.ends_at.isoformat(timespec="minutes"),
                }
                for available in tutor.availability.all()
            ],
            "time_away": [
                {"from": away.first_day, "until": away.last_day, "note": away.note}
                for away in tutor.time_away.all()
            ],
        }
    return DataFile(
        "tutor.json",
        "your record as a tutor (empty if you are not one): site, kind, accreditations, "
        "weekly availability and time away",
        content=content,
    )


def sessions_taught_file(person) -> DataFile:
    rows = tuple(
        (
            session.run.title,
            session.number,
            session.starts_at,
            session.ends_at,
            "Lay tutor"
            if session.lay_tutor_id and session.lay_tutor.user_id == person.pk
            else "Clinical tutor",
        )
        for session in Session.objects.filter(
            Q(lay_tutor__user=person) | Q(clinical_tutor__user=person)
        )
        .select_related("run", "lay_tutor")
        .order_by("starts_at", "pk")
    )
    return DataFile(
        "sessions_taught.csv",
        "the sessions you are assigned to teach, or taught",
        headings=("Course", "Session", "Starts", "Ends", "As"),
        rows=rows,
    )


def reminders_file(person) -> DataFile:
    rows = tuple(
        (
            reminder.session.run.title,
            reminder.session.number,
            reminder.days_before,
            reminder.sent_at,
        )
        for reminder in ReminderSent.objects.filter(user=person)
        .select_related("session__run")
        .order_by("sent_at", "pk")
    )
    return DataFile(
        "session_reminders.csv",
        "the reminders we emailed you before sessions",
        headings=("Course", "Session", "Days before", "Sent"),
        rows=rows,
    )


def calendar_file(person) -> DataFile:
    rows = tuple(
        (feed.created_at,) for feed in CalendarFeed.objects.filter(user=person).order_by("pk")
    )
    return DataFile(
        "calendar_feed.csv",
        "whether you have a private calendar feed and when its address was made or last reset "
        "(the address itself is a secret and is not copied here)",
        headings=("Address made or reset",),
        rows=rows,
    )


def staff_record_file(person) -> DataFile:
    rows = tuple(
        (
            record.site.name,
            record.added_at,
            ", ".join(
                label for value, label in AccessNeed.choices if value in set(record.access_needs)
            ),
            record.adjustments,
        )
        for record in PersonRecord.objects.filter(person=person).select_related("site")
    )
    return DataFile(
        "staff_record.csv",
        "what our staff recorded when they added you themselves (by phone or from a referral): "
        "the site, when, and what you need to take part",
        headings=("Site", "Added", "Access needs", "Other needs or adjustments"),
        rows=rows,
    )


def letters_file(person) -> DataFile:
    rows = tuple(
        (letter.created_at, letter.subject, letter.printed_at, letter.body)
        for letter in Letter.objects.filter(person=person).order_by("created_at", "pk")
    )
    return DataFile(
        "letters.csv",
        "the letters we wrote to you by post, and when each was printed",
        headings=("Written", "Subject", "Printed", "Letter"),
        rows=rows,
    )


def group_messages_file(person) -> DataFile:
    rows = tuple(
        (
            received.message.sent_at,
            received.message.run.title,
            received.get_channel_display() or "Not sent: we had no way to reach you",
            received.message.subject,
            received.message.body,
        )
        for received in RunMessageRecipient.objects.filter(person=person)
        .select_related("message__run")
        .order_by("message__sent_at", "pk")
    )
    return DataFile(
        "messages_to_your_group.csv",
        "the messages the organisers or tutors of a course sent to its group, as sent to you",
        headings=("Sent", "Course", "How", "Subject", "Message"),
        rows=rows,
    )


def offers_file(person) -> DataFile:
    rows = tuple(
        (
            offer.made_at,
            offer.run.title,
            offer.expires_at,
            offer.get_status_display(),
            offer.answered_at,
        )
        for offer in PlaceOffer.objects.filter(enrolment__trainee=person)
        .select_related("run")
        .order_by("made_at", "pk")
    )
    return DataFile(
        "offers_of_a_place.csv",
        "the places offered to you from a waiting list, each with its deadline and what became "
        "of it",
        headings=("Offered", "Course", "Answer by", "What became of it", "Answered or closed"),
        rows=rows,
    )


def merges_file(person) -> DataFile:
    rows = tuple(
        (merge.merged_at, merge.site.name, merge.merged_name, merge.merged_contacts)
        for merge in PersonMerge.objects.filter(kept=person).select_related("site")
    )
    return DataFile(
        "records_merged.csv",
        "other records of you that our staff merged into your account (you had two), with the "
        "name and contact details the other record had",
        headings=("Merged", "Site", "Name on the other record", "Its contact details"),
        rows=rows,
    )


def referrals_file(person) -> DataFile:
    rows = tuple(
        (
            referral.site.name,
            referral.referred_on,
            referral.referrer,
            referral.date_of_birth,
            referral.nhs_number,
            referral.notes,
            referral.get_outcome_display(),
            referral.outcome_note,
            referral.contacted_at,
        )
        for referral in Referral.objects.filter(person=person)
        .select_related("site")
        .order_by("referred_on", "pk")
    )
    return DataFile(
        "referrals.csv",
        "the referrals of you to our courses (by your GP, nurse or another professional), and "
        "what came of contacting you",
        headings=(
            "Site",
            "Referred on",
            "Referred by",
            "Date of birth",
            "NHS number",
            "Notes",
            "Outcome",
            "Outcome note",
            "Contacted",
        ),
        rows=rows,
    )


def delivery_files(person) -> list[DataFile]:
    return [
        staff_record_file(person),
        letters_file(person),
        merges_file(person),
        referrals_file(person),
        bookings_file(person),
        offers_file(person),
        attendance_file(person),
        lessons_file(person),
        certificates_file(person),
        messages_file(person),
        group_messages_file(person),
        exceptions_file(person),
        memberships_file(person),
        tutor_file(person),
        sessions_taught_file(person),
        reminders_file(person),
        calendar_file(person),
    ]


def site_contacts(person) -> list[str]:
    """The contact details of every site the person booked with or works for. One query."""
    sites = (
        Site.objects.filter(
            Q(enrolments__trainee=person)
            | Q(runs__enrolments__trainee=person)
            | Q(memberships__user=person)
        )
        .distinct()
        .order_by("name")
    )
    lines = []
    for site in sites:
        details = [detail for detail in (site.contact_email, site.contact_phone) if detail]
        if site.opening_hours:
            details.append(f"({site.opening_hours})")
        lines.append(f"{site.name}: {' '.join(details) or 'see the Contact us page'}")
    return lines
