import pytest

from cms.models import LessonPage
from tests.assessments.factories import KnowledgeCheckFactory


@pytest.fixture
def lesson(small_curriculum):
    return LessonPage.objects.get(slug="workshop")


@pytest.fixture
def check(lesson):
    return KnowledgeCheckFactory(lesson=lesson)
