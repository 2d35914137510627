"""Personal goals (assessments.reflections.goals): written and rated in the before reflection,
rated again after, every refusal named and storing nothing, erasure, and the goals' matched
analysis checked against figures worked out independently with `statistics`."""

import statistics
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.errors import AssessmentError
from assessments.models import (
    Goal,
    GoalRating,
    GoalsShared,
    GoalTheme,
    Item,
    ItemKind,
    Response,
)
from assessments.reflections import goals as goals_module
from assessments.reflections import windows
from assessments.reflections.analysis import MIN_MATCHED, goal_change, t_critical
from assessments.reflections.responses import response_save, responses_erase
from cms.privacy.erasure import person_erase
from tests.assessments.answering_builders import AFTER, BEFORE, make_course, offered, open_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def window():
    now = timezone.now()
    return windows.Window(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7))


@pytest.fixture
def course(programmes):
    course = make_course(programme=programmes["patient"])
    goals = Item.objects.create(
        version=course.version,
        key="own-goals",
        position=50,
        kind=ItemKind.GOALS,
        text="What would you like to be able to do by the end of the course?",
        asked_before=True,
        asked_after=True,
        required=False,
    )
    course.items["own-goals"] = goals
    return course


@pytest.fixture
def trainee(db):
    return UserFactory(roles=["trainee"])


@pytest.fixture
def both_open(course, trainee):
    with (
        offered({trainee: [course.before, course.after]}),
        open_for({trainee: {course.before.pk: window(), course.after.pk: window()}}),
    ):
        yield course


def save(course, person, goals, *, phase="before", submit=True, answers=None):
    administration = course.before if phase == "before" else course.after
    if answers is None:
        answers = BEFORE if phase == "before" else AFTER
    return response_save(
        administration_id=administration.pk,
        respondent=person,
        answers=course.answers(answers),
        share_with_tutors=False,
        submit=submit,
        goals=goals,
    )


def stored():
    return (
        Response.objects.count(),
        Goal.objects.count(),
        GoalRating.objects.count(),
    )


def refused(call) -> AssessmentError:
    before = stored()
    with pytest.raises(AssessmentError) as refusal:
        call()
    assert stored() == before
    return refusal.value


TWO_GOALS = {
    "goal-1-text": "  Walk to the shops\nwithout stopping ",
    "goal-1-rating": "3",
    "goal-2-text": "Sleep through the night",
    "goal-2-rating": "5",
    "goals_shared": GoalsShared.WITH_NAME,
}


# --- writing goals -------------------------------------------------------------------------------


def test_goals_written_before_are_kept_on_one_line_with_their_rating_and_the_choice(
    both_open, trainee
):
    response = save(both_open, trainee, TWO_GOALS)

    goals = list(Goal.objects.filter(response=response).order_by("position"))
    assert [(goal.position, goal.text) for goal in goals] == [
        (1, "Walk to the shops without stopping"),
        (2, "Sleep through the night"),
    ]
    ratings = dict(GoalRating.objects.filter(response=response).values_list("goal_id", "rating"))
    assert ratings == {goals[0].pk: 3, goals[1].pk: 5}
    response.refresh_from_db()
    assert response.goals_shared == GoalsShared.WITH_NAME


def test_goals_are_optional(both_open, trainee):
    response = save(both_open, trainee, {})

    assert response.status == Response.Status.SUBMITTED
    assert not Goal.objects.exists()


