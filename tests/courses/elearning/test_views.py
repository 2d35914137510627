"""E-learning: enrol, learn, check knowledge, complete, certificate; and who may see what."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import KnowledgeCheck, KnowledgeCheckAttempt
from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.models import LessonPage, ModulePage
from cms.roles import Role
from courses import errors
from courses.elearning import services
from courses.models import Certificate, Enrolment, InvitationCode, LessonProgress
from tests.assessments.curricula_builders import (
    CHECK,
    MODULE_FOLDER,
    elearning_curriculum,
    lesson_text,
)
from tests.curricula_builders import write
from tests.factories import SiteMembershipFactory, UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def module(tmp_path, home_page, authors):
    """An e-learning module of three lessons; only the last has a knowledge check."""
    root = elearning_curriculum(tmp_path / "curricula", lessons=2, check="")
    write(root, f"{MODULE_FOLDER}/03-lesson-3.md", lesson_text("Lesson 3", CHECK))
    curricula_load(programmes=parse_curricula(root))
    return ModulePage.objects.get(slug="preparing")


@pytest.fixture
def lessons(module):
    return list(LessonPage.objects.child_of(module).order_by("path"))


@pytest.fixture
def trainee(people):
    return people["trainee"]


def answers_for(check, *, right):
    """Form data answering every question rightly or wrongly (fields are named by question id)."""
    data = {}
    for question in check.questions:
        options = question.value["options"]
        chosen = [option.id for option in options.bound_blocks if option.value["correct"] == right]
        if not chosen:
            chosen = [options.bound_blocks[0].id]
        data[question.id] = chosen if question.value["kind"] == "multiple" else chosen[0]
    return data


def lesson_url(module, lesson, action=""):
    return f"/learn/modules/{module.pk}/lessons/{lesson.pk}/{action}"


def test_a_trainee_enrols_from_the_module_page(client, module, trainee):
    client.force_login(trainee)

    assert "Enrol on this e-learning" in client.get(module.url).text
    response = client.post(f"/learn/modules/{module.pk}/enrol/", follow=True)

    enrolment = Enrolment.objects.get(trainee=trainee, module=module)
    assert enrolment.status == Enrolment.Status.BOOKED
    assert enrolment.site.slug == "riverside"  # the trainee's own site
    assert "You are enrolled on Preparing for partnership" in response.text
    assert response.redirect_chain[-1][0] == lesson_url(
        module, LessonPage.objects.child_of(module).first()
    )


def test_enrolling_twice_is_refused_clearly(client, module, trainee):
    client.force_login(trainee)
    client.post(f"/learn/modules/{module.pk}/enrol/")

    response = client.post(f"/learn/modules/{module.pk}/enrol/", follow=True)

    assert errors.ALREADY_ENROLLED in response.text
    assert Enrolment.objects.filter(trainee=trainee).count() == 1


def test_a_workshop_module_is_not_e_learning(client, module, trainee):
    workshop = ModulePage.objects.get(slug="partnership-basics")
    client.force_login(trainee)

    response = client.post(f"/learn/modules/{workshop.pk}/enrol/", follow=True)

    assert errors.NOT_ELEARNING in response.text
    assert not Enrolment.objects.exists()


def test_finishing_a_lesson_twice_records_it_once(client, module, lessons, trainee):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)

    client.post(lesson_url(module, lessons[0], "done/"))
    response = client.post(lesson_url(module, lessons[0], "done/"), follow=True)

    assert LessonProgress.objects.filter(lesson=lessons[0]).count() == 1
    assert "Lesson finished. Your progress is saved." in response.text


def test_a_lesson_with_a_check_cannot_be_finished_before_passing_it(
    client, module, lessons, trainee
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)

    response = client.post(lesson_url(module, lessons[2], "done/"), follow=True)

    assert errors.CHECK_NOT_PASSED in response.text
    assert not LessonProgress.objects.exists()


def test_the_whole_journey_to_a_verified_certificate(client, module, lessons, trainee):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    check = KnowledgeCheck.objects.get(lesson=lessons[2])
    client.force_login(trainee)
    for lesson in lessons[:2]:
        client.post(lesson_url(module, lesson, "done/"))

    page = client.get(lesson_url(module, lessons[2])).text
    assert "Check my answers" in page
    assert "Yes. Both lists go on the table first." not in page  # no feedback before answering
    failed = client.post(
        lesson_url(module, lessons[2], "check/"), answers_for(check, right=False), follow=True
    )
    assert "You need 2 to pass" in failed.text
    assert not KnowledgeCheckAttempt.objects.get().passed
    assert Enrolment.objects.get().status == Enrolment.Status.BOOKED

    passed = client.post(
        lesson_url(module, lessons[2], "check/"), answers_for(check, right=True), follow=True
    )
    assert KnowledgeCheckAttempt.objects.filter(passed=True).count() == 1
    assert "I've finished this lesson" in passed.text
    done = client.post(lesson_url(module, lessons[2], "done/"), follow=True)

    enrolment = Enrolment.objects.get()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert "Your certificate is ready to download" in done.text
    assert f"/learn/certificates/{certificate.code}/" in done.text

    printable = client.get(f"/learn/certificates/{certificate.code}/").text
    assert trainee.get_full_name() in printable
    pdf = client.get(f"/learn/certificates/{certificate.code}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    client.logout()
    public = client.get(f"/certificates/{certificate.code}/").text
    assert "This certificate is genuine" in public
    assert trainee.get_full_name() in public
    assert "Preparing for partnership" in public
    assert trainee.email not in public


def test_a_missing_or_forged_answer_is_refused_and_nothing_is_saved(
    client, module, lessons, trainee
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    check = KnowledgeCheck.objects.get(lesson=lessons[2])
    client.force_login(trainee)
    forged = {**answers_for(check, right=True), check.questions[0].id: "not-an-option-id"}

    missing = client.post(lesson_url(module, lessons[2], "check/"), {})
    bad = client.post(lesson_url(module, lessons[2], "check/"), forged)

    assert missing.status_code == 400
    assert "There is a problem" in missing.text
    assert "Answer question 1" in missing.text
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert not KnowledgeCheckAttempt.objects.exists()


def test_someone_elses_lessons_attempts_and_certificates_are_not_found(
    client, module, lessons, trainee, people
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    check = KnowledgeCheck.objects.get(lesson=lessons[2])
    client.force_login(trainee)
    client.post(lesson_url(module, lessons[2], "check/"), answers_for(check, right=True))
    attempt = KnowledgeCheckAttempt.objects.get()
    stranger = UserFactory(roles=[Role.TRAINEE.value])
    client.force_login(stranger)

    assert client.get(lesson_url(module, lessons[0])).status_code == 404
    assert client.post(lesson_url(module, lessons[0], "done/")).status_code == 404
    assert client.post(lesson_url(module, lessons[2], "check/"), {}).status_code == 404
    services.enrolment_create(trainee=stranger, module_id=module.pk)
    page = client.get(lesson_url(module, lessons[2]) + f"?attempt={attempt.pk}").text
    assert "You got" not in page
    assert not LessonProgress.objects.filter(enrolment__trainee=stranger).exists()


def test_no_certificate_before_completion(client, module, lessons, trainee):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)
    client.post(lesson_url(module, lessons[0], "done/"))

    assert not Certificate.objects.exists()
    assert "View your certificate" not in client.get("/learn/").text


def test_withdrawing_keeps_progress_and_enrolling_again_carries_on(
    client, module, lessons, trainee
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)
    client.post(lesson_url(module, lessons[0], "done/"))

    client.post(f"/learn/modules/{module.pk}/withdraw/")
    assert Enrolment.objects.get().status == Enrolment.Status.WITHDRAWN
    assert "1 of 3 lessons done. Your progress is kept." in client.get("/learn/").text
    assert client.post(lesson_url(module, lessons[1], "done/"), follow=True).status_code == 200
    assert LessonProgress.objects.count() == 1

    client.post(f"/learn/modules/{module.pk}/enrol/")
    assert Enrolment.objects.get().status == Enrolment.Status.BOOKED
    assert "1 of 3 lessons done" in client.get("/learn/").text


def test_progress_resumes_at_the_first_unfinished_lesson(client, module, lessons, trainee):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)
    client.post(lesson_url(module, lessons[0], "done/"))

    response = client.get(f"/learn/modules/{module.pk}/")

    assert response["Location"] == lesson_url(module, lessons[1])


def test_completing_twice_records_once(module, lessons, trainee):
    enrolment = services.enrolment_create(trainee=trainee, module_id=module.pk)
    KnowledgeCheck.objects.all().delete()
    for lesson in lessons:
        services.lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
    first = Enrolment.objects.get()

    services.lesson_complete(enrolment=enrolment, lesson_id=lessons[-1].pk)

    again = Enrolment.objects.get()
    assert again.completed_at == first.completed_at
    assert Certificate.objects.count() == 1


# --- invitation codes -------------------------------------------------------------------------


def test_a_lead_makes_an_invitation_code_and_a_trainee_joins_with_it(
    client, module, people, riverside
):
    client.force_login(people["lead"])
    response = client.post(
        "/learn/invitations/",
        {"site": riverside.pk, "module": module.pk, "max_uses": "1"},
        follow=True,
    )
    invitation = InvitationCode.objects.get()
    assert f"New invitation code {invitation.code}" in response.text

    newcomer = UserFactory(roles=[Role.TRAINEE.value])
    client.force_login(newcomer)
    joined = client.post("/learn/join/", {"code": invitation.code.lower()}, follow=True)
    assert "You are enrolled on Preparing for partnership" in joined.text
    assert Enrolment.objects.get(trainee=newcomer).site == riverside

    latecomer = UserFactory(roles=[Role.TRAINEE.value])
    client.force_login(latecomer)
    refused = client.post("/learn/join/", {"code": invitation.code})
    assert refused.status_code == 400
    assert errors.CODE_USED_UP in refused.text
    assert not Enrolment.objects.filter(trainee=latecomer).exists()


def test_expired_and_unknown_codes_are_refused(client, module, trainee, riverside, people):
    invitation = services.invitation_code_create(
        site=riverside,
        module_id=module.pk,
        created_by=people["lead"],
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(trainee)

    expired = client.post("/learn/join/", {"code": invitation.code})
    unknown = client.post("/learn/join/", {"code": "NOPE2345"})

    assert "That invitation code expired on" in expired.text
    assert errors.CODE_UNKNOWN in unknown.text
    assert not Enrolment.objects.exists()


def test_a_lead_cannot_make_codes_for_another_site(client, module, people, hillside):
    client.force_login(people["lead"])

    response = client.post("/learn/invitations/", {"site": hillside.pk, "module": module.pk})

    assert response.status_code == 400
    assert not InvitationCode.objects.exists()


# --- tutors and leads -------------------------------------------------------------------------


def test_leads_see_progress_for_their_sites_only_and_can_export_it(
    client, module, lessons, people, trainee, hillside
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    services.lesson_complete(enrolment=Enrolment.objects.get(), lesson_id=lessons[0].pk)
    elsewhere = UserFactory(email="far.away@example.com", roles=[Role.TRAINEE.value])
    SiteMembershipFactory(site=hillside, user=elsewhere)
    services.enrolment_create(trainee=elsewhere, module_id=module.pk)
    client.force_login(people["lead"])

    page = client.get("/learn/progress/").text
    exported = client.get("/learn/progress/?format=csv")

    assert trainee.email in page
    assert "1 of 3" in page
    assert "far.away@example.com" not in page
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:3] == ["Name", "Email", "Site"]
    assert [row[1] for row in rows[1:]] == [trainee.email]
    assert rows[1][5:7] == ["1", "3"]
    assert exported["Content-Disposition"].startswith('attachment; filename="elearning-progress-')


def test_a_lead_revokes_a_certificate(client, module, lessons, trainee, people):
    enrolment = services.enrolment_create(trainee=trainee, module_id=module.pk)
    KnowledgeCheck.objects.all().delete()
    for lesson in lessons:
        services.lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
    certificate = Certificate.objects.get()
    client.force_login(people["lead"])

    empty = client.post(f"/learn/certificates/{certificate.code}/revoke/", {"reason": ""})
    revoked = client.post(
        f"/learn/certificates/{certificate.code}/revoke/", {"reason": "Issued in error"}
    )

    assert empty.status_code == 400
    assert revoked.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_by == people["lead"]
    assert (
        "This certificate has been revoked" in client.get(f"/certificates/{certificate.code}/").text
    )
    client.force_login(trainee)
    assert client.get(f"/learn/certificates/{certificate.code}/pdf/").status_code == 404


def test_another_sites_lead_cannot_revoke(client, module, lessons, trainee, people):
    enrolment = services.enrolment_create(trainee=trainee, module_id=module.pk)
    KnowledgeCheck.objects.all().delete()
    for lesson in lessons:
        services.lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)
    certificate = Certificate.objects.get()
    client.force_login(people["other_lead"])

    assert (
        client.post(f"/learn/certificates/{certificate.code}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    assert Certificate.objects.get().revoked_at is None


def test_an_unknown_certificate_code_says_so(client, db):
    response = client.get("/certificates/ZZZZ9999ZZZZ/")

    assert response.status_code == 404
    assert "No certificate has the code ZZZZ9999ZZZZ" in response.text


# --- queries ----------------------------------------------------------------------------------


def test_my_learning_and_a_lesson_run_a_fixed_number_of_queries(
    client, module, lessons, trainee, tmp_path
):
    services.enrolment_create(trainee=trainee, module_id=module.pk)
    client.force_login(trainee)
    lesson = lesson_url(module, lessons[0])
    client.get("/learn/")
    with CaptureQueriesContext(connection) as one_enrolment:
        client.get("/learn/")
    with CaptureQueriesContext(connection) as short_module:
        client.get(lesson)

    root = tmp_path / "curricula"
    for number in range(3, 9):
        folder = f"professionals/{number:02d}-more-{number}"
        write(root, f"{folder}/module.md", (root / MODULE_FOLDER / "module.md").read_text())
        for lesson_number in range(1, 6):
            write(
                root,
                f"{folder}/{lesson_number:02d}-part-{lesson_number}.md",
                lesson_text(f"Part {lesson_number}", ""),
            )
    write(root, f"{MODULE_FOLDER}/04-lesson-4.md", lesson_text("Lesson 4", ""))
    write(root, f"{MODULE_FOLDER}/05-lesson-5.md", lesson_text("Lesson 5", ""))
    curricula_load(programmes=parse_curricula(root))
    for extra in ModulePage.objects.filter(slug__startswith="more-"):
        enrolment = services.enrolment_create(trainee=trainee, module_id=extra.pk)
        services.lesson_complete(
            enrolment=enrolment, lesson_id=LessonPage.objects.child_of(extra).first().pk
        )

    with CaptureQueriesContext(connection) as seven_enrolments:
        page = client.get("/learn/").text
    with CaptureQueriesContext(connection) as long_module:
        client.get(lesson)

    assert page.count("1 of 5 lessons done") == 6
    assert len(seven_enrolments) == len(one_enrolment)
    assert len(long_module) == len(short_module)
