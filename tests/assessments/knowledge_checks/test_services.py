"""Knowledge checks: marking on the server, answers refused with the same words by the form and
the service, attempts kept, what pages see before and after submitting, and authoring in Wagtail."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from wagtail.test.utils.form_data import nested_form_data, streamfield

from assessments import errors
from assessments.errors import AssessmentError
from assessments.knowledge_checks.forms import KnowledgeCheckForm
from assessments.knowledge_checks.selectors import (
    attempt_feedback,
    attempt_for_feedback,
    knowledge_check_for_lesson,
    latest_attempt,
    lessons_with_checks,
    passed_lesson_ids,
    questions_for_display,
)
from assessments.knowledge_checks.services import knowledge_check_submit
from assessments.models import KnowledgeCheck, KnowledgeCheckAttempt
from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.models import LessonPage
from tests.assessments.curricula_builders import elearning_curriculum
from tests.assessments.factories import KnowledgeCheckFactory, option, question

pytestmark = pytest.mark.django_db


def ids(check):
    """[(question id, [option ids])] in order."""
    return [(q.id, [o.id for o in q.options]) for q in check.question_list()]


def right_answers(check):
    return {q.id: [o.id for o in q.options if o.correct] for q in check.question_list()}


def submit(check, user, answers):
    return knowledge_check_submit(check=check, user=user, answers=answers)


# --- marking ----------------------------------------------------------------------------------


def test_all_right_passes(check, people):
    attempt = submit(check, people["trainee"], right_answers(check))

    assert attempt.correct_count == 3
    assert attempt.question_count == 3
    assert attempt.pass_mark == 2
    assert attempt.passed


def test_a_wrong_single_answer_scores_that_question_wrong(check, people):
    (q1, q1_options), _, _ = ids(check)
    answers = {**right_answers(check), q1: [q1_options[1]]}

    attempt = submit(check, people["trainee"], answers)

    assert attempt.correct_count == 2
    assert attempt.passed


@pytest.mark.parametrize(
    ("chosen", "right"),
    [([0, 1], True), ([0], False), ([0, 1, 2], False), ([2], False), ([1, 0], True)],
)
def test_a_multiple_answer_question_is_right_only_with_exactly_the_right_set(
    check, people, chosen, right
):
    _, _, (q3, q3_options) = ids(check)
    answers = {**right_answers(check), q3: [q3_options[index] for index in chosen]}

    attempt = submit(check, people["trainee"], answers)

    assert attempt.correct_count == (3 if right else 2)


def test_below_the_pass_mark_does_not_pass(check, people):
    (q1, q1_options), (q2, q2_options), (q3, q3_options) = ids(check)

    attempt = submit(
        check, people["trainee"], {q1: [q1_options[1]], q2: [q2_options[0]], q3: [q3_options[0]]}
    )

    assert attempt.correct_count == 0
    assert not attempt.passed


# --- refused answers --------------------------------------------------------------------------


def test_missing_answers_are_named_by_question_and_nothing_is_saved(check, people):
    (q1, _), (q2, _), (q3, _) = ids(check)
    answers = right_answers(check)
    del answers[q2]
    answers[q3] = []

    with pytest.raises(AssessmentError) as raised:
        submit(check, people["trainee"], answers)

    assert raised.value.errors == {
        q2: "Answer question 2: choose an answer.",
        q3: errors.ANSWERS_MISSING.format(number=3),
    }
    assert "Answer question 2: choose an answer." in raised.value.message
    assert not KnowledgeCheckAttempt.objects.exists()


def test_a_forged_option_id_is_refused_and_nothing_is_saved(check, people):
    (q1, q1_options), (q2, _), _ = ids(check)
    # An option that exists, but belongs to another question.
    answers = {**right_answers(check), q2: [q1_options[0]]}

    with pytest.raises(AssessmentError) as raised:
        submit(check, people["trainee"], answers)

    assert raised.value.errors == {q2: "Question 2: that answer is not one of the options."}
    assert not KnowledgeCheckAttempt.objects.exists()


def test_an_unknown_question_id_is_refused_and_nothing_is_saved(check, people):
    answers = {**right_answers(check), "not-a-question": ["anything"]}

    with pytest.raises(AssessmentError) as raised:
        submit(check, people["trainee"], answers)

    assert raised.value.errors == {"not-a-question": errors.NOT_A_QUESTION}
    assert not KnowledgeCheckAttempt.objects.exists()


def test_a_one_answer_question_takes_only_one_option(check, people):
    (q1, q1_options), _, _ = ids(check)
    answers = {**right_answers(check), q1: q1_options[:2]}

    with pytest.raises(AssessmentError) as raised:
        submit(check, people["trainee"], answers)

    assert raised.value.errors == {q1: errors.ONE_ANSWER_ONLY.format(number=1)}
    assert not KnowledgeCheckAttempt.objects.exists()


@pytest.mark.parametrize("forged", [None, 7, [7], {"a": "b"}])
def test_answers_of_the_wrong_shape_are_refused(check, people, forged):
    (q1, _), _, _ = ids(check)
    answers = {**right_answers(check), q1: forged}

    with pytest.raises(AssessmentError) as raised:
        submit(check, people["trainee"], answers)

    assert q1 in raised.value.errors
    assert not KnowledgeCheckAttempt.objects.exists()


# --- attempts ---------------------------------------------------------------------------------


def test_attempts_are_kept_and_a_retry_can_pass(check, lesson, people):
    trainee = people["trainee"]
    (q1, q1_options), (q2, q2_options), _ = ids(check)
    wrong = {**right_answers(check), q1: [q1_options[1]], q2: [q2_options[0]]}

    first = submit(check, trainee, wrong)
    assert not first.passed
    assert passed_lesson_ids(user=trainee, lesson_ids=[lesson.pk]) == set()

    second = submit(check, trainee, right_answers(check))

    first.refresh_from_db()
    assert KnowledgeCheckAttempt.objects.filter(user=trainee).count() == 2
    assert (first.correct_count, first.passed) == (1, False)
    assert second.passed
    assert latest_attempt(check=check, user=trainee) == second
    assert passed_lesson_ids(user=trainee, lesson_ids=[lesson.pk]) == {lesson.pk}

    # A later failure does not undo the pass.
    submit(check, trainee, wrong)
    assert passed_lesson_ids(user=trainee, lesson_ids=[lesson.pk]) == {lesson.pk}


def test_an_attempt_keeps_the_pass_mark_it_was_marked_against(check, people):
    attempt = submit(check, people["trainee"], right_answers(check))
    check.pass_mark = 3
    check.save()

    feedback = attempt_feedback(KnowledgeCheckAttempt.objects.get(pk=attempt.pk))

    assert (feedback.pass_mark, feedback.passed) == (2, True)


def test_someone_elses_attempt_gives_no_feedback(check, people):
    attempt = submit(check, people["trainee"], right_answers(check))

    assert attempt_for_feedback(attempt_id=attempt.pk, user=people["lay_tutor"]) is None
    assert attempt_for_feedback(attempt_id=attempt.pk, user=people["trainee"]).passed


# --- what pages see ---------------------------------------------------------------------------


def render_form(form):
    return render_to_string("assessments/knowledge_check_form.html", {"form": form})


def test_questions_for_display_carry_no_correctness(check):
    questions = questions_for_display(check)

    assert [q.label for q in questions] == [
        "Question 1: Which of these is agenda setting?",
        "Question 2: What is the best first response?",
        "Question 3: Which are part of agenda setting? Choose all that apply.",
    ]
    for displayed in questions:
        assert set(vars(displayed)) == {"id", "number", "text", "kind", "options"}
        for shown in displayed.options:
            assert set(vars(shown)) == {"id", "text"}


def test_the_form_before_submission_says_nothing_of_which_answers_are_right(check):
    html = render_form(KnowledgeCheckForm(check))

    assert "correct" not in html.lower()
    for q in check.question_list():
        assert q.text in html
        for choice in q.options:
            assert choice.text in html
            assert choice.feedback not in html
    assert html.count('type="radio"') == 5
    assert html.count('type="checkbox"') == 3
    assert "<legend" in html
    assert "Check my answers" in html
    assert "You need 2 right to pass." in html


def test_the_form_refuses_with_the_services_words(check):
    (q1, q1_options), (q2, _), (q3, q3_options) = ids(check)

    form = KnowledgeCheckForm(check, data={q1: q1_options[0], q3: [q3_options[0], "forged"]})

    assert not form.is_valid()
    assert form.errors[q2] == [errors.ANSWER_MISSING.format(number=2)]
    assert form.errors[q3] == ["Question 3: that answer is not one of the options."]
    html = render_form(form)
    assert "There is a problem" in html
    assert "Answer question 2: choose an answer." in html
    # The service's words name the question, so the summary does not put its label before them.
    assert f'<a href="#id_{q2}">Answer question 2: choose an answer.</a>' in html
    # The summary's link lands on the question's first answer.
    assert f'href="#id_{q2}"' in html
    assert f'id="id_{q2}"' in html


def test_a_valid_form_gives_answers_the_service_accepts(check, people):
    (q1, q1_options), (q2, q2_options), (q3, q3_options) = ids(check)
    form = KnowledgeCheckForm(
        check, data={q1: q1_options[0], q2: q2_options[1], q3: [q3_options[1], q3_options[0]]}
    )

    assert form.is_valid(), form.errors
    attempt = submit(check, people["trainee"], form.answers())

    assert attempt.answers == {q1: [q1_options[0]], q2: [q2_options[1]], q3: q3_options[:2]}
    assert attempt.correct_count == 3


def test_a_refusal_from_the_service_shows_next_to_its_question(check):
    (q1, _), _, _ = ids(check)
    form = KnowledgeCheckForm(check, data={})
    form.is_valid()

    form.add_errors(AssessmentError("x", errors={q1: "Question 1: changed since."}))

    assert "Question 1: changed since." in form.errors[q1]


def test_feedback_after_submission_says_what_was_right_in_words(check, people):
    (q1, q1_options), _, _ = ids(check)
    answers = {**right_answers(check), q1: [q1_options[1]]}
    attempt = submit(check, people["trainee"], answers)

    feedback = attempt_for_feedback(attempt_id=attempt.pk, user=people["trainee"])
    html = render_to_string("assessments/attempt_feedback.html", {"attempt": feedback})
    text = re.sub(r"\s+", " ", html)

    assert feedback.questions[0].answered_correctly is False
    assert [o.text for o in feedback.questions[0].chosen_options] == ["Taking a history"]
    assert [o.text for o in feedback.questions[0].correct_options] == ["Agreeing what to cover"]
    assert "You got 2 of 3 right." in text
    assert "You need 2 to pass" not in text  # said only when someone has not passed
    assert "You passed this knowledge check." in text
    assert "You did not get this right." in text
    assert "You got this right." in text
    assert "Not quite: that explores one problem." in text  # the chosen option's feedback
    assert "The correct answer is:" in text


def test_feedback_on_a_failed_attempt_invites_a_retry(check, people):
    (q1, q1_options), (q2, q2_options), _ = ids(check)
    answers = {**right_answers(check), q1: [q1_options[1]], q2: [q2_options[0]]}
    attempt = submit(check, people["trainee"], answers)

    html = render_to_string(
        "assessments/attempt_feedback.html", {"attempt": attempt_feedback(attempt)}
    )

    assert "You got 1 of 3 right. You need 2 to pass." in re.sub(r"\s+", " ", html)
    assert "You have not passed this time." in html
    assert "try again" in html
    # The right answers are kept back until a pass, so the retry is a real one.
    assert "The correct answer" not in html


# --- reads and their queries ------------------------------------------------------------------


def test_reads_use_a_fixed_number_of_queries(check, lesson, people, django_assert_num_queries):
    other = LessonPage.objects.exclude(pk=lesson.pk).get()
    KnowledgeCheckFactory(lesson=other)
    submit(check, people["trainee"], right_answers(check))
    all_lessons = list(LessonPage.objects.values_list("pk", flat=True))

    with django_assert_num_queries(1):
        assert knowledge_check_for_lesson(lesson.pk) == check
    with django_assert_num_queries(0):
        questions_for_display(check)
    with django_assert_num_queries(1):
        assert passed_lesson_ids(user=people["trainee"], lesson_ids=[lesson.pk]) == {lesson.pk}
    with django_assert_num_queries(1):
        assert passed_lesson_ids(user=people["trainee"], lesson_ids=all_lessons) == {lesson.pk}
    with django_assert_num_queries(1):
        assert lessons_with_checks(all_lessons) == {lesson.pk, other.pk}
    with django_assert_num_queries(1):
        latest = latest_attempt(check=check, user=people["trainee"])
    with django_assert_num_queries(1):
        assert attempt_for_feedback(attempt_id=latest.pk, user=people["trainee"]).passed


def test_passed_lesson_ids_stays_one_query_as_lessons_and_attempts_grow(
    tmp_path, home_page, authors, people, django_assert_num_queries
):
    curricula_load(programmes=parse_curricula(elearning_curriculum(tmp_path, lessons=5)))
    checks = list(KnowledgeCheck.objects.all())
    assert len(checks) == 5
    lesson_ids = [c.lesson_id for c in checks]
    for c in checks[:3]:
        for _ in range(3):
            submit(c, people["trainee"], right_answers(c))

    with django_assert_num_queries(1):
        passed = passed_lesson_ids(user=people["trainee"], lesson_ids=lesson_ids)

    assert passed == set(lesson_ids[:3])


# --- the model's rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("questions", "pass_mark", "field", "message"),
    [
        (
            [question("Q?", option("Only one", True))],
            1,
            "questions",
            "Question 1 needs at least two options.",
        ),
        (
            [question("Q?", option("A", True), option("B", True))],
            1,
            "questions",
            "Question 1 has one answer, so exactly one option must be marked correct (it has 2).",
        ),
        (
            [question("Q?", option("A"), option("B"))],
            1,
            "questions",
            "Question 1 has one answer, so exactly one option must be marked correct (it has 0).",
        ),
        (
            [question("Q?", option("A"), option("B"), kind="multiple")],
            1,
            "questions",
            "Question 1 needs at least one option marked correct.",
        ),
        (
            [question("Q?", option("A", True), option("B"))],
            2,
            "pass_mark",
            "The pass mark must be between 1 and 1, the number of questions (it is 2).",
        ),
        (
            [question("Q?", option("A", True), option("B"))],
            0,
            "pass_mark",
            "The pass mark must be between 1 and 1, the number of questions (it is 0).",
        ),
    ],
)
def test_a_check_that_cannot_be_marked_is_refused_with_a_clear_message(
    lesson, questions, pass_mark, field, message
):
    check = KnowledgeCheck(lesson=lesson, pass_mark=pass_mark, questions=questions)

    with pytest.raises(ValidationError) as raised:
        check.full_clean()

    assert message in raised.value.message_dict[field]


# --- authoring in Wagtail ---------------------------------------------------------------------


def admin_form(lesson, *, pass_mark, questions):
    def options(items):
        data = {
            str(index): {
                "value": {"text": text, "correct": "on" if correct else "", "feedback": feedback},
                "deleted": "",
                "order": str(index),
                "id": "",
            }
            for index, (text, correct, feedback) in enumerate(items)
        }
        data["count"] = str(len(items))
        return data

    return nested_form_data(
        {
            "lesson": lesson.pk,
            "title": "Check your understanding",
            "pass_mark": pass_mark,
            "questions": streamfield(
                [
                    ("question", {"text": text, "kind": kind, "options": options(items)})
                    for text, kind, items in questions
                ]
            ),
        }
    )


@pytest.mark.parametrize("role", ["lay_tutor", "clinical_tutor", "lead"])
def test_tutors_and_leads_write_knowledge_checks_in_wagtail(client, lesson, people, role):
    client.force_login(people[role])

    assert client.get("/admin/knowledge_checks/").status_code == 200
    response = client.post(
        "/admin/knowledge_checks/add/",
        admin_form(
            lesson,
            pass_mark=1,
            questions=[
                ("Which is right?", "single", [("This", True, "Yes."), ("That", False, "No.")]),
            ],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    check = KnowledgeCheck.objects.get(lesson=lesson)
    (only,) = check.question_list()
    assert only.text == "Which is right?"
    assert [o.correct for o in only.options] == [True, False]
    assert only.id and all(o.id for o in only.options)


def test_the_admin_form_shows_why_a_check_cannot_be_marked(client, lesson, people):
    client.force_login(people["lead"])

    response = client.post(
        "/admin/knowledge_checks/add/",
        admin_form(
            lesson,
            pass_mark=2,
            questions=[("Which?", "single", [("This", True, "Yes."), ("That", True, "Also.")])],
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "exactly one option must be marked correct (it has 2)" in html
    assert "The pass mark must be between 1 and 1" in html
    assert not KnowledgeCheck.objects.exists()


@pytest.mark.parametrize("role", ["trainee", "site_admin"])
def test_people_who_do_not_write_curricula_cannot_reach_knowledge_checks(client, people, role):
    client.force_login(people[role])

    response = client.get("/admin/knowledge_checks/")

    assert response.status_code == 302


# --- under the co-production sign-off -------------------------------------------------------------


def approve(check, user):
    check = KnowledgeCheck.objects.get(pk=check.pk)
    check.current_workflow_task.on_action(check.current_workflow_task_state, user, "approve")


def test_an_edit_in_the_admin_waits_for_sign_off_and_trainees_keep_the_live_check(
    client, check, people
):
    from tests.factories import UserFactory

    live_text = check.question_list()[0].text
    editor, other_lay = people["lay_tutor"], UserFactory(roles=["lay tutor"])
    client.force_login(editor)

    response = client.post(
        f"/admin/knowledge_checks/edit/{check.pk}/",
        {
            **admin_form(
                check.lesson,
                pass_mark=1,
                questions=[
                    ("A new question?", "single", [("Yes", True, "Right."), ("No", False, "No.")])
                ],
            ),
            "action-submit": "Submit",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    asked = knowledge_check_for_lesson(check.lesson_id)
    assert asked.question_list()[0].text == live_text  # trainees still answer the live check
    assert KnowledgeCheck.objects.get(pk=check.pk).has_unpublished_changes
    # The editor may not approve their own change; one approval is not enough.
    assert (
        KnowledgeCheck.objects.get(pk=check.pk).current_workflow_task_state.open_slot_for(editor)
        is None
    )
    approve(check, other_lay)
    assert knowledge_check_for_lesson(check.lesson_id).question_list()[0].text == live_text

    approve(check, people["clinical_tutor"])

    assert knowledge_check_for_lesson(check.lesson_id).question_list()[0].text == (
        "A new question?"
    )


def test_a_new_check_is_not_asked_until_it_is_signed_off(client, lesson, people):
    from tests.factories import UserFactory

    client.force_login(people["lead"])
    response = client.post(
        "/admin/knowledge_checks/add/",
        {
            **admin_form(
                lesson,
                pass_mark=1,
                questions=[("Which?", "single", [("This", True, "Yes."), ("That", False, "No.")])],
            ),
            "action-submit": "Submit",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    check = KnowledgeCheck.objects.get(lesson=lesson)
    assert not check.live
    assert knowledge_check_for_lesson(lesson.pk) is None
    approve(check, UserFactory(roles=["lay tutor"]))
    approve(check, people["clinical_tutor"])
    assert knowledge_check_for_lesson(lesson.pk).pk == check.pk


def test_tutors_and_leads_cannot_publish_a_check_directly(client, check, people):
    from wagtail.snippets.permissions import get_permission_name

    for role in ("lay_tutor", "clinical_tutor", "lead"):
        assert not people[role].has_perm(get_permission_name("publish", KnowledgeCheck))