def test_a_draft_keeps_a_goal_without_a_rating_and_saving_again_replaces_the_goals(
    both_open, trainee
):
    save(both_open, trainee, {"goal-1-text": "Walk further"}, submit=False)
    assert list(Goal.objects.values_list("text", flat=True)) == ["Walk further"]

    save(both_open, trainee, {"goal-2-text": "Cook again", "goal-2-rating": "4"}, submit=False)

    assert list(Goal.objects.values_list("position", "text")) == [(2, "Cook again")]
    assert list(GoalRating.objects.values_list("rating", flat=True)) == [4]


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"goal-1-text": "Walk further", "goals_shared": "named"},
            "goal-1-rating",
            goals_module.GOAL_RATING_MISSING.format(number=1),
        ),
        (
            {"goal-1-rating": "4"},
            "goal-1-text",
            goals_module.GOAL_TEXT_MISSING.format(number=1),
        ),
        (
            {"goal-1-text": "Walk", "goal-1-rating": "11", "goals_shared": "named"},
            "goal-1-rating",
            goals_module.GOAL_RATING_RANGE.format(number=1),
        ),
        (
            {"goal-2-text": "Walk\x07", "goal-2-rating": "4", "goals_shared": "named"},
            "goal-2-text",
            goals_module.GOAL_NOT_TEXT.format(number=2),
        ),
        (
            {"goal-1-text": "x" * 201, "goal-1-rating": "4", "goals_shared": "named"},
            "goal-1-text",
            goals_module.GOAL_TOO_LONG.format(number=1, limit=200, length=201),
        ),
        (
            {"goal-4-text": "A fourth", "goal-4-rating": "2", "goals_shared": "named"},
            "goal-4-text",
            goals_module.TOO_MANY_GOALS,
        ),
        (
            {"goal-1-text": "Walk", "goal-1-rating": "4"},
            "goals_shared",
            goals_module.SHARED_MISSING,
        ),
        (
            {"goal-1-text": "Walk", "goal-1-rating": "4", "goals_shared": "everyone"},
            "goals_shared",
            goals_module.SHARED_UNKNOWN,
        ),
    ],
)
def test_each_goal_problem_is_named_and_nothing_is_stored(
    both_open, trainee, posted, field, message
):
    refusal = refused(lambda: save(both_open, trainee, posted))

    assert refusal.errors[field] == message
    assert message in refusal.message


def test_a_goal_of_exactly_200_characters_is_kept(both_open, trainee):
    save(
        both_open,
        trainee,
        {"goal-1-text": "x" * 200, "goal-1-rating": "0", "goals_shared": GoalsShared.NO},
    )

    assert Goal.objects.get().text == "x" * 200
    assert GoalRating.objects.get().rating == 0


# --- rating them again ---------------------------------------------------------------------------


def test_after_the_course_the_same_goals_are_rated_again_next_to_their_before_rating(
    both_open, trainee
):
    save(both_open, trainee, TWO_GOALS)
    walk, sleep = Goal.objects.order_by("position")

    after = save(
        both_open,
        trainee,
        {
            f"goal-{walk.pk}-rating": "8",
            f"goal-{walk.pk}-helped": "Pacing myself",
            f"goal-{sleep.pk}-dropped": "yes",
        },
        phase="after",
    )

    rows = {
        row.goal_id: (row.rating, row.before_rating, row.no_longer_important, row.helped)
        for row in GoalRating.objects.filter(response=after)
    }
    assert rows == {
        walk.pk: (8, 3, False, "Pacing myself"),
        sleep.pk: (None, 5, True, ""),
    }


def test_sending_after_without_rating_a_goal_or_dropping_it_is_refused(both_open, trainee):
    save(both_open, trainee, TWO_GOALS)
    walk, sleep = Goal.objects.order_by("position")

    refusal = refused(
        lambda: save(both_open, trainee, {f"goal-{walk.pk}-rating": "7"}, phase="after")
    )

    assert refusal.errors == {
        f"goal-{sleep.pk}-rating": goals_module.RERATE_MISSING.format(
            number=2, text="Sleep through the night"
        )
    }


def test_another_persons_goal_cannot_be_rated(both_open, trainee, course):
    other = UserFactory(roles=["trainee"])
    with (
        offered({other: [course.before]}),
        open_for({other: {course.before.pk: window()}}),
    ):
        save(course, other, TWO_GOALS)
    theirs = Goal.objects.first()

    refusal = refused(
        lambda: save(both_open, trainee, {f"goal-{theirs.pk}-rating": "9"}, phase="after")
    )

    assert refusal.errors == {f"goal-{theirs.pk}-rating": goals_module.NOT_YOUR_GOAL}


