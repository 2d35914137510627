"""Curricula as files: parse content/curricula/ into plain data, and write it back.

The format is described for authors in content/README.md. Parsing never touches the database;
every problem found names the file, the line and the field, and all are reported at once.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cms.curricula.vocabulary import ModuleFormat, SuggestedLead, Theme, Track

FOLDER_NAME = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
ACTIVITY_HEADING = re.compile(r"^## Activity:\s*(?P<title>.+?)\s*$")
REFLECTION_HEADING = re.compile(r"^## Reflection:\s*(?P<title>.+?)\s*$")
KEY_POINT_HEADING = re.compile(r"^## Key point\s*$")
LEVEL_TWO_HEADING = re.compile(r"^## ")
FOR_TUTORS = "### For tutors"
FOR_PARTICIPANTS = "### What participants do"

PROGRAMME_FIELDS = {"title", "track", "summary"}
MODULE_FIELDS = {
    "title", "theme", "format", "counterpart", "prepares_for", "lay_author", "clinical_author",
    "session_minutes", "summary",
}  # fmt: skip
LESSON_FIELDS = {"title", "minutes", "summary", "knowledge_check"}


@dataclass
class Problem:
    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self):
        where = self.path + (f", line {self.line}" if self.line else "")
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


class CurriculumFileError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Document:
    path: str  # relative to the content root, with forward slashes
    front: dict
    body: str
    lines: dict  # front-matter field -> line number in the file
    body_line: int
    content_hash: str


@dataclass
class LessonSource:
    document: Document
    slug: str
    title: str
    minutes: int
    summary: str
    blocks: list  # [(block_type, value)]
    knowledge_check: dict | None = None


@dataclass
class ModuleSource:
    document: Document
    folder: str  # "<programme folder>/<module folder>", as counterparts name it
    slug: str
    title: str
    theme: str
    format: str
    summary: str
    overview: str
    lay_author: str
    clinical_author: str
    session_minutes: int | None
    counterpart: str | None
    prepares_for: str | None
    lessons: list = field(default_factory=list)


@dataclass
class ProgrammeSource:
    document: Document
    folder: str
    slug: str
    title: str
    track: str
    summary: str
    introduction: str
    modules: list = field(default_factory=list)


def read_document(root: Path, path: Path, problems: list) -> Document | None:
    relative = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(relative, None, None, "is not UTF-8 text"))
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(relative, 1, None, "must start with a line of three dashes (---)"))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(relative, 1, None, "front matter is not closed by a line of ---"))
        return None
    front_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(front_text)
        front = yaml.safe_load(front_text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else None
        problems.append(
            Problem(relative, line, None, f"front matter is not valid YAML ({error.problem})")
        )
        return None
    if not isinstance(front, dict):
        problems.append(
            Problem(relative, 2, None, "front matter must be a list of `name: value` lines")
        )
        return None
    field_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            field_lines[key_node.value] = key_node.start_mark.line + 2
    body = "\n".join(lines[end + 1 :])
    return Document(
        path=relative,
        front=front,
        body=body.strip("\n"),
        lines=field_lines,
        body_line=end + 2,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


class FieldReader:
    """Reads typed fields from a document's front matter, recording problems by line."""

    def __init__(self, document: Document, allowed: set, problems: list):
        self.document = document
        self.problems = problems
        for name in document.front:
            if name not in allowed:
                self.problem(
                    name,
                    f"is not a field this file can have (allowed: {', '.join(sorted(allowed))})",
                )

    def problem(self, name, message):
        self.problems.append(
            Problem(self.document.path, self.document.lines.get(name, 2), name, message)
        )

    def text(self, name, required=True):
        value = self.document.front.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append(Problem(self.document.path, 2, name, "is required"))
            return ""
        if not isinstance(value, str | int | float):
            self.problem(name, "must be a single line of text")
            return ""
        return str(value).strip()

    def choice(self, name, choices, required=True, default=None):
        value = self.text(name, required=required and default is None)
        if not value:
            return default
        if value not in choices.values:
            self.problem(name, f"must be one of: {', '.join(choices.values)} (not {value!r})")
        return value

    def integer(self, name, required=True):
        value = self.document.front.get(name)
        if value is None:
            if required:
                self.problems.append(Problem(self.document.path, 2, name, "is required"))
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(name, f"must be a whole number of minutes, 1 or more (not {value!r})")
            return None
        return value


