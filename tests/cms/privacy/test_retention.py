"""Retention (cms/privacy/retention.py): what has passed its period is erased, emptied or
deleted by a real run and logged; a dry run counts the same and changes nothing; staff with roles
are reported, not erased; the privacy notice states the periods from the same settings."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Answer, ExportLog, Goal, ItemKind, Phase, ScaleScore
from cms.models import OutgoingEmail, PersonalDataExport, PersonErasure, RetentionRun
from cms.privacy.erasure import ERASED_NAME
from cms.privacy.retention import retention_apply
from cms.services import information_pages_ensure
from cms.tasks import RETENTION_SCHEDULE, apply_retention
from courses.models import Session
from tests.assessments.matched_builders import SEVEN, answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import CourseRunFactory, UserFactory

YEAR = timedelta(days=365)


def sent_email(days_ago):
    return OutgoingEmail.objects.create(
        from_email="a@example.com",
        recipients=["x@example.com"],
        to="x@example.com",
        subject="Hello",
        message=b"x",
        next_attempt_at=timezone.now(),
        status=OutgoingEmail.Status.SENT,
        sent_at=timezone.now() - timedelta(days=days_ago),
    )


def finished_run_with_reflections(site, programme, version, *, ended_years_ago, slug):
    run = CourseRunFactory(site=site, programme=programme)
    starts = timezone.now() - ended_years_ago * YEAR - timedelta(hours=3)
    Session.objects.create(
        run=run, number=1, venue=run.venue, starts_at=starts, ends_at=starts + timedelta(hours=3)
    )
    before = administration(version, Phase.BEFORE, run, programme=programme, label=slug)
    after = administration(version, Phase.AFTER, run, programme=programme, label=slug)
    answered_both(UserFactory(), before, after, *SEVEN[0])
    Goal.objects.create(response=before.responses.get(), position=1, text=f"Walk further ({slug})")
    return run


@pytest.fixture
def past(riverside, programmes, people):
    now = timezone.now()
    old = UserFactory(email="old@example.com", last_login=now - 4 * YEAR, roles=["trainee"])
    recent = UserFactory(email="recent@example.com", last_login=now - YEAR)
    never = UserFactory(email="never@example.com", last_login=None)
    type(never).objects.filter(pk=never.pk).update(date_joined=now - 5 * YEAR)
    lead = people["lead"]
    type(lead).objects.filter(pk=lead.pk).update(last_login=now - 4 * YEAR)
    admin = UserFactory(is_superuser=True, is_staff=True, last_login=now - 4 * YEAR)
    sent_email(30)
    sent_email(2)
    for years in (3, 1):
        log = ExportLog.objects.create(what="Reflections", file_format="csv")
        ExportLog.objects.filter(pk=log.pk).update(exported_at=now - years * YEAR)
        # A copy of a person's data made `years` ago, for a written request.
        PersonalDataExport.objects.create(
            person=recent,
            produced_by=lead,
            produced_at=now - years * YEAR,
            reference=f"SAR-{years}",
        )
    version = version_with_items(programme=programmes["patient"])
    old_run = finished_run_with_reflections(
        riverside, programmes["patient"], version, ended_years_ago=8, slug="old"
    )
    new_run = finished_run_with_reflections(
        riverside, programmes["patient"], version, ended_years_ago=1, slug="new"
    )
    return {
        "old": old,
        "recent": recent,
        "never": never,
        "lead": lead,
        "admin": admin,
        "runs": (old_run, new_run),
    }


def written(label):
    return Answer.objects.filter(
        item__kind=ItemKind.FREE_TEXT, response__administration__label=label
    ).exclude(text="")


def everything():
    return (
        OutgoingEmail.objects.count(),
        ExportLog.objects.count(),
        PersonalDataExport.objects.count(),
        written("old").count(),
        PersonErasure.objects.count(),
        RetentionRun.objects.count(),
        sorted(type_.first_name for type_ in UserFactory._meta.model.objects.all()),
    )


def test_a_dry_run_counts_what_has_passed_and_changes_nothing(past):
    before = everything()
    out = io.StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)

    assert everything() == before
    text = out.getvalue()
    assert "inactive_accounts (kept 3 years): Would act on 2." in text
    assert "sent_emails (kept 7 days): Would act on 1." in text
    assert "export_logs (kept 2 years): Would act on 1." in text
    assert "personal_data_exports (kept 2 years): Would act on 1." in text
    assert "reflections (kept 7 years): Would act on 1." in text
    assert "reflection_goals (kept 7 years): Would act on 1." in text
    assert f"Account {past['lead'].pk} has not signed in for 3 years but has a staff role" in text
    assert f"Account {past['admin'].pk} has not signed in" in text
    assert "nothing was changed and nothing was logged" in text


def test_a_real_run_acts_and_logs_what_it_did(past):
    scores = ScaleScore.objects.count()

    report = retention_apply(dry_run=False)

    assert report.counts == {
        "inactive_accounts": 2,
        "sent_emails": 1,
        "sent_texts": 0,
        "export_logs": 1,
        "personal_data_exports": 1,
        "reflections": 1,
        "reflection_goals": 1,
    }
    for key in ("old", "never"):
        past[key].refresh_from_db()
        assert past[key].first_name == ERASED_NAME and not past[key].is_active
    past["recent"].refresh_from_db()
    past["lead"].refresh_from_db()
    assert past["recent"].is_active and past["lead"].is_active
    assert OutgoingEmail.objects.count() == 1
    assert ExportLog.objects.count() == 1
    assert list(PersonalDataExport.objects.values_list("reference", flat=True)) == ["SAR-1"]
    assert not written("old").exists() and written("new").count() == 1
    assert sorted(Goal.objects.values_list("text", flat=True)) == ["", "Walk further (new)"]
    assert ScaleScore.objects.count() == scores  # the totals keep their ratings
    assert PersonErasure.objects.filter(by_retention=True).count() == 2
    run = RetentionRun.objects.get()
    assert run.counts == report.counts and not run.dry_run
    assert len(run.reported) == 2 and f"Account {past['lead'].pk}" in run.reported[0]
    past["admin"].refresh_from_db()
    assert past["admin"].is_active

    # Run again: nothing more has passed.
    assert set(retention_apply(dry_run=False).counts.values()) == {0}


def test_the_periods_come_from_the_settings(past, settings):
    settings.RETENTION = {**settings.RETENTION, "reflections": {"years": 10}}
    assert retention_apply(dry_run=True).counts["reflections"] == 0
    settings.RETENTION = {**settings.RETENTION, "sent_emails": {"days": 1}}
    assert retention_apply(dry_run=True).counts["sent_emails"] == 2


def test_the_job_is_scheduled_daily_and_runs(past):
    assert RETENTION_SCHEDULE.split()[2:] == ["*", "*", "*"]
    apply_retention.enqueue()
    assert RetentionRun.objects.count() == 1


def test_the_privacy_notice_states_the_periods_from_the_settings(client, home_page, settings):
    information_pages_ensure(home=home_page)
    html = client.get("/privacy-notice/").text
    assert "Your written reflection answers, after the course or e-learning module ends" in html
    assert "7 years" in html and "3 years" in html

    settings.RETENTION = {**settings.RETENTION, "reflections": {"years": 9}}
    html = client.get("/privacy-notice/").text
    assert "9 years" in html and "7 years" not in html
