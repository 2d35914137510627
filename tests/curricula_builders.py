"""Small curriculum trees written as files, for tests of the loader and the pages."""

from pathlib import Path
from textwrap import dedent

PATIENT_SESSION = """\
---
title: Session 1 - Getting started
minutes: 30
summary: Meet the group.
---
Welcome to the course.

## Activity: Welcome
Minutes: 20
Led by: lay tutor

### For tutors
Say who you both are.

### What participants do
Say your name.

## Activity: Break
Minutes: 10
Led by: either tutor

### For tutors
Put the kettle on.

### What participants do
Have a cup of tea.

## Reflection: What do you hope for?
Write one thing you hope to get from the course.

## Key point
You are the expert on your own life.
"""

PROFESSIONAL_WORKSHOP = """\
---
title: Workshop 1 - Partnership basics
minutes: 15
summary: Why partnership.
---
## Activity: Demonstration
Minutes: 15
Led by: clinical tutor

### For tutors
Show a consultation together.

### What participants do
Watch and note what helps.
"""


def write(root: Path, relative: str, text: str):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), encoding="utf-8")
    return path


def small_curriculum(root: Path, *, lay="lay.tutor@example.com", clinical="clinician@example.com"):
    """One patient module and its professional counterpart, one lesson each."""
    write(
        root,
        "patients/programme.md",
        "---\ntitle: Moving on Together\ntrack: patient\nsummary: For people with a condition.\n---\nIntro.\n",
    )
    write(
        root,
        "patients/01-getting-started/module.md",
        f"---\ntitle: Getting started\ntheme: communication\n"
        f"counterpart: professionals/01-partnership-basics\nlay_author: {lay}\n"
        f"clinical_author: {clinical}\nsession_minutes: 30\nsummary: The first week.\n---\nOverview.\n",
    )
    write(root, "patients/01-getting-started/01-session.md", PATIENT_SESSION)
    write(
        root,
        "professionals/programme.md",
        "---\ntitle: Working in Partnership\ntrack: professional\nsummary: For clinicians.\n---\nIntro.\n",
    )
    write(
        root,
        "professionals/01-partnership-basics/module.md",
        f"---\ntitle: Partnership basics\ntheme: communication\n"
        f"counterpart: patients/01-getting-started\nlay_author: {lay}\n"
        f"clinical_author: {clinical}\nsession_minutes: 15\nsummary: Why partnership.\n---\nOverview.\n",
    )
    write(root, "professionals/01-partnership-basics/01-workshop.md", PROFESSIONAL_WORKSHOP)
    return root


def export_load_export(tmp_path: Path, source: Path, load):
    """Load `source`, export, empty the site, load the export, export again: both exports as
    {relative path: text}. `load` is the test's own way of running load_curricula."""
    from io import StringIO

    from django.core.management import call_command

    from cms.models import ProgrammePage

    load(source)
    call_command("export_curricula", str(tmp_path / "first"), stdout=StringIO())
    ProgrammePage.objects.all().delete()
    load(tmp_path / "first")
    call_command("export_curricula", str(tmp_path / "second"), stdout=StringIO())
    return tuple(
        {path.relative_to(folder): path.read_text() for path in folder.rglob("*.md")}
        for folder in (tmp_path / "first", tmp_path / "second")
    )