def parse_blocks(document: Document, problems: list) -> list:
    """The lesson body as StreamField blocks: [(block_type, value)]."""
    blocks = []
    lines = document.body.split("\n") if document.body else []
    text_buffer: list[str] = []

    def flush_text():
        text = "\n".join(text_buffer).strip("\n")
        if text.strip():
            blocks.append(("markdown", text))
        text_buffer.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        special = (
            ACTIVITY_HEADING.match(line)
            or REFLECTION_HEADING.match(line)
            or KEY_POINT_HEADING.match(line)
        )
        if not special:
            text_buffer.append(line)
            index += 1
            continue
        flush_text()
        start = index
        index += 1
        section = []
        while index < len(lines) and not LEVEL_TWO_HEADING.match(lines[index]):
            section.append(lines[index])
            index += 1
        line_number = document.body_line + start
        if ACTIVITY_HEADING.match(line):
            activity = parse_activity(
                document, ACTIVITY_HEADING.match(line)["title"], section, line_number, problems
            )
            if activity:
                blocks.append(("activity", activity))
        elif REFLECTION_HEADING.match(line):
            prompt = "\n".join(section).strip("\n")
            if not prompt.strip():
                problems.append(
                    Problem(
                        document.path, line_number, "Reflection", "needs a prompt under its heading"
                    )
                )
            blocks.append(
                ("reflection", {"title": REFLECTION_HEADING.match(line)["title"], "prompt": prompt})
            )
        else:
            text = "\n".join(section).strip("\n")
            if not text.strip():
                problems.append(
                    Problem(document.path, line_number, "Key point", "needs text under its heading")
                )
            blocks.append(("key_point", {"text": text}))
    flush_text()
    return blocks


def parse_activity(document, title, section, line_number, problems):
    def problem(message, offset=0):
        problems.append(Problem(document.path, line_number + offset, f"Activity: {title}", message))

    minutes = lead = None
    tutors_at = participants_at = None
    for offset, line in enumerate(section, start=1):
        stripped = line.strip()
        if tutors_at is None and stripped.lower().startswith("minutes:"):
            value = stripped.split(":", 1)[1].strip()
            if value.isdigit() and int(value) > 0:
                minutes = int(value)
            else:
                problem(f"Minutes must be a whole number, 1 or more (not {value!r})", offset)
        elif tutors_at is None and stripped.lower().startswith("led by:"):
            value = stripped.split(":", 1)[1].strip().lower()
            if value in SuggestedLead.values:
                lead = value
            else:
                problem(
                    f"Led by must be one of: {', '.join(SuggestedLead.values)} (not {value!r})",
                    offset,
                )
        elif stripped == FOR_TUTORS:
            tutors_at = offset
        elif stripped == FOR_PARTICIPANTS:
            participants_at = offset
    if minutes is None and not any(line.strip().lower().startswith("minutes:") for line in section):
        problem("needs a line `Minutes: <number>` under its heading")
    if lead is None and not any(line.strip().lower().startswith("led by:") for line in section):
        problem("needs a line `Led by: lay tutor`, `clinical tutor` or `either tutor`")
    if tutors_at is None or participants_at is None or participants_at < tutors_at:
        problem(f"needs a `{FOR_TUTORS}` section, then a `{FOR_PARTICIPANTS}` section")
        return None
    tutor_notes = "\n".join(section[tutors_at : participants_at - 1]).strip("\n")
    participant_notes = "\n".join(section[participants_at:]).strip("\n")
    if not tutor_notes.strip():
        problem(f"the `{FOR_TUTORS}` section is empty", tutors_at)
    if not participant_notes.strip():
        problem(f"the `{FOR_PARTICIPANTS}` section is empty", participants_at)
    if minutes is None or lead is None:
        return None
    return {
        "title": title,
        "minutes": minutes,
        "suggested_lead": lead,
        "tutor_notes": tutor_notes,
        "participant_notes": participant_notes,
    }


