"""Knowledge checks as lesson front matter (the `knowledge_check` field described in
content/README.md): read and validated strictly from a parsed lesson file, and written back."""

import uuid
from dataclasses import dataclass

from assessments.check_blocks import QuestionKind
from assessments.models import DEFAULT_CHECK_TITLE, KnowledgeCheck

# Fixed for ever: question and option ids derive from it, so reloading a file gives the same ids.
ID_NAMESPACE = uuid.UUID("e8b3ebc9-4688-4ca4-8038-2f00c73f0da1")

CHECK_KEYS = ("title", "pass_mark", "questions")
QUESTION_KEYS = ("text", "kind", "options")
OPTION_KEYS = ("text", "correct", "feedback")
MAX_OPTIONS = 8
TITLE_LENGTH, QUESTION_LENGTH, OPTION_LENGTH = 200, 500, 300


def question_id(path: str, number: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{path}#q{number}"))


def option_id(path: str, number: int, option_number: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{path}#q{number}o{option_number}"))


@dataclass
class CheckFromFile:
    """A knowledge check as a file describes it; questions as StreamField raw data."""

    title: str
    pass_mark: int
    questions: list  # [{"type": "question", "id": ..., "value": {...}}]

    def with_ids_of(self, check: KnowledgeCheck | None) -> "CheckFromFile":
        """The same check, keeping the ids an existing check has at the same positions, so that
        attempts made against it keep their meaning after the file is edited."""
        if check is None:
            return self
        existing = list(check.questions.raw_data)
        questions = []
        for index, question in enumerate(self.questions):
            old = existing[index] if index < len(existing) else None
            old_options = (old or {}).get("value", {}).get("options", [])
            options = []
            for option_index, option in enumerate(question["value"]["options"]):
                old_option = old_options[option_index] if option_index < len(old_options) else {}
                kept = old_option.get("id") if isinstance(old_option, dict) else None
                options.append({**option, "id": kept or option["id"]})
            questions.append(
                {
                    **question,
                    "id": (old or {}).get("id") or question["id"],
                    "value": {**question["value"], "options": options},
                }
            )
        return CheckFromFile(title=self.title, pass_mark=self.pass_mark, questions=questions)

    def matches(self, check: KnowledgeCheck) -> bool:
        return (check.title, check.pass_mark, list(check.questions.raw_data)) == (
            self.title,
            self.pass_mark,
            self.questions,
        )


def check_from_front_matter(lesson) -> tuple[CheckFromFile | None, list[str]]:
    """Read a lesson source's `knowledge_check`. Returns (check or None, problems); each problem
    names the file, the line of `knowledge_check` and what is wrong."""
    raw = lesson.knowledge_check
    if raw is None:
        return None, []
    document = lesson.document
    where = f"{document.path}, line {document.lines.get('knowledge_check', 2)}: knowledge_check:"
    problems = []

    def problem(message):
        problems.append(f"{where} {message}")

    if not isinstance(raw, dict):
        problem("must be settings indented under it: pass_mark and questions")
        return None, problems
    unknown(raw, CHECK_KEYS, "", problem)
    title = DEFAULT_CHECK_TITLE
    if "title" in raw:
        title = text(raw["title"])
        if not title:
            problem("title must be a line of text, or left out")
        elif len(title) > TITLE_LENGTH:
            problem(f"title is longer than {TITLE_LENGTH} characters")
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problem("questions must be a list of questions, each starting with `- text:`")
        raw_questions = []
    questions = [
        question_from_front_matter(document.path, number, raw_question, problem)
        for number, raw_question in enumerate(raw_questions, start=1)
    ]
    pass_mark = raw.get("pass_mark")
    if pass_mark is None:
        problem("pass_mark is required: how many questions must be answered correctly")
    elif (
        isinstance(pass_mark, bool)
        or not isinstance(pass_mark, int)
        or not 1 <= pass_mark <= max(len(raw_questions), 1)
    ):
        problem(
            f"pass_mark must be a whole number from 1 to {max(len(raw_questions), 1)}, "
            f"the number of questions (not {pass_mark!r})"
        )
    if problems:
        return None, problems
    return CheckFromFile(title=title, pass_mark=pass_mark, questions=questions), []


def question_from_front_matter(path, number, raw, problem):
    name = f"question {number}"
    if not isinstance(raw, dict):
        problem(f"{name} must be settings: text, kind and options")
        return None
    unknown(raw, QUESTION_KEYS, f"{name}: ", problem)
    question_text = text(raw.get("text"))
    if not question_text:
        problem(f"{name} has no text")
    elif len(question_text) > QUESTION_LENGTH:
        problem(f"{name} is longer than {QUESTION_LENGTH} characters")
    kind = raw.get("kind")
    if kind not in QuestionKind.values:
        problem(f"{name}: kind must be single or multiple (not {kind!r})")
    raw_options = raw.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problem(f"{name} needs at least two options")
        raw_options = raw_options if isinstance(raw_options, list) else []
    elif len(raw_options) > MAX_OPTIONS:
        problem(f"{name} has {len(raw_options)} options; it can have at most {MAX_OPTIONS}")
    options = [
        option_from_front_matter(path, number, option_number, raw_option, problem)
        for option_number, raw_option in enumerate(raw_options, start=1)
    ]
    correct = sum(1 for option in options if option and option["value"]["correct"])
    if len(raw_options) >= 2 and all(options):
        if correct == 0:
            problem(f"{name} has no correct option")
        elif kind == QuestionKind.SINGLE and correct > 1:
            problem(
                f"{name} is single-answer but has {correct} correct options; "
                "make it `kind: multiple` or mark only one `correct: true`"
            )
    return {
        "type": "question",
        "id": question_id(path, number),
        "value": {"text": question_text, "kind": kind, "options": options},
    }


def option_from_front_matter(path, number, option_number, raw, problem):
    name = f"question {number}, option {option_number}"
    if not isinstance(raw, dict):
        problem(f"{name} must be settings: text, correct and feedback")
        return None
    unknown(raw, OPTION_KEYS, f"{name}: ", problem)
    option_text = text(raw.get("text"))
    if not option_text:
        problem(f"{name} has no text")
    elif len(option_text) > OPTION_LENGTH:
        problem(f"{name} is longer than {OPTION_LENGTH} characters")
    correct = raw.get("correct")
    if not isinstance(correct, bool):
        problem(f"{name}: correct must be true or false (not {correct!r})")
        correct = False
    feedback = text(raw.get("feedback"))
    if not feedback:
        problem(f"{name} has no feedback: say why it is right or not quite right")
    return {
        "type": "item",
        "id": option_id(path, number, option_number),
        "value": {"text": option_text, "correct": correct, "feedback": feedback},
    }


def unknown(raw, allowed, prefix, problem):
    for key in raw:
        if key not in allowed:
            problem(f"{prefix}{key!r} is not a setting here (allowed: {', '.join(allowed)})")


def text(value) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def front_matter_for(check: KnowledgeCheck) -> dict:
    """The check as a lesson's `knowledge_check` front matter, in the order authors write it."""
    fields = {} if check.title == DEFAULT_CHECK_TITLE else {"title": check.title}
    fields["pass_mark"] = check.pass_mark
    fields["questions"] = [
        {
            "text": question.text,
            "kind": question.kind,
            "options": [
                {"text": option.text, "correct": option.correct, "feedback": option.feedback}
                for option in question.options
            ],
        }
        for question in check.question_list()
    ]
    return fields
