"""The architecture is checked, not hoped for: the import-linter contracts in pyproject.toml
(apps point one way, lower areas of courses never import higher ones, pages never import another
area's views or forms, nothing but commands and tests imports the demo data) hold for the code,
and each fails when a module breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own lint-imports on our own code
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_code(tmp_path):
    """The three apps and pyproject.toml, copied so a test can add a bad import to them."""
    for app in ("cms", "assessments", "courses"):
        shutil.copytree(
            ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        # A lower area importing a higher one: the calendars know nothing of bookings.
        (
            "courses/calendars/feeds.py",
            "from courses.workshops import booking",
            "Areas of courses: a lower area never imports a higher one",
        ),
        # Shared helpers importing an area.
        (
            "courses/common/links.py",
            "from courses.dashboard import tables",
            "Areas of courses: a lower area never imports a higher one",
        ),
        # The evaluation engine reaching into course delivery.
        (
            "assessments/reflections/analysis.py",
            "from courses.models import CourseRun",
            "Apps point one way: cms <- assessments <- courses",
        ),
        # One area's page taking another area's form.
        (
            "courses/dashboard/views.py",
            "from courses.elearning.forms import JoinWithCodeForm",
            "Dashboard pages never import another area's views or forms",
        ),
        # An entry point importing the demo data.
        (
            "courses/tasks.py",
            "from courses.demo import scale",
            "Demo and scale data are imported only by management commands and tests",
        ),
    ],
)
def test_a_bad_import_breaks_its_contract(copy_of_the_code, module, bad_import, contract):
    path = copy_of_the_code / module
    path.write_text(f"{path.read_text()}\n{bad_import}  # noqa\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
    assert "1 broken" in result.stdout
