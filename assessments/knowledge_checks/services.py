"""Writes for assessments. Each runs in one transaction and validates all it is given first."""

import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from assessments import errors
from assessments.check_blocks import QuestionKind
from assessments.errors import AssessmentError
from assessments.knowledge_checks.front_matter import check_from_front_matter
from assessments.models import KnowledgeCheck, KnowledgeCheckAttempt
from cms.curricula.loading import CurriculumLoadError, LoadReport

__all__ = [
    "AssessmentError",
    "KnowledgeChecksLoaded",
    "knowledge_check_answers_validate",
    "knowledge_check_submit",
    "knowledge_checks_load",
]

logger = logging.getLogger(__name__)


def knowledge_check_answers_validate(
    *, check: KnowledgeCheck, answers: dict[str, list[str]]
) -> dict[str, list[str]]:
    """The answers, checked against the check's questions without saving anything: every
    question answered, only its own options, one option for a one-answer question, no other
    questions. Returns them tidied (question id -> option ids in the order shown). Raises
    AssessmentError whose `errors` maps each question id at fault to its message."""
    questions = check.question_list()
    known = {question.id for question in questions}
    problems = {}
    tidy = {}
    if not isinstance(answers, dict):
        answers = {}
    for question_id in answers:
        if question_id not in known:
            problems[str(question_id)] = errors.NOT_A_QUESTION
    for question in questions:
        chosen = answers.get(question.id) or []
        if isinstance(chosen, str):
            chosen = [chosen]
        if not isinstance(chosen, list | tuple) or not all(
            isinstance(option, str) for option in chosen
        ):
            problems[question.id] = errors.NOT_AN_OPTION.format(number=question.number)
            continue
        chosen = set(chosen)
        if not chosen:
            message = (
                errors.ANSWER_MISSING
                if question.kind == QuestionKind.SINGLE
                else errors.ANSWERS_MISSING
            )
            problems[question.id] = message.format(number=question.number)
        elif not chosen <= question.option_ids:
            problems[question.id] = errors.NOT_AN_OPTION.format(number=question.number)
        elif question.kind == QuestionKind.SINGLE and len(chosen) > 1:
            problems[question.id] = errors.ONE_ANSWER_ONLY.format(number=question.number)
        else:
            tidy[question.id] = [option.id for option in question.options if option.id in chosen]
    if problems:
        # In the order the questions are shown, then anything unknown.
        order = [question.id for question in questions]
        ordered = {key: problems[key] for key in order if key in problems}
        ordered.update({key: message for key, message in problems.items() if key not in ordered})
        raise AssessmentError(
            " ".join([errors.ANSWERS_NEED_ATTENTION, *ordered.values()]), errors=ordered
        )
    return tidy


@transaction.atomic
def knowledge_check_submit(
    *, check: KnowledgeCheck, user: AbstractBaseUser, answers: dict[str, list[str]]
) -> KnowledgeCheckAttempt:
    """Mark a person's answers and keep them as a new attempt (earlier attempts stay; retrying
    is always allowed). A question is right when the options chosen are exactly its correct
    ones. Nothing is saved if any answer is refused (AssessmentError)."""
    tidy = knowledge_check_answers_validate(check=check, answers=answers)
    questions = check.question_list()
    correct_count = sum(
        1 for question in questions if set(tidy[question.id]) == question.correct_ids
    )
    attempt = KnowledgeCheckAttempt(
        knowledge_check=check,
        user=user,
        answers=tidy,
        correct_count=correct_count,
        question_count=len(questions),
        pass_mark=check.pass_mark,
        passed=correct_count >= check.pass_mark,
    )
    attempt.full_clean()
    attempt.save()
    return attempt


# --- knowledge checks from content/ -----------------------------------------------------------


@dataclass
class KnowledgeChecksLoaded:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # gone from the file, kept because people took it


@transaction.atomic
def knowledge_checks_load(
    *, programmes, pages_by_path: dict, report: LoadReport, force: bool = False
) -> KnowledgeChecksLoaded:
    """Make each loaded lesson's knowledge check match its file's `knowledge_check`.

    Runs inside cms.curricula.loading.curricula_load (through the curricula_loaded signal). Every
    file's check is validated first; any problem raises CurriculumLoadError naming file and line, so
    the whole load rolls back. Then, per lesson:
    - a lesson the load skipped (edited in the CMS) keeps its check as it is;
    - a lesson loaded from a new or changed file (or any lesson, with `force`) gets the file's
      check, or loses its check if the file has none, unless people have taken it;
    - an unchanged lesson gets the file's check only if it has none, so a check edited in the
      CMS since is kept.
    Ids stay the same for a question (and option) in the same place, so a second load writes
    nothing and attempts keep their meaning.
    """
    lessons = [
        (lesson, pages_by_path[lesson.document.path])
        for programme in programmes
        for module in programme.modules
        for lesson in module.lessons
        if lesson.document.path in pages_by_path
    ]
    from_files = {}
    problems = []
    for lesson, _page in lessons:
        check, lesson_problems = check_from_front_matter(lesson)
        problems += lesson_problems
        from_files[lesson.document.path] = check
    if problems:
        raise CurriculumLoadError("\n".join(problems))

    existing = {
        check.lesson_id: check
        for check in KnowledgeCheck.objects.filter(
            lesson_id__in=[page.pk for _lesson, page in lessons]
        ).annotate(
            has_attempts=Exists(
                KnowledgeCheckAttempt.objects.filter(knowledge_check=OuterRef("pk"))
            )
        )
    }
    applied = {*report.created, *report.updated}
    skipped = set(report.skipped)
    loaded = KnowledgeChecksLoaded()
    for lesson, page in lessons:
        path = lesson.document.path
        if path in skipped:
            continue
        wanted, check = from_files[path], existing.get(page.pk)
        follows_file = force or path in applied
        if wanted is None:
            if check is None or not follows_file:
                continue
            if check.has_attempts:
                loaded.kept.append(path)
            else:
                check.delete()
                loaded.deleted.append(path)
            continue
        if check is not None and not follows_file:
            continue
        wanted = wanted.with_ids_of(check)
        if check is not None and wanted.matches(check):
            continue
        if check is None:
            check = KnowledgeCheck(lesson=page)
            loaded.created.append(path)
        else:
            loaded.updated.append(path)
        check.title, check.pass_mark, check.questions = (
            wanted.title,
            wanted.pass_mark,
            wanted.questions,
        )
        try:
            check.full_clean()
        except ValidationError as error:
            line = lesson.document.lines.get("knowledge_check", 2)
            details = "; ".join(" ".join(messages) for messages in error.message_dict.values())
            raise CurriculumLoadError(f"{path}, line {line}: knowledge_check: {details}") from error
        check.save()
    for path in loaded.kept:
        logger.warning(
            "%s: the file has no knowledge_check any more, but people have taken the check, "
            "so it is kept; delete it in the CMS if it should go.",
            path,
        )
    return loaded
