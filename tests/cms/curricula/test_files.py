"""Parsing curricula files: every problem names the file, the line and the field."""

import pytest

from cms.curricula.files import (
    CurriculumFileError,
    blocks_to_markdown,
    parse_blocks,
    parse_curricula,
)
from tests.curricula_builders import small_curriculum, write


def problems_in(root):
    with pytest.raises(CurriculumFileError) as raised:
        parse_curricula(root)
    return [str(problem) for problem in raised.value.problems]


def test_the_small_curriculum_parses_into_programmes_modules_and_lessons(tmp_path):
    programmes = parse_curricula(small_curriculum(tmp_path))

    patients, professionals = programmes
    assert (patients.title, patients.track) == ("Moving on Together", "patient")
    module = patients.modules[0]
    assert (module.slug, module.theme, module.counterpart) == (
        "getting-started",
        "communication",
        "professionals/01-partnership-basics",
    )
    lesson = module.lessons[0]
    assert [kind for kind, _ in lesson.blocks] == [
        "markdown",
        "activity",
        "activity",
        "reflection",
        "key_point",
    ]
    assert lesson.blocks[1][1] == {
        "title": "Welcome",
        "minutes": 20,
        "suggested_lead": "lay tutor",
        "tutor_notes": "Say who you both are.",
        "participant_notes": "Say your name.",
    }


def test_the_real_curricula_in_content_are_valid():
    from django.conf import settings

    programmes = parse_curricula(settings.BASE_DIR / "content" / "curricula")

    tracks = {programme.track: programme for programme in programmes}
    assert set(tracks) == {"patient", "professional"}
    course_modules = {
        track: [module for module in programme.modules if module.format == "course"]
        for track, programme in tracks.items()
    }
    assert len(course_modules["patient"]) >= 7
    assert len(course_modules["professional"]) >= 7
    for module in course_modules["patient"]:
        assert module.session_minutes == 180
    elearning = [
        module for module in tracks["professional"].modules if module.format == "e-learning"
    ]
    assert len(elearning) >= 1
    for module in elearning:
        assert len(module.lessons) >= 5, module.folder


def test_an_unknown_theme_names_file_line_and_field(tmp_path):
    root = small_curriculum(tmp_path)
    module = root / "patients/01-getting-started/module.md"
    module.write_text(module.read_text().replace("theme: communication", "theme: wellbeing"))

    assert problems_in(root) == [
        "patients/01-getting-started/module.md, line 3: theme: must be one of: communication, "
        "agenda-setting, goal-setting, follow-up, problem-solving, importance-and-confidence, "
        "ambivalence (not 'wellbeing')"
    ]


def test_pairing_two_modules_of_the_same_track_is_refused(tmp_path):
    root = small_curriculum(tmp_path)
    write(
        root,
        "patients/02-second-week/module.md",
        "---\ntitle: Second\ntheme: communication\ncounterpart: patients/01-getting-started\n"
        "lay_author: a@example.com\nclinical_author: b@example.com\nsession_minutes: 15\nsummary: x\n---\n",
    )
    write(
        root,
        "patients/02-second-week/01-session.md",
        (root / "professionals/01-partnership-basics/01-workshop.md").read_text(),
    )

    problems = problems_in(root)

    assert (
        "patients/02-second-week/module.md, line 4: counterpart: 'patients/01-getting-started' is on "
        "the same track (patient); a counterpart must be on the other track"
    ) in problems


def test_a_one_sided_pairing_is_refused(tmp_path):
    root = small_curriculum(tmp_path)
    module = root / "professionals/01-partnership-basics/module.md"
    module.write_text(module.read_text().replace("counterpart: patients/01-getting-started\n", ""))

    problems = problems_in(root)

    assert (
        "professionals/01-partnership-basics/module.md, line 2: counterpart: is required: name the paired module on the other track"
        in problems
    )
    assert any("pairs must name each other" in problem for problem in problems)


def test_activities_must_add_up_to_the_session_length(tmp_path):
    root = small_curriculum(tmp_path)
    module = root / "patients/01-getting-started/module.md"
    module.write_text(module.read_text().replace("session_minutes: 30", "session_minutes: 180"))

    assert problems_in(root) == [
        "patients/01-getting-started/module.md, line 7: session_minutes: is 180 but the activities add up to 30 minutes"
    ]


def test_a_broken_activity_names_its_line(tmp_path):
    root = small_curriculum(tmp_path)
    lesson = root / "patients/01-getting-started/01-session.md"
    lesson.write_text(lesson.read_text().replace("Minutes: 20", "Minutes: twenty"))

    problems = problems_in(root)

    assert (
        "patients/01-getting-started/01-session.md, line 9: Activity: Welcome: Minutes must be a whole number, 1 or more (not 'twenty')"
        in problems
    )


def test_invalid_yaml_and_unknown_fields_are_reported_together(tmp_path):
    root = small_curriculum(tmp_path)
    (root / "patients/programme.md").write_text("---\ntitle: [unclosed\ntrack: patient\n---\n")
    lesson = root / "professionals/01-partnership-basics/01-workshop.md"
    lesson.write_text(lesson.read_text().replace("minutes: 15", "minutes: 15\ncolour: blue"))

    problems = problems_in(root)

    assert any(
        problem.startswith("patients/programme.md, line 3: front matter is not valid YAML")
        for problem in problems
    )
    assert any(
        problem.startswith(
            "professionals/01-partnership-basics/01-workshop.md, line 4: colour: is not a field"
        )
        for problem in problems
    )


def test_blocks_written_back_parse_to_the_same_blocks(tmp_path):
    root = small_curriculum(tmp_path)
    lesson = parse_curricula(root)[0].modules[0].lessons[0]
    lesson.document.body = blocks_to_markdown(lesson.blocks)

    assert parse_blocks(lesson.document, []) == lesson.blocks