def test_goals_of_a_before_reflection_never_sent_are_not_asked_again(both_open, trainee):
    save(both_open, trainee, TWO_GOALS, submit=False)

    after = save(both_open, trainee, {}, phase="after")

    assert goals_module.goals_to_rate(both_open.after, trainee) == []
    assert not GoalRating.objects.filter(response=after).exists()


def test_erasing_reflections_erases_the_goals_and_their_ratings(both_open, trainee):
    save(both_open, trainee, TWO_GOALS)
    walk, _sleep = Goal.objects.order_by("position")
    save(
        both_open,
        trainee,
        {f"goal-{walk.pk}-rating": "8", f"goal-{_sleep.pk}-dropped": "yes"},
        phase="after",
    )

    responses_erase(person=trainee)

    assert (Goal.objects.count(), GoalRating.objects.count()) == (0, 0)


# --- the analysis --------------------------------------------------------------------------------

# Per person: (before, after) for each goal; None after = not rated; "dropped" = no longer important.
PEOPLE = [
    [(2, 6), (3, 4)],
    [(5, 5)],
    [(1, 8), (4, "dropped"), (2, 3)],
    [(6, 7)],
    [(3, 6), (0, 2)],
    [(4, 3)],
]
MISSING_AFTER = [(5, None)]  # wrote a goal, never sent the after reflection


def _answer(course, person, goals):
    with (
        offered({person: [course.before, course.after]}),
        open_for({person: {course.before.pk: window(), course.after.pk: window()}}),
    ):
        posted = {"goals_shared": GoalsShared.WITHOUT_NAME}
        for number, (before, _after) in enumerate(goals, start=1):
            posted |= {f"goal-{number}-text": f"Goal {number}", f"goal-{number}-rating": before}
        save(course, person, {key: str(value) for key, value in posted.items()})
        if all(after is None for _before, after in goals):
            return
        written = list(
            Goal.objects.filter(
                response__respondent=person, response__administration=course.before
            ).order_by("position")
        )
        again = {}
        for goal, (_before, after) in zip(written, goals, strict=True):
            if after == "dropped":
                again[f"goal-{goal.pk}-dropped"] = "yes"
            else:
                again[f"goal-{goal.pk}-rating"] = str(after)
        save(course, person, again, phase="after")


