"""Completing is recorded once even when two requests arrive together (proven on PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from assessments.models import KnowledgeCheck
from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.models import LessonPage, ModulePage
from courses.elearning import services
from courses.models import Certificate, Enrolment, LessonProgress
from tests.assessments.curricula_builders import elearning_curriculum

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL (CI runs it)"
)


# Every transactional test restores the migrated data (Wagtail's root page, content types) it
# starts from: a flush by one must not leave the next without it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_finished_clicks_at_once_complete_the_enrolment_once(
    tmp_path, home_page, authors, people
):
    curricula_load(
        programmes=parse_curricula(elearning_curriculum(tmp_path / "c", lessons=2, check=""))
    )
    KnowledgeCheck.objects.all().delete()
    module = ModulePage.objects.get(slug="preparing")
    first, last = LessonPage.objects.child_of(module).order_by("path")
    enrolment = services.enrolment_create(trainee=people["trainee"], module_id=module.pk)
    services.lesson_complete(enrolment=enrolment, lesson_id=first.pk)
    barrier = threading.Barrier(2)
    failures = []

    def finish():
        try:
            barrier.wait(timeout=10)
            services.lesson_complete(enrolment=enrolment, lesson_id=last.pk)
        except Exception as error:  # noqa: BLE001 - reported below, whatever it is
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert LessonProgress.objects.filter(lesson=last).count() == 1
    assert Certificate.objects.count() == 1
    assert Enrolment.objects.get().status == Enrolment.Status.COMPLETED
