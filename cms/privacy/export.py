"""Everything held about a person, as one zip: a CSV file per table, account.json and a README.

cms knows nothing of the other apps. Each app registers, in its `AppConfig.ready()`, a function
person -> the files it contributes (`exporter_register`), and may name whom the person can
contact about their data (`contacts_register`). Each function reads with a fixed number of
queries, so the download costs the same whether a person holds one booking or a hundred.
Adding a kind of data (goals, say) is one more function registered by the app that keeps it,
and one more line in PERSON_FIELDS.

PERSON_FIELDS and NOT_EXPORTED are the one list of every field in the project that points at a
person: which file of the download holds what it keys, or why it is not exported.
tests/cms/privacy/test_export.py fails when a model gains a field pointing at a person that is
in neither, so a new kind of personal data cannot be forgotten here (nor by erasure, which can
read the same list).
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from cms.spreadsheets import write_csv

# Dates and times in the download are the person's local time: the programme runs in the UK.
LOCAL_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class DataFile:
    """One file of the download: a table (`headings` and `rows`, written as CSV) or, for a
    name ending .json, `content` (anything JSON can hold; dates and times become text)."""

    name: str
    description: str
    headings: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    content: Any = None

    @property
    def is_json(self) -> bool:
        return self.name.endswith(".json")

    @property
    def size_text(self) -> str:
        if self.is_json:
            return ""
        count = len(self.rows)
        return f"{count} row{'s' if count != 1 else ''}"


Exporter = Callable[[Any], Iterable[DataFile]]

_exporters: dict[str, Exporter] = {}
_contacts: dict[str, Callable[[Any], Iterable[str]]] = {}


def exporter_register(name: str, exporter: Exporter) -> None:
    """Add (or replace, by name) a function person -> the DataFiles an app holds about them."""
    _exporters[name] = exporter


def contacts_register(name: str, provider: Callable[[Any], Iterable[str]]) -> None:
    """Add (or replace, by name) a function person -> lines naming whom they can contact."""
    _contacts[name] = provider


# app_label.Model.field -> the file of the download that holds what the field keys.
PERSON_FIELDS: dict[str, str] = {
    # cms
    "cms.PersonalDataExport.person": "data_exports.csv",
    "cms.SignInRoleGrant.user": "account.json",
    "cms.SecondFactorReset.person": "account.json",
    # allauth: addresses, linked organisation accounts, second factors (types only).
    "account.EmailAddress.user": "account.json",
    "socialaccount.SocialAccount.user": "account.json",
    "mfa.Authenticator.user": "account.json",
    # assessments
    "assessments.Response.respondent": "reflections.csv",
    "assessments.KnowledgeCheckAttempt.user": "knowledge_check_attempts.csv",
    "assessments.Erasure.person": "reflection_erasures.csv",
    "assessments.Pseudonym.person": "reflection_codes.csv",
    "assessments.ReflectionReminder.person": "reflection_reminders.csv",
    "assessments.ExportLog.exported_by": "reflection_downloads.csv",
    # courses
    "courses.Enrolment.trainee": "bookings.csv",
    "courses.GroupException.trainee": "course_exceptions.csv",
    "courses.OrganiserMessage.sender": "messages_to_organisers.csv",
    "courses.SiteMembership.user": "site_memberships.csv",
    "courses.Tutor.user": "tutor.json",
    "courses.ReminderSent.user": "session_reminders.csv",
    "courses.CalendarFeed.user": "calendar_feed.csv",
    "courses.PersonRecord.person": "staff_record.csv",
    "courses.Letter.person": "letters.csv",
    "courses.RunMessageRecipient.person": "messages_to_your_group.csv",
    "courses.PersonMerge.kept": "records_merged.csv",
    "courses.Referral.person": "referrals.csv",
}

STAFF_WORK = (
    "records which member of staff did a piece of work (the organisation's record of that "
    "work, kept with it), not data about the person"
)
AUTHORED_CONTENT = "names a co-author on a published curriculum page, shown on the page itself"
EDITING_RECORDS = (
    "Wagtail's records of editing the curricula in the admin (revisions, locks, comments, "
    "workflow and audit logs): staff work, kept with the pages"
)

# app_label.Model.field, or a whole app_label -> why it is not part of the download.
NOT_EXPORTED: dict[str, str] = {
    "cms.PersonalDataExport.produced_by": STAFF_WORK,
    "cms.PersonErasure.erased_by": STAFF_WORK,
    "cms.SecondFactorReset.reset_by": STAFF_WORK,
    "cms.AccountClaim.person": (
        "a code sent to claim an account, kept hashed for minutes: a security record, not data "
        "about the person (deleted with the account's erasure)"
    ),
    "cms.ModulePage.lay_author": AUTHORED_CONTENT,
    "cms.ModulePage.clinical_author": AUTHORED_CONTENT,
    "cms.CoAuthorSignOffTaskState.lay_approver": STAFF_WORK,
    "cms.CoAuthorSignOffTaskState.clinical_approver": STAFF_WORK,
    "assessments.KnowledgeCheck.locked_by": EDITING_RECORDS,
    "assessments.InstrumentVersion.created_by": STAFF_WORK,
    "assessments.GoalTheme.created_by": STAFF_WORK,
    "courses.InvitationCode.created_by": STAFF_WORK,
    "courses.GroupException.decided_by": STAFF_WORK,
    "courses.CourseRun.created_by": STAFF_WORK,
    "courses.AssignmentOverride.decided_by": STAFF_WORK,
    "courses.TutorWithdrawal.recorded_by": STAFF_WORK,
    "courses.ActivityLead.updated_by": STAFF_WORK,
    "courses.ActivityLeadChange.changed_by": STAFF_WORK,
    "courses.Attendance.marked_by": STAFF_WORK,
    "courses.Certificate.revoked_by": STAFF_WORK,
    "courses.RefresherThreshold.changed_by": STAFF_WORK,
    "courses.RefresherInvitation.sent_by": STAFF_WORK,
    "courses.PartnershipAlert.dealt_with_by": STAFF_WORK,
    "courses.PersonRecord.added_by": STAFF_WORK,
    "courses.Letter.printed_by": STAFF_WORK,
    "courses.Enrolment.booked_by": STAFF_WORK,
    "courses.Enrolment.withdrawn_by": STAFF_WORK,
    "assessments.Response.entered_by": STAFF_WORK,
    "courses.RunMessage.sender": STAFF_WORK,
    "courses.PersonMerge.merged_by": STAFF_WORK,
    "courses.Referral.contacted_by": STAFF_WORK,
    "courses.ReferralImport.uploaded_by": STAFF_WORK,
    "wagtailcore": EDITING_RECORDS,
    "wagtailadmin": EDITING_RECORDS,
    "wagtailusers": "the admin's display preferences (language, time zone, avatar, dark mode)",
    "wagtaildocs": "who uploaded a document to the curricula: staff work",
    "wagtailimages": "who uploaded an image to the curricula: staff work",
    "wagtailforms": EDITING_RECORDS,
    "wagtailredirects": EDITING_RECORDS,
    "wagtailembeds": EDITING_RECORDS,
    "wagtailsearch": EDITING_RECORDS,
    "auth": "Django's own permissions tables: roles are in account.json",
    "admin": "Django's admin log, unused (the Wagtail admin is used instead)",
    "usersessions": "the sessions a person is signed in with: short-lived, not kept",
}


def person_fields() -> list[str]:
    """Every field of every installed model that points at a person, as app_label.Model.field."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if (
                model_field.is_relation
                and model_field.concrete
                # Inherited from a concrete parent (a page's owner): counted on the parent.
                and model_field.model is model
                and model_field.related_model is user_model
            ):
                found.append(f"{model._meta.app_label}.{model.__name__}.{model_field.name}")
    return sorted(found)