def test_the_goal_figures_match_those_worked_out_independently(course):
    for goals in [*PEOPLE, MISSING_AFTER]:
        _answer(course, UserFactory(roles=["trainee"]), goals)
    theme = GoalTheme.objects.create(programme=course.before.programme, name="Getting about")
    Goal.objects.filter(position=1).update(theme=theme)

    found = goal_change(Response.objects.all())

    per_person = [
        statistics.fmean(after - before for before, after in goals if after != "dropped")
        for goals in PEOPLE
    ]
    rated = [(b, a) for goals in PEOPLE for b, a in goals if a != "dropped"]
    n = len(per_person)
    mean = statistics.fmean(per_person)
    half = t_critical(n - 1) * statistics.stdev(per_person) / n**0.5
    assert not found.suppressed
    assert found.people == n == 6
    assert found.people_with_goals == 7
    written = sum(len(goals) for goals in [*PEOPLE, MISSING_AFTER])
    assert found.goals_per_person == pytest.approx(written / 7) == pytest.approx(11 / 7)
    assert found.goals == len(rated) == 9
    assert found.dropped == 1
    assert found.mean_change == pytest.approx(mean)
    assert found.sd_change == pytest.approx(statistics.stdev(per_person))
    assert (found.ci_low, found.ci_high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert found.mean_before == pytest.approx(
        statistics.fmean(statistics.fmean(b for b, a in g if a != "dropped") for g in PEOPLE)
    )
    assert found.improved == sum(1 for before, after in rated if after - before >= 2) == 4
    assert found.share_improved == pytest.approx(4 / 9)
    assert found.themes == (("Getting about", 7),)


def test_fewer_than_five_people_show_no_goal_figure(course):
    for goals in PEOPLE[: MIN_MATCHED - 1]:
        _answer(course, UserFactory(roles=["trainee"]), goals)

    found = goal_change(Response.objects.all())

    assert found.suppressed
    assert (found.mean_change, found.goals, found.themes) == (None, None, ())


def test_five_people_show_the_goal_figures(course):
    for goals in PEOPLE[:MIN_MATCHED]:
        _answer(course, UserFactory(roles=["trainee"]), goals)

    found = goal_change(Response.objects.all())

    assert not found.suppressed
    assert found.people == MIN_MATCHED


def test_the_goal_analysis_takes_four_queries_whatever_the_number_of_people(
    course, django_assert_num_queries
):
    for goals in PEOPLE:
        _answer(course, UserFactory(roles=["trainee"]), goals)

    with django_assert_num_queries(4):
        goal_change(Response.objects.all())


def test_erasing_the_whole_person_empties_the_goals_words_and_keeps_the_figures(course):
    people = [UserFactory(roles=["trainee"]) for _goals in PEOPLE]
    for person, goals in zip(people, PEOPLE, strict=True):
        _answer(course, person, goals)
    before = goal_change(Response.objects.all())

    person_erase(person=people[0], erased_by=None, reason="Written request.")

    assert goal_change(Response.objects.all()) == before
    assert set(
        Goal.objects.filter(response__respondent=people[0]).values_list("text", flat=True)
    ) == {""}
    assert Goal.objects.exclude(response__respondent=people[0]).exclude(text="").count() == sum(
        len(goals) for goals in PEOPLE[1:]
    )


# --- the pages -----------------------------------------------------------------------------------


def page_text(response):
    return " ".join(response.content.decode().split())


def test_the_before_form_asks_for_three_goals_and_keeps_them_when_sent(client, both_open, trainee):
    client.force_login(trainee)
    url = f"/reflections/{both_open.before.pk}/"

    form = page_text(client.get(url))
    assert "You can write up to 3 goals, in your own words." in form
    assert 'name="goal-3-text"' in form and 'name="goal-4-text"' not in form
    assert "May your tutors see your goals?" in form

    sent = client.post(url, both_open.post(BEFORE, **TWO_GOALS), follow=True)

    page = page_text(sent)
    assert "Thank you. Your answers have been sent." in page
    assert "Walk to the shops without stopping: 3 out of 10" in page
    assert "Yes, with my name" in page


def test_a_goal_problem_is_shown_next_to_its_field_and_in_the_summary(client, both_open, trainee):
    client.force_login(trainee)
    url = f"/reflections/{both_open.before.pk}/"

    response = client.post(
        url, both_open.post(BEFORE, **{"goal-1-text": "Walk further", "goals_shared": "named"})
    )

    assert response.status_code == 400
    page = page_text(response)
    message = goals_module.GOAL_RATING_MISSING.format(number=1)
    assert f'<a href="#id_goal-1-rating">{message}</a>' in page
    assert (
        f'id="id_goal-1-rating-error"><span class="nhsuk-u-visually-hidden">Error:</span> {message}'
        in page
    )
    assert 'value="Walk further"' in page  # kept on the page
    assert not Goal.objects.exists()


def test_the_after_form_lists_the_goals_to_rate_again(client, both_open, trainee):
    save(both_open, trainee, TWO_GOALS)
    walk, sleep = Goal.objects.order_by("position")
    client.force_login(trainee)
    url = f"/reflections/{both_open.after.pk}/"

    form = page_text(client.get(url))
    assert "Goal 1: Walk to the shops without stopping" in form
    assert "When you wrote it you said 3 out of 10." in form

    sent = client.post(
        url,
        both_open.post(
            AFTER,
            share_with_tutors="no",
            **{f"goal-{walk.pk}-rating": "7", f"goal-{sleep.pk}-dropped": "yes"},
        ),
        follow=True,
    )

    assert "Thank you. Your answers have been sent." in page_text(sent)
    assert dict(
        GoalRating.objects.filter(response__administration=both_open.after).values_list(
            "goal_id", "rating"
        )
    ) == {walk.pk: 7, sleep.pk: None}
