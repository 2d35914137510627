"""What a session's tutors (and its site's leads) read after it: the trainees' feedback counted
per point and their written answers only when shared, never a name; both debriefs, named; and
a fixed number of queries however many people answered."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Purpose
from assessments.reflections import windows
from assessments.reflections.instruments import instrument_save
from assessments.reflections.responses import response_save
from courses.models import Enrolment
from courses.reflections import session_feedback
from tests.factories import TutorFactory, UserFactory

pytestmark = pytest.mark.django_db

WELCOME = {
    "key": "welcome",
    "kind": "rating",
    "text": "How welcome did you feel today?",
    "points": [{"value": value, "label": ""} for value in range(1, 6)],
}
FEEDBACK = {
    "items": [
        {"key": "what-mattered", "kind": "free_text", "text": "What mattered to you today?"},
        WELCOME,
    ]
}
DEBRIEF = {
    "items": [
        {
            "key": "own-share",
            "kind": "rating",
            "text": "How much of today's leading did you do?",
            "points": [{"value": value, "label": ""} for value in range(1, 6)],
        },
        {
            "key": "for-the-lead",
            "kind": "free_text",
            "text": "Anything the lead should know?",
            "required": False,
        },
    ]
}


@pytest.fixture
def taught(workshop, programmes, people):
    for purpose, definition in (
        (Purpose.SESSION_FEEDBACK, FEEDBACK),
        (Purpose.TUTOR_DEBRIEF, DEBRIEF),
    ):
        instrument_save(
            slug=f"patient-{purpose}",
            title=purpose,
            programme=programmes["patient"],
            definition=definition,
            purpose=purpose,
        )
    session = workshop["sessions"][0]
    yesterday = timezone.localdate() - timedelta(days=1)
    zone = timezone.get_current_timezone()
    session.starts_at = datetime.combine(yesterday, time(10, 0), tzinfo=zone)
    session.ends_at = datetime.combine(yesterday, time(13, 0), tzinfo=zone)
    session.lay_tutor = TutorFactory(
        user=people["lay_tutor"], site=workshop["site"], kind="lay", accredited_for=[]
    )
    session.clinical_tutor = TutorFactory(
        user=people["clinical_tutor"], site=workshop["site"], kind="clinical", accredited_for=[]
    )
    session.save()
    feedback, debrief = session_feedback.session_administrations_ensure(session=session)
    return session, feedback, debrief


def item_ids(administration):
    return {item.key: str(item.pk) for item in administration.version.items.all()}


def gives_feedback(session, feedback, words, welcome, *, share):
    person = UserFactory(roles=["trainee"])
    Enrolment.objects.create(trainee=person, run=session.run, site=session.run.site)
    ids = item_ids(feedback)
    assert windows.window_for(person, feedback) is not None
    response_save(
        administration_id=feedback.pk,
        respondent=person,
        answers={ids["what-mattered"]: words, ids["welcome"]: str(welcome)},
        share_with_tutors=share,
        submit=True,
    )
    return person


def page(client, session):
    return " ".join(client.get(f"/teach/sessions/{session.pk}/feedback/").content.decode().split())


def test_tutors_read_the_feedback_without_names_and_both_debriefs(client, taught, people):
    session, feedback, debrief = taught
    shy = gives_feedback(session, feedback, "Kept to myself", 2, share=False)
    open_ = gives_feedback(session, feedback, "Hearing others' stories", 5, share=True)
    ids = item_ids(debrief)
    response_save(
        administration_id=debrief.pk,
        respondent=people["lay_tutor"],
        answers={ids["own-share"]: "2", ids["for-the-lead"]: "I hardly spoke."},
        share_with_tutors=True,
        submit=True,
    )
    client.force_login(people["clinical_tutor"])

    shown = page(client, session)

    assert "2 people sent feedback; 1 of them agreed you may read what they wrote" in shown
    assert "Hearing others&#x27; stories" in shown
    assert "Kept to myself" not in shown
    assert shy.get_full_name() not in shown and open_.get_full_name() not in shown
    assert "How welcome did you feel today? (2 answered)" in shown
    assert '<td class="nhsuk-table__cell">5</td><td class="nhsuk-table__cell">1 of 2</td>' in shown
    assert f"{people['lay_tutor'].get_full_name()} (lay tutor)" in shown
    assert "I hardly spoke." in shown


def test_a_session_not_yet_ended_says_when_it_will_be_asked(client, workshop, people):
    session = workshop["sessions"][2]
    client.force_login(people["lead"])

    assert "open when the session ends" in page(client, session)


def test_the_page_takes_the_same_queries_however_many_answered(client, taught, people):
    session, feedback, _debrief = taught
    gives_feedback(session, feedback, "A", 4, share=True)
    client.force_login(people["lead"])
    page(client, session)
    with CaptureQueriesContext(connection) as one:
        page(client, session)
    for number in range(5):
        gives_feedback(session, feedback, f"Answer {number}", 3, share=True)

    with CaptureQueriesContext(connection) as six:
        page(client, session)

    assert len(six) == len(one)