def folder_slug(relative: str, name: str, problems: list):
    match = FOLDER_NAME.match(name)
    if not match:
        problems.append(
            Problem(
                relative,
                None,
                None,
                "name must be two digits, a hyphen and a lowercase slug, e.g. 01-getting-started",
            )
        )
        return None
    return match["slug"]


def parse_curricula(root: Path) -> list[ProgrammeSource]:
    """Every programme under root (content/curricula), validated. Raises CurriculumFileError."""
    root = Path(root)
    problems: list[Problem] = []
    programmes = []
    if not root.is_dir():
        raise CurriculumFileError([Problem(str(root), None, None, "is not a folder")])
    for programme_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        programme = parse_programme(root, programme_dir, problems)
        if programme:
            programmes.append(programme)
    check_across_files(programmes, problems)
    if problems:
        raise CurriculumFileError(problems)
    return programmes


def parse_programme(root, programme_dir, problems):
    relative = programme_dir.relative_to(root).as_posix()
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", programme_dir.name):
        problems.append(
            Problem(relative, None, None, "programme folder name must be a lowercase slug")
        )
        return None
    document_path = programme_dir / "programme.md"
    if not document_path.exists():
        problems.append(Problem(f"{relative}/programme.md", None, None, "is missing"))
        return None
    document = read_document(root, document_path, problems)
    if document is None:
        return None
    reader = FieldReader(document, PROGRAMME_FIELDS, problems)
    programme = ProgrammeSource(
        document=document,
        folder=programme_dir.name,
        slug=programme_dir.name,
        title=reader.text("title"),
        track=reader.choice("track", Track),
        summary=reader.text("summary"),
        introduction=document.body,
    )
    for module_dir in sorted(path for path in programme_dir.iterdir() if path.is_dir()):
        module = parse_module(root, programme_dir.name, module_dir, problems)
        if module:
            programme.modules.append(module)
    return programme


def parse_module(root, programme_folder, module_dir, problems):
    relative = module_dir.relative_to(root).as_posix()
    slug = folder_slug(relative, module_dir.name, problems)
    document_path = module_dir / "module.md"
    if not document_path.exists():
        problems.append(Problem(f"{relative}/module.md", None, None, "is missing"))
        return None
    document = read_document(root, document_path, problems)
    if document is None or slug is None:
        return None
    reader = FieldReader(document, MODULE_FIELDS, problems)
    module = ModuleSource(
        document=document,
        folder=f"{programme_folder}/{module_dir.name}",
        slug=slug,
        title=reader.text("title"),
        theme=reader.choice("theme", Theme),
        format=reader.choice("format", ModuleFormat, default=ModuleFormat.COURSE),
        summary=reader.text("summary"),
        overview=document.body,
        lay_author=reader.text("lay_author").lower(),
        clinical_author=reader.text("clinical_author").lower(),
        session_minutes=reader.integer("session_minutes", required=False),
        counterpart=reader.text("counterpart", required=False) or None,
        prepares_for=reader.text("prepares_for", required=False) or None,
    )
    for lesson_path in sorted(module_dir.glob("*.md")):
        if lesson_path.name == "module.md":
            continue
        lesson = parse_lesson(root, lesson_path, problems)
        if lesson:
            module.lessons.append(lesson)
    if not module.lessons:
        problems.append(Problem(document.path, None, None, "the module has no lesson files"))
    return module


def parse_lesson(root, lesson_path, problems):
    relative = lesson_path.relative_to(root).as_posix()
    slug = folder_slug(relative, lesson_path.stem, problems)
    document = read_document(root, lesson_path, problems)
    if document is None or slug is None:
        return None
    reader = FieldReader(document, LESSON_FIELDS, problems)
    lesson = LessonSource(
        document=document,
        slug=slug,
        title=reader.text("title"),
        minutes=reader.integer("minutes"),
        summary=reader.text("summary", required=False),
        blocks=parse_blocks(document, problems),
        knowledge_check=document.front.get("knowledge_check"),
    )
    activity_minutes = sum(value["minutes"] for kind, value in lesson.blocks if kind == "activity")
    if activity_minutes and lesson.minutes and activity_minutes != lesson.minutes:
        reader.problem(
            "minutes",
            f"is {lesson.minutes} but the activities add up to {activity_minutes} minutes",
        )
    return lesson


