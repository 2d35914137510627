"""Whatever a trainee posts to a reflection form, forged or not, the answer is never a 500 and
never half a response: refused (400) storing nothing, or saved whole (302)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assessments.models import Answer, Pseudonym, Response, ScaleScore
from assessments.reflections import windows
from tests.assessments.answering_builders import counts, make_course, offered, open_for
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = typed_text(max_size=300)
values = st.one_of(text, st.lists(text, max_size=4))
# Good values (on both the 0-10 and the 1-5 scales, or empty), and nonsense.
good_points = st.sampled_from(["1", "3", "5"])
points = st.one_of(st.sampled_from(["0", "10", "6", "-1", "2.5", ""]), good_points, values)
KEYS = ["a1", "a2", "a-retro", "e1", "e2", "e-retro", "heard"]
forged_keys = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(lambda n: f"item-{n}"),
    typed_text(max_size=40).map(lambda name: f"item-{name}"),
    typed_text(min_size=1, max_size=40),
)
form_data = st.dictionaries(forged_keys, values, max_size=6)
actions = st.one_of(st.just("send"), st.one_of(st.just("save"), text, st.lists(text, max_size=3)))
consents = st.one_of(st.sampled_from(["yes", "no", ""]), values)


@pytest.fixture
def open_course(people, programmes):
    trainee = people["trainee"]
    course = make_course(programme=programmes["patient"])
    now = timezone.now()
    open_now = windows.Window(now - timedelta(days=1), now + timedelta(days=7))
    with (
        offered({trainee: [course.before, course.after]}),
        open_for({trainee: {course.before.pk: open_now, course.after.pk: open_now}}),
    ):
        yield course, trainee


@given(
    phase=st.sampled_from(["before", "after"]),
    # Half the time every answer is acceptable and only the phase's questions are posted, so
    # that posts are saved and sent too; otherwise anything goes, for every question.
    answers=st.one_of(
        st.fixed_dictionaries(
            {key: good_points for key in KEYS}
            | {"heard": st.sampled_from(["gp", "friend"]), "hope": text}
        ).map(lambda answers: ("asked", answers)),
        st.fixed_dictionaries({key: points for key in KEYS} | {"hope": values}).map(
            lambda answers: ("all", answers)
        ),
    ),
    forged=st.one_of(st.just({}), form_data),
    action=actions,
    consent=st.one_of(st.sampled_from(["yes", "no"]), consents),
)
@settings(HYPOTHESIS, max_examples=60)
def test_answering_never_fails_and_saves_only_whole_responses(
    client, open_course, phase, answers, forged, action, consent
):
    course, trainee = open_course
    Response.objects.filter(respondent=trainee).delete()
    Pseudonym.objects.filter(person=trainee).delete()
    administration = course.before if phase == "before" else course.after
    asked = {
        item.pk
        for item in course.items.values()
        if (item.asked_before if phase == "before" else item.asked_after)
        and not (phase == "before" and item.kind == "retrospective")
    }
    which, answers = answers
    if which == "asked":
        answers = {key: value for key, value in answers.items() if course.items[key].pk in asked}
    client.force_login(trainee)
    data = {
        **forged,
        **{f"item-{course.id(key)}": value for key, value in answers.items()},
        "action": action,
        "share_with_tutors": consent,
    }

    response = client.post(f"/reflections/{administration.pk}/", data)

    assert response.status_code in {302, 400}
    saved = Response.objects.filter(respondent=trainee, administration=administration).first()
    event(f"{response.status_code} {saved.status if saved else 'nothing stored'}")
    if response.status_code == 400:
        assert counts() == {"responses": 0, "answers": 0, "scores": 0, "pseudonyms": 0}
        return
    answered = set(Answer.objects.filter(response=saved).values_list("item_id", flat=True))
    assert answered <= asked
    if saved.status == Response.Status.SUBMITTED:
        by_pk = {item.pk: item for item in course.items.values()}
        required = {pk for pk in asked if by_pk[pk].required}
        assert required <= answered
        assert ScaleScore.objects.filter(response=saved).count() == 2
        assert Pseudonym.objects.filter(person=trainee).count() == 1
    else:
        assert not ScaleScore.objects.exists()
        assert not Pseudonym.objects.exists()


@given(administration_id=st.integers(min_value=0, max_value=10**30), data=form_data)
@HYPOTHESIS
def test_any_administration_number_is_found_or_not_found(
    client, open_course, administration_id, data
):
    course, trainee = open_course
    client.force_login(trainee)
    stored = counts()

    got = client.get(f"/reflections/{administration_id}/")
    posted = client.post(f"/reflections/{administration_id}/", data)

    ours = administration_id in {course.before.pk, course.after.pk}
    assert got.status_code == (200 if ours else 404)
    assert posted.status_code in ({302, 400} if ours else {404})
    if not ours:
        assert counts() == stored
