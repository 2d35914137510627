"""A small curriculum with an e-learning module whose lessons have knowledge checks."""

from pathlib import Path

from tests.curricula_builders import small_curriculum, write

CHECK = """\
knowledge_check:
  pass_mark: 2
  questions:
    - text: Which of these is agenda setting?
      kind: single
      options:
        - text: Agreeing together what to cover
          correct: true
          feedback: Yes. Both lists go on the table first.
        - text: Taking a detailed history
          correct: false
          feedback: Not quite. That explores one problem first.
    - text: Which are part of agenda setting? Choose all that apply.
      kind: multiple
      options:
        - text: Adding your own items
          correct: true
          feedback: Yes. The clinician's items count too.
        - text: Prioritising together
          correct: true
          feedback: Yes. That is the heart of it.
        - text: Taking items in the order raised
          correct: false
          feedback: Not quite. The order raised is not the order of importance.
"""

MODULE = """\
---
title: Preparing for partnership
theme: communication
format: e-learning
prepares_for: professionals/01-partnership-basics
lay_author: lay.tutor@example.com
clinical_author: clinician@example.com
summary: Before the first workshop.
---
Overview.
"""

MODULE_FOLDER = "professionals/02-preparing"


def lesson_text(title: str, check: str = CHECK) -> str:
    return (
        f"---\ntitle: {title}\nminutes: 10\nsummary: A short lesson.\n{check}---\n"
        "Some teaching text.\n\n## Reflection: Think\nWhat happened?\n\n## Key point\nListen first.\n"
    )


def lesson_path(number: int) -> str:
    return f"{MODULE_FOLDER}/{number:02d}-lesson-{number}.md"


def elearning_curriculum(root: Path, *, lessons: int = 1, check: str = CHECK) -> Path:
    """The small curriculum plus an e-learning module of `lessons` lessons, each with `check`.
    In each lesson file `knowledge_check` is on line 5."""
    small_curriculum(root)
    write(root, f"{MODULE_FOLDER}/module.md", MODULE)
    for number in range(1, lessons + 1):
        write(root, lesson_path(number), lesson_text(f"Lesson {number}", check))
    return root