def not_covered() -> list[str]:
    """Fields pointing at a person that neither the download nor NOT_EXPORTED accounts for."""
    return [
        name
        for name in person_fields()
        if name not in PERSON_FIELDS
        and name not in NOT_EXPORTED
        and name.split(".")[0] not in NOT_EXPORTED
    ]


def local(value):
    """A value as the download writes it: a time as ISO 8601 in UK time with its offset
    (2026-11-18T10:30:00+00:00), a date as ISO 8601, lists and mappings likewise inside."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(LOCAL_TIME)
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): local(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [local(item) for item in value]
    return value


def files_for(person) -> list[DataFile]:
    """Every file each app contributes about `person`, in the order the apps registered."""
    files: list[DataFile] = []
    for exporter in _exporters.values():
        files.extend(exporter(person))
    names = [data_file.name for data_file in files]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Two exporters write the same file: {', '.join(duplicates)}")
    return files


def contacts_for(person) -> list[str]:
    lines: list[str] = []
    for provider in _contacts.values():
        lines.extend(provider(person))
    return lines


def file_bytes(data_file: DataFile) -> bytes:
    if data_file.is_json:
        return (
            json.dumps(local(data_file.content), indent=2, ensure_ascii=False, sort_keys=False)
            + "\n"
        ).encode("utf-8")
    return write_csv(data_file.headings, [local(list(row)) for row in data_file.rows])


@dataclass(frozen=True)
class Production:
    """What the README says about why and when the download was made."""

    made_at: datetime
    produced_by: Any = None
    reference: str = ""
    request_received_on: date | None = None
    extra: dict = field(default_factory=dict)


def readme_text(person, files: list[DataFile], production: Production) -> str:
    name = person.get_full_name() or "(no name given)"
    lines = [
        f"Everything {settings.WAGTAIL_SITE_NAME} holds about you",
        "",
        f"For: {name} <{person.email}>",
        f"Made: {local(production.made_at)} (UK time)",
    ]
    if production.reference:
        made_by = production.produced_by
        lines += [
            f"Made for your written request {production.reference}, received on "
            f"{local(production.request_received_on)}, by "
            f"{made_by.get_full_name() or made_by.email if made_by else 'a member of staff'}.",
        ]
    lines += [
        "",
        "What each file is",
        "-----------------",
    ]
    for data_file in [*files, README]:
        size = f" ({data_file.size_text})" if data_file.size_text else ""
        lines.append(f"{data_file.name}{size}: {data_file.description}")
    lines += [
        "",
        "CSV files open in a spreadsheet program; JSON and this file open in a text editor.",
        "Dates are written year-month-day (2026-11-18). Times are UK time with their offset "
        "from UTC (2026-11-18T10:30:00+00:00 in winter, +01:00 in summer).",
        "A table with no rows means we hold nothing of that kind about you.",
        "",
        "Questions, or something wrong?",
        "------------------------------",
        "To ask about this file, to correct anything in it, or to close your account, contact "
        "the programme lead of your site:",
        *[f"- {line}" for line in contacts_for(person)],
        f"- every site's details are on the Contact us page: {contact_page_url()}",
    ]
    return "\n".join(lines) + "\n"


README = DataFile("README.txt", "this file: what each file is, when it was made, whom to contact")


def contact_page_url() -> str:
    return f"{settings.SITE_URL or 'http://127.0.0.1:8000'}/contact-us/"


def export_zip(person, files: list[DataFile], production: Production) -> bytes:
    """The zip of `files` and its README, with every entry dated when it was made (UK time)."""
    stamp = production.made_at.astimezone(LOCAL_TIME).timetuple()[:6]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [
            (README.name, readme_text(person, files, production).encode("utf-8")),
            *[(data_file.name, file_bytes(data_file)) for data_file in files],
        ]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return output.getvalue()


def export_filename(made_at: datetime, *, reference: str = "") -> str:
    """my-data-2026-11-18.zip for a person's own; for a written request its reference too."""
    day = f"{made_at.astimezone(LOCAL_TIME):%Y-%m-%d}"
    if reference:
        return f"personal-data-{slugify(reference) or 'request'}-{day}.zip"
    return f"my-data-{day}.zip"
