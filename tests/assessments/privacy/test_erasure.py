"""Reflections' part of erasure (assessments/privacy/erasure.py): the words go, the ratings and
scores stay, pseudonyms go, the note of an earlier reflection erasure no longer names anyone."""

from assessments.models import Answer, Erasure, ItemKind, Phase, Pseudonym, ScaleScore
from assessments.reflections.responses import pseudonym_for
from cms.privacy.erasure import person_erase
from tests.assessments.matched_builders import SEVEN, answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import CourseRunFactory, UserFactory


def test_written_answers_are_emptied_and_ratings_kept(riverside, programmes):
    programme = programmes["patient"]
    version = version_with_items(programme=programme)
    run = CourseRunFactory(site=riverside, programme=programme)
    before = administration(version, Phase.BEFORE, run, programme=programme)
    after = administration(version, Phase.AFTER, run, programme=programme)
    person, other = UserFactory(), UserFactory()
    answered_both(person, before, after, *SEVEN[0])
    answered_both(other, before, after, *SEVEN[1])
    pseudonym_for(programme=programme, person=person)
    Erasure.objects.create(person=person, responses_erased=0)
    scores = ScaleScore.objects.count()

    record = person_erase(person=person, erased_by=None, reason="Written request.")

    written = Answer.objects.filter(item__kind=ItemKind.FREE_TEXT)
    assert written.get(response__respondent=other).text == "A list helps."
    assert written.get(response__respondent=person).text == ""
    assert ScaleScore.objects.count() == scores
    assert not Pseudonym.objects.filter(person=person).exists()
    assert not Erasure.objects.filter(person=person).exists()
    assert record.counts["written answers emptied"] == 1
    assert record.counts["reflection responses kept without identity"] == 2
