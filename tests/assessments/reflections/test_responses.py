"""Answering reflections (assessments.reflections.responses): drafts, sending once, every refusal
storing nothing, scores worked by hand, pseudonyms, erasure, and the selectors' query counts."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from assessments import errors
from assessments.errors import AssessmentError
from assessments.models import Answer, Erasure, Pseudonym, Response, ScaleScore
from assessments.reflections import responses, windows
from assessments.reflections.responses import (
    answers_rows_for,
    change_for,
    due_for,
    figure,
    reflections_for,
    response_save,
    responses_erase,
)
from tests.assessments.answering_builders import (
    AFTER,
    BEFORE,
    counts,
    everything_open,
    make_course,
    offered,
    open_for,
)
from tests.factories import UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def window(opens_in_days=-1, closes_in_days=7):
    now = timezone.now()
    return windows.Window(
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=None if closes_in_days is None else now + timedelta(days=closes_in_days),
    )


@pytest.fixture
def trainee(db):
    return UserFactory(roles=["trainee"])


@pytest.fixture
def course(programmes):
    return make_course(programme=programmes["patient"])


@pytest.fixture
def both_open(course, trainee):
    """The before and the after are both open to the trainee (tests time-travel past the real
    order, in which the before closes when the after is not yet open)."""
    with (
        offered({trainee: [course.before, course.after]}),
        open_for({trainee: {course.before.pk: window(), course.after.pk: window()}}),
    ):
        yield course


def save(course, person, by_key, *, phase="before", submit=True, share=None, **kwargs):
    administration = course.before if phase == "before" else course.after
    return response_save(
        administration_id=administration.pk,
        respondent=person,
        answers=course.answers(by_key),
        share_with_tutors=share,
        submit=submit,
        **kwargs,
    )


def refused(call):
    """The refusal `call` raises, having stored nothing."""
    before = counts()
    with pytest.raises(AssessmentError) as refusal:
        call()
    assert counts() == before
    return refusal.value


# --- drafts ---------------------------------------------------------------------------------


def test_a_draft_may_be_partial_and_saving_again_updates_the_same_rows(both_open, trainee):
    first = save(both_open, trainee, {"a1": "3"}, submit=False)
    answer = Answer.objects.get(response=first)

    second = save(both_open, trainee, {"a1": "6", "a2": "2"}, submit=False)

    assert second.pk == first.pk
    assert second.status == Response.Status.DRAFT
    assert second.submitted_at is None
    assert Response.objects.count() == 1
    assert Answer.objects.get(pk=answer.pk).number == 6  # the same row, changed
    assert {(a.item.key, a.number) for a in Answer.objects.filter(response=first)} == {
        ("a1", 6),
        ("a2", 2),
    }
    assert not ScaleScore.objects.exists()
    assert not Pseudonym.objects.exists()


def test_clearing_an_answer_in_a_draft_removes_it(both_open, trainee):
    save(both_open, trainee, {"a1": "3", "a2": "4"}, submit=False)
    save(both_open, trainee, {"a1": "", "a2": "4"}, submit=False)  # a1 emptied
    save(both_open, trainee, {"a2": "4"}, submit=False)  # nothing else changes

    assert list(Answer.objects.values_list("item__key", flat=True)) == ["a2"]


def test_written_answers_are_trimmed_and_kept_with_the_consent_choice(both_open, trainee):
    response = save(both_open, trainee, AFTER, phase="after", submit=False, share=True)

    answer = Answer.objects.get(response=response, item__key="hope")
    assert answer.text == "I set the agenda now."
    assert response.share_with_tutors is True


def test_a_written_answer_of_exactly_the_limit_is_kept(both_open, trainee):
    text = "x" * responses.MAX_TEXT_LENGTH
    save(both_open, trainee, {"hope": text}, phase="after", submit=False)

    assert Answer.objects.get(item__key="hope").text == text


# --- sending and scores -------------------------------------------------------------------


def test_sending_records_the_time_and_scores_worked_by_hand(both_open, trainee):
    moment = timezone.now().replace(microsecond=0)

    response = save(both_open, trainee, BEFORE, now=moment)

    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at == moment
    scores = {s.scale_key: s for s in ScaleScore.objects.filter(response=response)}
    # agenda: (4 + 5) / 2. enabling: e2 is reverse-scored on 1-5, so 4 counts 1 + 5 - 4 = 2,
    # and (2 + 2) / 2 = 2.
    assert scores["agenda"].score == 4.5
    assert scores["enabling"].score == 2.0
    assert scores["agenda"].scale_label == "confidence in agenda setting"
    assert scores["agenda"].administration_id == both_open.before.pk
    assert all(s.retrospective_score is None and s.before_score is None for s in scores.values())


def test_the_after_scores_carry_the_before_score_and_the_looking_back_score(both_open, trainee):
    save(both_open, trainee, BEFORE)
    response = save(both_open, trainee, AFTER, phase="after", share=False)

    scores = {s.scale_key: s for s in ScaleScore.objects.filter(response=response)}
    # agenda: (8 + 9) / 2 = 8.5, looking back 3; enabling: e2 = 1 counts 5, (5 + 5) / 2 = 5,
    # looking back 2.
    assert (scores["agenda"].score, scores["agenda"].retrospective_score) == (8.5, 3.0)
    assert (scores["enabling"].score, scores["enabling"].retrospective_score) == (5.0, 2.0)
    assert scores["agenda"].before_score == 4.5
    assert scores["enabling"].before_score == 2.0


def test_an_after_without_a_sent_before_has_no_before_score(both_open, trainee):
    save(both_open, trainee, BEFORE, submit=False)  # a draft is not a before score
    response = save(both_open, trainee, AFTER, phase="after", share=True)

    assert list(ScaleScore.objects.filter(response=response).values_list("before_score")) == [
        (None,),
        (None,),
    ]


def test_the_before_score_comes_from_the_same_target_only(both_open, trainee, programmes):
    other = make_course(programme=programmes["patient"], label="Another course")
    with open_for(
        {
            trainee: {
                other.before.pk: window(),
                both_open.before.pk: window(),
                both_open.after.pk: window(),
            }
        }
    ):
        save(other, trainee, {**BEFORE, "a1": "0", "a2": "0"})
        response = save(both_open, trainee, AFTER, phase="after", share=True)

    assert not ScaleScore.objects.filter(response=response, before_score__isnull=False).exists()


def test_a_scale_scores_only_the_items_answered(both_open, trainee):
    # Optional items are rare, but a scale's mean is of what was answered: here only a1 counts.
    both_open.items["a2"].required = False
    both_open.items["a2"].save()

    response = save(both_open, trainee, {**BEFORE, "a2": ""})

    assert ScaleScore.objects.get(response=response, scale_key="agenda").score == 4.0


def test_sending_gives_the_person_one_pseudonym_per_programme(both_open, trainee):
    save(both_open, trainee, BEFORE)
    save(both_open, trainee, AFTER, phase="after", share=True)

    pseudonym = Pseudonym.objects.get()
    assert pseudonym.person == trainee
    assert pseudonym.programme_id == both_open.before.programme_id
    assert re.fullmatch(r"MOT-[2-9A-HJ-NP-Z]{6}", pseudonym.code)


def test_a_draft_gives_no_pseudonym_and_no_programme_gives_none(trainee):
    course = make_course(programme=None)
    with open_for({trainee: {course.before.pk: window()}}):
        save(course, trainee, BEFORE)

    assert not Pseudonym.objects.exists()


def test_demo_answers_are_marked_as_generated(both_open, trainee):
    response = save(both_open, trainee, BEFORE, generated=True)

    assert response.generated is True


# --- refusals: each says why and stores nothing ------------------------------------------------


def test_sending_twice_records_once(both_open, trainee):
    first = save(both_open, trainee, BEFORE)
    submitted_at = Response.objects.get().submitted_at

    refusal = refused(lambda: save(both_open, trainee, {**BEFORE, "a1": "10"}))

    assert refusal.message == errors.ALREADY_SUBMITTED
    assert Response.objects.get().submitted_at == submitted_at
    assert Answer.objects.get(response=first, item__key="a1").number == 4


def test_a_sent_response_cannot_be_changed_by_a_draft_either(both_open, trainee):
    save(both_open, trainee, BEFORE)

    refusal = refused(lambda: save(both_open, trainee, {"a1": ""}, submit=False))

    assert refusal.message == errors.ALREADY_SUBMITTED


@pytest.mark.parametrize(
    "forged",
    ["999999", "99999999999999999999999999", "abc", "-1", "", "1.5"],
)
def test_a_forged_item_id_is_refused(both_open, trainee, forged):
    answers = {**both_open.answers(BEFORE), forged: "5"}

    refusal = refused(
        lambda: response_save(
            administration_id=both_open.before.pk,
            respondent=trainee,
            answers=answers,
            share_with_tutors=None,
            submit=False,
        )
    )

    assert refusal.errors == {forged: errors.NOT_AN_ITEM}
    assert refusal.message == f"{errors.ANSWERS_NEED_ATTENTION} {errors.NOT_AN_ITEM}"


def test_an_item_of_another_version_is_refused(both_open, trainee, programmes):
    other = make_course(programme=programmes["professional"])

    refusal = refused(
        lambda: response_save(
            administration_id=both_open.before.pk,
            respondent=trainee,
            answers={**both_open.answers(BEFORE), other.id("a1"): "5"},
            share_with_tutors=None,
            submit=True,
        )
    )

    assert refusal.errors == {other.id("a1"): errors.NOT_AN_ITEM}


@pytest.mark.parametrize("key", ["a-retro", "hope"])
def test_an_item_not_asked_before_is_refused_before(both_open, trainee, key):
    refusal = refused(lambda: save(both_open, trainee, {**BEFORE, key: "3"}))

    assert refusal.errors == {both_open.id(key): errors.NOT_AN_ITEM}


def test_an_item_asked_before_only_is_refused_after(both_open, trainee):
    refusal = refused(
        lambda: save(both_open, trainee, {**AFTER, "heard": "gp"}, phase="after", share=True)
    )

    assert refusal.errors == {both_open.id("heard"): errors.NOT_AN_ITEM}


@pytest.mark.parametrize(
    "value", ["11", "-1", "7.5", "abc", "1e3", "99999999999999999999999", "٣", "4 5"]
)
def test_a_value_outside_the_scale_is_refused_naming_the_question(both_open, trainee, value):
    refusal = refused(lambda: save(both_open, trainee, {**BEFORE, "a2": value}, submit=False))

    # a2 is the second question on the before form.
    assert refusal.errors == {both_open.id("a2"): errors.OUT_OF_RANGE.format(number=2)}
    assert refusal.message == (
        "Some answers need attention. Question 2: choose one of the points shown."
    )


def test_a_reverse_scored_item_takes_only_its_own_points(both_open, trainee):
    refusal = refused(lambda: save(both_open, trainee, {**BEFORE, "e2": "0"}))

    assert refusal.errors == {both_open.id("e2"): errors.OUT_OF_RANGE.format(number=4)}


def test_a_choice_that_is_not_offered_is_refused(both_open, trainee):
    refusal = refused(lambda: save(both_open, trainee, {**BEFORE, "heard": "radio"}))

    assert refusal.errors == {both_open.id("heard"): errors.NOT_A_CHOICE.format(number=5)}


def test_two_values_for_one_question_are_refused(both_open, trainee):
    answers = {**both_open.answers(BEFORE), both_open.id("a1"): ["3", "4"]}

    refusal = refused(
        lambda: response_save(
            administration_id=both_open.before.pk,
            respondent=trainee,
            answers=answers,
            share_with_tutors=None,
            submit=True,
        )
    )

    assert refusal.errors == {both_open.id("a1"): errors.ONE_VALUE_ONLY.format(number=1)}


def test_a_written_answer_over_the_limit_is_refused(both_open, trainee):
    text = "x" * (responses.MAX_TEXT_LENGTH + 1)

    refusal = refused(
        lambda: save(both_open, trainee, {**AFTER, "hope": text}, phase="after", share=True)
    )

    assert refusal.errors == {
        both_open.id("hope"): "Question 7: write 5000 characters or fewer (you wrote 5001)."
    }


def test_missing_required_answers_are_each_named_on_sending(both_open, trainee):
    refusal = refused(lambda: save(both_open, trainee, {"a2": "5", "e1": "3"}))

    assert refusal.errors == {
        both_open.id("a1"): "Answer question 1: choose one of the points shown.",
        both_open.id("e2"): "Answer question 4: choose one of the points shown.",
        both_open.id("heard"): "Answer question 5: choose an answer.",
    }
    assert refusal.message.startswith(errors.ANSWERS_NEED_ATTENTION)


def test_the_consent_choice_is_needed_to_send_when_written_answers_are_asked(both_open, trainee):
    refusal = refused(lambda: save(both_open, trainee, AFTER, phase="after", share=None))

    assert refusal.errors == {responses.CONSENT_FIELD: errors.CONSENT_REQUIRED}
    # A draft may leave it unchosen; the before form asks no written answer, so needs none.
    save(both_open, trainee, AFTER, phase="after", share=None, submit=False)
    save(both_open, trainee, BEFORE, share=None)


def test_an_optional_written_answer_may_be_left_empty(both_open, trainee):
    response = save(both_open, trainee, {**AFTER, "hope": "   "}, phase="after", share=False)

    assert not Answer.objects.filter(response=response, item__key="hope").exists()


def test_someone_elses_administration_is_not_theirs(both_open, trainee):
    stranger = UserFactory(roles=["trainee"])

    refusal = refused(lambda: save(both_open, stranger, BEFORE))

    assert refusal.message == errors.NOT_YOURS
    assert refusal.errors == {}


@pytest.mark.parametrize("administration_id", [0, -3, 999_999, 2**63, 10**30, "abc", None])
def test_an_administration_that_does_not_exist_is_not_theirs(trainee, administration_id):
    refusal = refused(
        lambda: response_save(
            administration_id=administration_id,
            respondent=trainee,
            answers={},
            share_with_tutors=None,
            submit=True,
        )
    )

    assert refusal.message == errors.NOT_YOURS


def test_a_closed_administration_is_refused_with_its_date(course, trainee):
    closed = window(opens_in_days=-10, closes_in_days=-1)
    with open_for({trainee: {course.before.pk: closed}}):
        save(course, trainee, {"a1": "3"}, submit=False, now=closed.opens_at + timedelta(days=1))

        refusal = refused(lambda: save(course, trainee, BEFORE))

    assert refusal.message == errors.CLOSED.format(date=responses.moment_text(closed.closes_at))
    assert "so answers can no longer be sent" in refusal.message
    assert Response.objects.get().status == Response.Status.DRAFT


def test_an_administration_not_open_yet_is_refused_with_its_date(course, trainee):
    later = window(opens_in_days=3, closes_in_days=10)
    with open_for({trainee: {course.before.pk: later}}):
        refusal = refused(lambda: save(course, trainee, BEFORE))

        # `now` lets the demo and tests answer as if on another day.
        save(course, trainee, BEFORE, now=later.opens_at + timedelta(hours=1))

    assert refusal.message == errors.NOT_OPEN_YET.format(date=responses.moment_text(later.opens_at))
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_an_open_ended_window_stays_open(course, trainee):
    with open_for({trainee: {course.before.pk: window(closes_in_days=None)}}):
        save(course, trainee, BEFORE, now=timezone.now() + timedelta(days=3650))

    assert Response.objects.get().status == Response.Status.SUBMITTED


# --- erasure --------------------------------------------------------------------------------


def test_erasing_removes_all_of_the_persons_answers_scores_and_pseudonyms(both_open, trainee):
    neighbour = UserFactory(roles=["trainee"])
    with open_for({trainee: {both_open.before.pk: window(), both_open.after.pk: window()}}):
        save(both_open, trainee, BEFORE)
        save(both_open, trainee, AFTER, phase="after", submit=False)
    with open_for({neighbour: {both_open.before.pk: window()}}):
        save(both_open, neighbour, BEFORE)
    kept = counts()

    erasure = responses_erase(person=trainee)

    assert erasure.responses_erased == 2
    assert Erasure.objects.get().person == trainee
    assert not Response.objects.filter(respondent=trainee).exists()
    assert not Answer.objects.filter(response__respondent=trainee).exists()
    assert not ScaleScore.objects.filter(response__respondent=trainee).exists()
    assert not Pseudonym.objects.filter(person=trainee).exists()
    assert counts() == {
        "responses": 1,
        "answers": kept["answers"] - 5 - 7,  # five before answers, seven after
        "scores": 2,
        "pseudonyms": 1,
    }


def test_erasing_with_nothing_answered_records_none(trainee):
    assert responses_erase(person=trainee).responses_erased == 0


def test_after_erasing_the_person_can_answer_again(both_open, trainee):
    save(both_open, trainee, BEFORE)
    responses_erase(person=trainee)

    save(both_open, trainee, BEFORE)

    assert Response.objects.get().status == Response.Status.SUBMITTED


# --- selectors ----------------------------------------------------------------------------------


def test_reflections_say_where_each_one_stands(course, trainee, programmes):
    others = [make_course(programme=programmes["patient"], label=f"Course {n}") for n in (1, 2)]
    sent, upcoming = others
    now = timezone.now()
    with (
        offered({trainee: [course.before, course.after, sent.before, upcoming.before]}),
        open_for(
            {
                trainee: {
                    course.before.pk: window(closes_in_days=-1, opens_in_days=-5),
                    course.after.pk: window(closes_in_days=5),
                    sent.before.pk: window(),
                    upcoming.before.pk: window(opens_in_days=2, closes_in_days=9),
                }
            }
        ),
    ):
        save(sent, trainee, BEFORE)
        save(course, trainee, {"a1": "2"}, phase="after", submit=False)

        found = {(r.administration.pk): r.status for r in reflections_for(trainee, now=now)}
        due = due_for(trainee, now=now)

    assert found == {
        course.before.pk: "closed",
        course.after.pk: "draft",
        sent.before.pk: "submitted",
        upcoming.before.pk: "upcoming",
    }
    assert [r.administration.pk for r in due] == [course.after.pk]


def test_due_shows_the_soonest_closing_first(trainee, programmes):
    courses = [make_course(programme=programmes["patient"], label=f"Course {n}") for n in range(3)]
    with (
        offered({trainee: [c.before for c in courses]}),
        open_for(
            {
                trainee: {
                    courses[0].before.pk: window(closes_in_days=None),
                    courses[1].before.pk: window(closes_in_days=9),
                    courses[2].before.pk: window(closes_in_days=2),
                }
            }
        ),
    ):
        due = due_for(trainee)

    assert [r.label for r in due] == ["Course 2", "Course 1", "Course 0"]
    assert [r.status for r in due] == ["not started"] * 3


def test_someone_elses_candidates_are_not_theirs(course, trainee):
    stranger = UserFactory(roles=["trainee"])
    with (
        offered({stranger: [course.before]}),  # offered, but the resolver says no
        open_for({trainee: {course.before.pk: window()}}),
    ):
        assert reflections_for(stranger) == []
        assert due_for(stranger) == []


def test_a_sent_reflection_stays_readable_when_it_is_no_longer_offered(both_open, trainee):
    save(both_open, trainee, BEFORE)
    save(both_open, trainee, {"a1": "3"}, phase="after", submit=False)

    with offered({}), open_for({}):  # withdrawn: nothing is theirs to answer any more
        found = reflections_for(trainee)

    assert [(r.administration.pk, r.status, r.window) for r in found] == [
        (both_open.before.pk, "submitted", None)
    ]


def test_change_is_each_scale_from_before_to_after(both_open, trainee):
    save(both_open, trainee, BEFORE)
    assert change_for(trainee) == []  # a before alone is no change yet
    save(both_open, trainee, AFTER, phase="after", share=True)

    changes = change_for(trainee)

    assert [change.sentence for change in changes] == [
        "Your confidence in agenda setting went from 4.5 to 8.5 out of 10.",
        "Your enabling rather than relieving went from 2 to 5 out of 5.",
    ]
    assert {change.label for change in changes} == {"Moving on Together at Riverside"}


def test_change_that_is_no_change_says_so(both_open, trainee):
    save(both_open, trainee, BEFORE)
    save(
        both_open,
        trainee,
        {**AFTER, "a1": "4", "a2": "5"},
        phase="after",
        share=True,
    )

    assert (
        change_for(trainee)[0].sentence
        == "Your confidence in agenda setting stayed at 4.5 out of 10."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(4.0, "4"), (8, "8"), (4.5, "4.5"), (3.3333, "3.3"), (6.96, "7"), (0.04, "0"), (10, "10")],
)
def test_figures_are_whole_or_one_decimal_place(value, text):
    assert figure(value) == text


def test_the_download_rows_are_every_answer_in_words(both_open, trainee):
    save(both_open, trainee, BEFORE)
    save(both_open, trainee, {**AFTER, "a1": "10"}, phase="after", share=True, submit=False)

    rows = answers_rows_for(trainee)

    assert [(row.phase, row.question[:20], row.answer) for row in rows] == [
        ("Before", "How confident are yo", "4 out of 10"),
        ("Before", "How confident are yo", "5 out of 10"),
        ("Before", "I ask people what th", "2 out of 5: rarely"),
        ("Before", "I solve people's pro", "4 out of 5: often"),
        ("Before", "How did you hear abo", "From my GP"),
        ("After", "How confident are yo", "10 out of 10: completely confident"),
        ("After", "How confident are yo", "9 out of 10"),
        ("After", "Looking back, before", "3 out of 10"),
        ("After", "I ask people what th", "5 out of 5: always"),
        ("After", "I solve people's pro", "1 out of 5: never"),
        ("After", "Looking back, before", "2 out of 5: rarely"),
        ("After", "What has changed for", "I set the agenda now."),
        ("After", "May your tutors read", "Yes"),
    ]
    assert rows[0].submitted_at is not None
    assert rows[-1].submitted_at is None


def add_courses(trainee, programmes, count, offered_to):
    """`count` more courses, each with a sent before and a sent after for the trainee."""
    for n in range(count):
        course = make_course(programme=programmes["patient"], label=f"Extra {n}")
        offered_to[trainee.pk].extend([course.before, course.after])
        save(course, trainee, BEFORE)
        save(course, trainee, AFTER, phase="after", share=True)


@pytest.mark.parametrize(
    ("selector", "queries"),
    [
        # the person's responses, then the administrations (the resolver here takes none)
        (reflections_for, 2),
        (due_for, 2),
        (change_for, 2),  # the scores, then the tops of their scales
        (answers_rows_for, 2),
    ],
)
def test_the_selectors_take_the_same_queries_however_many_responses(
    trainee, programmes, django_assert_num_queries, selector, queries
):
    with offered({trainee: []}) as offered_to, everything_open():
        add_courses(trainee, programmes, 1, offered_to)
        with django_assert_num_queries(queries):
            few = selector(trainee)
        add_courses(trainee, programmes, 4, offered_to)
        with django_assert_num_queries(queries):
            many = selector(trainee)

    assert len(many) == 5 * len(few)
    assert (
        len(few) == {reflections_for: 2, due_for: 0, change_for: 2, answers_rows_for: 13}[selector]
    )


def test_a_person_with_nothing_offered_costs_one_query(trainee, django_assert_num_queries):
    with offered({}), django_assert_num_queries(1):
        assert reflections_for(trainee) == []


# --- two sends at once (PostgreSQL) -------------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are proven on PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
)
# Real transactions (each thread commits on its own connection). Each test ends by flushing the
# database; serialized_rollback puts back what the migrations made (Wagtail's root page).
RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PAUSE_SECONDS = 0.2


def send_twice_at_once(course, trainee):
    """The trainee sends the same answers from two threads released together. Returns what
    each call gave: a Response or the exception raised."""
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait(timeout=20)
            results.append(save(course, trainee, BEFORE))
        except Exception as error:  # noqa: BLE001 - reported by the test, whatever it is
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a send never finished"
    return results


@pytest.fixture
def race_course(transactional_db, monkeypatch):
    trainee = UserFactory(roles=["trainee"])
    course = make_course(programme=None)
    passed = []

    def pause(response):
        passed.append(response.status)
        time.sleep(PAUSE_SECONDS)

    monkeypatch.setattr(responses, "after_status_check", pause)
    with open_for({trainee: {course.before.pk: window()}}):
        yield course, trainee, passed


@on_postgresql
@RACE
@pytest.mark.parametrize("draft_first", [False, True])
def test_two_sends_at_once_record_once(race_course, draft_first):
    course, trainee, passed = race_course
    if draft_first:
        save(course, trainee, {"a1": "1"}, submit=False)
        passed.clear()

    results = send_twice_at_once(course, trainee)

    sent = [result for result in results if isinstance(result, Response)]
    refusals = [result for result in results if isinstance(result, AssessmentError)]
    assert len(sent) == 1, results
    assert [refusal.message for refusal in refusals] == [errors.ALREADY_SUBMITTED]
    assert passed == ["draft"]  # only one got past the lock to write
    assert Response.objects.get().status == Response.Status.SUBMITTED
    assert Answer.objects.count() == len(BEFORE)
    assert ScaleScore.objects.count() == 2


@on_postgresql
@RACE
def test_control_without_the_lock_both_sends_go_on_to_write(race_course, monkeypatch):
    course, trainee, passed = race_course
    monkeypatch.setattr(responses, "LOCK_RESPONSE_ROW", False)
    save(course, trainee, {"a1": "1"}, submit=False)
    passed.clear()

    results = send_twice_at_once(course, trainee)

    assert passed == ["draft", "draft"], results  # neither was stopped: it is the lock that does
    assert not any(
        isinstance(result, AssessmentError) and result.message == errors.ALREADY_SUBMITTED
        for result in results
    )