def check_across_files(programmes, problems):
    """Rules that need more than one file: pairing, sums, authors, unique slugs."""
    modules = {
        module.folder: (programme, module)
        for programme in programmes
        for module in programme.modules
    }
    for programme in programmes:
        slugs = [module.slug for module in programme.modules]
        for slug in {slug for slug in slugs if slugs.count(slug) > 1}:
            problems.append(
                Problem(programme.folder, None, None, f"two modules share the web address {slug!r}")
            )
        for module in programme.modules:
            problem = FieldProblem(module.document, problems)
            lesson_slugs = [lesson.slug for lesson in module.lessons]
            for slug in {slug for slug in lesson_slugs if lesson_slugs.count(slug) > 1}:
                problem(None, f"two lessons share the web address {slug!r}")
            if module.lay_author and module.lay_author == module.clinical_author:
                problem("clinical_author", "must be a different person from lay_author")
            if module.format == ModuleFormat.COURSE:
                check_course_module(programme, module, modules, problem)
            elif module.counterpart:
                problem("counterpart", "e-learning modules are not paired; remove this line")
            if module.prepares_for:
                target = modules.get(module.prepares_for)
                if target is None:
                    problem(
                        "prepares_for",
                        f"names {module.prepares_for!r}, which is not a module folder",
                    )
                elif target[1].format != ModuleFormat.COURSE:
                    problem("prepares_for", "must name a workshop or session module")


def check_course_module(programme, module, modules, problem):
    if module.session_minutes is None:
        problem("session_minutes", "is required for a session or workshop module")
    else:
        total = sum(
            value["minutes"]
            for lesson in module.lessons
            for kind, value in lesson.blocks
            if kind == "activity"
        )
        if total != module.session_minutes:
            problem(
                "session_minutes",
                f"is {module.session_minutes} but the activities add up to {total} minutes",
            )
    if not module.counterpart:
        problem("counterpart", "is required: name the paired module on the other track")
        return
    target = modules.get(module.counterpart)
    if target is None:
        problem("counterpart", f"names {module.counterpart!r}, which is not a module folder")
        return
    other_programme, other = target
    if other is module:
        problem("counterpart", "a module cannot be its own counterpart")
    elif other_programme.track == programme.track:
        problem(
            "counterpart",
            f"{module.counterpart!r} is on the same track ({programme.track}); "
            "a counterpart must be on the other track",
        )
    elif other.counterpart != module.folder:
        problem(
            "counterpart",
            f"{module.counterpart!r} names {other.counterpart!r} as its counterpart, not this module; "
            "pairs must name each other",
        )


class FieldProblem:
    def __init__(self, document, problems):
        self.document = document
        self.problems = problems

    def __call__(self, name, message):
        line = self.document.lines.get(name, 2) if name else None
        self.problems.append(Problem(self.document.path, line, name, message))


# --- writing files back ---------------------------------------------------------------------


def front_matter(fields: dict) -> str:
    present = {key: value for key, value in fields.items() if value not in (None, "")}
    dumped = yaml.safe_dump(present, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{dumped}---\n"


def document_text(fields: dict, body: str) -> str:
    body = body.strip("\n")
    return front_matter(fields) + (f"{body}\n" if body else "")


def blocks_to_markdown(blocks) -> str:
    parts = []
    for kind, value in blocks:
        if kind == "markdown":
            parts.append(value.strip("\n"))
        elif kind == "activity":
            parts.append(
                f"## Activity: {value['title']}\nMinutes: {value['minutes']}\n"
                f"Led by: {value['suggested_lead']}\n\n{FOR_TUTORS}\n{value['tutor_notes'].strip()}\n\n"
                f"{FOR_PARTICIPANTS}\n{value['participant_notes'].strip()}"
            )
        elif kind == "reflection":
            parts.append(f"## Reflection: {value['title']}\n{value['prompt'].strip()}")
        elif kind == "key_point":
            parts.append(f"## Key point\n{value['text'].strip()}")
        else:
            raise ValueError(f"{kind} blocks cannot be written to a file")
    return "\n\n".join(parts)
