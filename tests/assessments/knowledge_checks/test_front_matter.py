"""Knowledge checks loaded from lesson front matter in content/, and exported back."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from assessments.knowledge_checks.front_matter import option_id, question_id
from assessments.knowledge_checks.selectors import attempt_feedback
from assessments.knowledge_checks.services import knowledge_check_submit
from assessments.models import KnowledgeCheck, KnowledgeCheckAttempt
from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.curricula.vocabulary import ModuleFormat
from cms.models import LessonPage, ProgrammePage
from tests.assessments.curricula_builders import (
    CHECK,
    elearning_curriculum,
    lesson_path,
    lesson_text,
)
from tests.curricula_builders import export_load_export, write

pytestmark = pytest.mark.django_db

CONTENT = settings.BASE_DIR / "content" / "curricula"


def load(*args):
    out = StringIO()
    call_command("load_curricula", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def snapshot():
    """Everything a load could change, down to when each check was last saved."""
    return (
        Page.objects.count(),
        Revision.objects.count(),
        [
            (check.pk, check.lesson_id, check.updated_at, check.title, check.pass_mark)
            + (list(check.questions.raw_data),)
            for check in KnowledgeCheck.objects.order_by("pk")
        ],
    )


def right_answers(check):
    return {q.id: [o.id for o in q.options if o.correct] for q in check.question_list()}


def test_the_real_content_gives_each_elearning_lesson_its_check_and_a_reload_changes_nothing(
    tmp_path, home_page, people
):
    programmes = parse_curricula(CONTENT)
    elearning = [
        lesson.document.path
        for programme in programmes
        for module in programme.modules
        if module.format == ModuleFormat.ELEARNING
        for lesson in module.lessons
    ]

    curricula_load(programmes=programmes)

    checks = KnowledgeCheck.objects.select_related("lesson")
    assert len(elearning) >= 6
    assert checks.count() == len(elearning)
    assert all(check.lesson.get_parent().specific.format == "e-learning" for check in checks)
    path = "working-in-partnership/08-preparing-for-partnership/03-agenda-setting.md"
    agenda = checks.get(lesson__curriculum_source__path=path)
    questions = agenda.question_list()
    assert (agenda.title, agenda.pass_mark, len(questions)) == ("Check your understanding", 2, 3)
    assert [q.kind for q in questions] == ["single", "single", "multiple"]
    assert questions[0].id == question_id(path, 1)
    assert questions[0].options[0].id == option_id(path, 1, 1)
    assert [o.correct for o in questions[2].options] == [True, True, True, False]

    before = snapshot()
    report = curricula_load(programmes=parse_curricula(CONTENT))

    assert not report.changed
    assert snapshot() == before

    # Exported, each check reads back exactly as its author wrote it.
    call_command("export_curricula", str(tmp_path), stdout=StringIO())
    exported = {
        lesson.document.path: lesson.knowledge_check
        for programme in parse_curricula(tmp_path)
        for module in programme.modules
        for lesson in module.lessons
    }
    sources = {
        lesson.document.path: lesson.knowledge_check
        for programme in programmes
        for module in programme.modules
        for lesson in module.lessons
    }
    assert exported == sources


BAD_CHECKS = [
    (
        CHECK.replace("correct: true", "correct: false"),
        "question 1 has no correct option",
    ),
    (
        CHECK.replace(
            "          feedback: Yes. That is the heart of it.\n",
            "          feedback: Yes. That is the heart of it.\n"
            "        - text: Setting goals\n          correct: false\n",
        ),
        "question 2, option 3 has no feedback",
    ),
    (
        CHECK.replace("kind: multiple", "kind: several"),
        "question 2: kind must be single or multiple",
    ),
    (CHECK.replace("pass_mark: 2", "pass_mark: 3"), "pass_mark must be a whole number from 1 to 2"),
    (CHECK.replace("correct: false", "correct: maybe", 1), "correct must be true or false"),
    (CHECK.replace("kind: single", "kind: single\n      hint: extra"), "'hint' is not a setting"),
    (
        CHECK.replace(
            "      options:\n        - text: Agreeing", "      choices:\n        - text: Agreeing"
        ),
        "question 1: 'choices' is not a setting",
    ),
    ("knowledge_check: yes\n", "must be settings indented under it"),
]


@pytest.mark.parametrize(("check", "problem"), BAD_CHECKS)
def test_a_malformed_check_names_file_and_line_and_leaves_the_site_as_it_was(
    tmp_path, home_page, authors, check, problem
):
    root = elearning_curriculum(tmp_path, lessons=2)
    load(root)
    before = snapshot()
    # A good change in one lesson, and a bad check in the other: neither may be saved.
    first = root / lesson_path(1)
    first.write_text(first.read_text().replace("Some teaching text.", "Changed text."))
    write(root, lesson_path(2), lesson_text("Lesson 2", check))

    with pytest.raises(CommandError) as raised:
        load(root)

    message = str(raised.value)
    assert f"{lesson_path(2)}, line 5: knowledge_check: " in message
    assert problem in message
    assert snapshot() == before
    assert "Changed text." not in str(LessonPage.objects.get(slug="lesson-1").body[0].value)


def test_a_single_answer_question_with_two_correct_options_is_refused(tmp_path, home_page, authors):
    root = elearning_curriculum(
        tmp_path, check=CHECK.replace("          correct: false\n", "          correct: true\n", 1)
    )

    with pytest.raises(CommandError) as raised:
        load(root)

    assert (
        f"{lesson_path(1)}, line 5: knowledge_check: question 1 is single-answer but has 2 correct options"
        in str(raised.value)
    )
    assert not KnowledgeCheck.objects.exists()
    assert not ProgrammePage.objects.exists()


def test_a_dry_run_saves_no_checks(tmp_path, home_page, authors):
    load(elearning_curriculum(tmp_path), "--dry-run")

    assert not KnowledgeCheck.objects.exists()


def test_export_then_load_on_an_empty_site_then_export_keeps_knowledge_checks(
    tmp_path, home_page, authors
):
    titled = CHECK.replace("  pass_mark: 2", "  title: Before the workshop\n  pass_mark: 2")
    source = elearning_curriculum(tmp_path / "source", lessons=2, check=titled)
    first, second = export_load_export(tmp_path, source, load)

    assert len(first) == 9
    assert first == second
    exported = first[next(path for path in first if path.name == "01-lesson-1.md")]
    assert "knowledge_check:\n  title: Before the workshop\n  pass_mark: 2\n" in exported
    assert "feedback: Not quite. The order raised is not the order of importance." in exported
    workshop = first[next(path for path in first if path.name == "01-workshop.md")]
    assert "knowledge_check" not in workshop
    check = KnowledgeCheck.objects.get(lesson__slug="lesson-1")
    assert check.title == "Before the workshop"
    assert [q.text for q in check.question_list()] == [
        "Which of these is agenda setting?",
        "Which are part of agenda setting? Choose all that apply.",
    ]


def test_a_changed_check_is_updated_in_place_and_attempts_keep_their_meaning(
    tmp_path, home_page, authors, people
):
    root = elearning_curriculum(tmp_path)
    load(root)
    check = KnowledgeCheck.objects.get()
    attempt = knowledge_check_submit(
        check=check, user=people["trainee"], answers=right_answers(check)
    )
    ids_before = [(q.id, [o.id for o in q.options]) for q in check.question_list()]
    path = root / lesson_path(1)
    path.write_text(
        path.read_text().replace("Agreeing together what to cover", "Agreeing at the start")
    )

    load(root)

    check.refresh_from_db()
    assert KnowledgeCheck.objects.get().pk == check.pk
    assert [(q.id, [o.id for o in q.options]) for q in check.question_list()] == ids_before
    feedback = attempt_feedback(KnowledgeCheckAttempt.objects.get(pk=attempt.pk))
    assert [o.text for o in feedback.questions[0].chosen_options] == ["Agreeing at the start"]
    assert feedback.questions[0].answered_correctly


def test_a_check_removed_from_its_file_goes_unless_people_have_taken_it(
    tmp_path, home_page, authors, people
):
    root = elearning_curriculum(tmp_path, lessons=2)
    load(root)
    taken = KnowledgeCheck.objects.get(lesson__slug="lesson-1")
    knowledge_check_submit(check=taken, user=people["trainee"], answers=right_answers(taken))
    for number in (1, 2):
        write(root, lesson_path(number), lesson_text(f"Lesson {number}", check=""))

    load(root)

    assert list(KnowledgeCheck.objects.values_list("lesson__slug", flat=True)) == ["lesson-1"]
    assert KnowledgeCheckAttempt.objects.filter(knowledge_check=taken).count() == 1


def test_a_check_edited_in_the_cms_is_kept_unless_forced(tmp_path, home_page, authors):
    root = elearning_curriculum(tmp_path)
    load(root)
    check = KnowledgeCheck.objects.get()
    check.pass_mark = 1
    check.save()

    load(root)
    check.refresh_from_db()
    assert check.pass_mark == 1

    load(root, "--force")
    check.refresh_from_db()
    assert check.pass_mark == 2


def test_the_check_of_a_lesson_edited_in_the_cms_is_not_overwritten(tmp_path, home_page, authors):
    root = elearning_curriculum(tmp_path)
    load(root)
    lesson = LessonPage.objects.get(slug="lesson-1")
    lesson.title = "Edited in the CMS"
    lesson.save_revision().publish()
    path = root / lesson_path(1)
    path.write_text(path.read_text().replace("pass_mark: 2", "pass_mark: 1"))

    output = load(root)

    assert (
        f"skipped (edited in the CMS since the last load; --force to overwrite): {lesson_path(1)}"
        in output
    )
    assert KnowledgeCheck.objects.get().pass_mark == 2


def test_a_lesson_loaded_before_it_had_a_check_gets_one(tmp_path, home_page, authors):
    root = elearning_curriculum(tmp_path)
    load(root)
    KnowledgeCheck.objects.all().delete()

    load(root)

    assert KnowledgeCheck.objects.get().lesson.slug == "lesson-1"
