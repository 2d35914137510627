"""Loading curricula into Wagtail, the pages they make, and who sees what on them."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Revision

from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.curricula.pairing import module_pairing_set
from cms.markdown import render_markdown
from cms.models import HomePage, LessonPage, ModulePage, ModulePairing, ProgrammePage
from tests.curricula_builders import export_load_export, small_curriculum, write

pytestmark = pytest.mark.django_db

CONTENT = settings.BASE_DIR / "content" / "curricula"


def load(*args):
    out = StringIO()
    call_command("load_curricula", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def counts():
    return Page.objects.count(), Revision.objects.count()


def test_loading_twice_changes_nothing_the_second_time(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    first = load(root)
    after_first = counts()

    second = load(root)

    assert "6 created, 0 updated" in first
    assert "Curricula already up to date: 0 created, 0 updated, 6 unchanged, 0 skipped" in second
    assert counts() == after_first


def test_the_pages_form_two_paired_tracks(small_curriculum):
    patient_module = ModulePage.objects.get(slug="getting-started")
    professional_module = ModulePage.objects.get(slug="partnership-basics")

    assert patient_module.live and professional_module.live
    assert patient_module.counterpart == professional_module
    assert professional_module.counterpart == patient_module
    assert patient_module.get_parent().specific.track == "patient"
    assert LessonPage.objects.child_of(patient_module).get().minutes == 30


def test_a_changed_file_becomes_a_new_revision_not_a_new_page(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    load(root)
    lesson = LessonPage.objects.get(slug="session")
    revisions_before = lesson.revisions.count()
    pages_before = Page.objects.count()
    path = root / "patients/01-getting-started/01-session.md"
    path.write_text(path.read_text().replace("Welcome to the course.", "Welcome, everyone."))

    output = load(root)

    lesson.refresh_from_db()
    assert "1 updated" in output
    assert Page.objects.count() == pages_before
    assert lesson.revisions.count() == revisions_before + 1
    assert lesson.body[0].value == "Welcome, everyone."


def test_a_page_edited_in_the_cms_is_kept_unless_forced(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    load(root)
    lesson = LessonPage.objects.get(slug="session")
    lesson.title = "Edited in the CMS"
    lesson.save_revision().publish()
    path = root / "patients/01-getting-started/01-session.md"
    path.write_text(path.read_text().replace("Welcome to the course.", "Changed in the file."))

    output = load(root)

    lesson.refresh_from_db()
    assert lesson.title == "Edited in the CMS"
    assert (
        "skipped (edited in the CMS since the last load; --force to overwrite): patients/01-getting-started/01-session.md"
        in output
    )

    forced = load(root, "--force")

    lesson.refresh_from_db()
    assert lesson.title == "Session 1 - Getting started"
    assert "updated: patients/01-getting-started/01-session.md" in forced


def test_a_bad_file_leaves_the_site_as_it_was(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    load(root)
    before = counts()
    write(root, "patients/02-week-two/module.md", "---\ntitle: Week two\n---\n")

    with pytest.raises(CommandError) as raised:
        load(root)

    assert "Nothing was loaded" in str(raised.value)
    assert "patients/02-week-two/module.md, line 2: theme: is required" in str(raised.value)
    assert counts() == before


def test_a_file_the_database_refuses_part_way_rolls_back_everything(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    lesson = root / "professionals/01-partnership-basics/01-workshop.md"
    lesson.write_text(
        lesson.read_text().replace("title: Workshop 1 - Partnership basics", "title: " + "x" * 300)
    )
    before = counts()

    with pytest.raises(CommandError) as raised:
        load(root)

    assert (
        "professionals/01-partnership-basics/01-workshop.md: title: Ensure this value has at most 255 characters"
        in str(raised.value)
    )
    assert not ProgrammePage.objects.exists()
    assert counts() == before


def test_an_author_who_is_not_a_lay_tutor_is_refused_and_nothing_is_saved(
    tmp_path, home_page, people
):
    root = small_curriculum(tmp_path, lay="trainee@example.com")

    with pytest.raises(CommandError) as raised:
        load(root)

    assert (
        "patients/01-getting-started/module.md, line 5: lay_author: trainee@example.com is not a lay tutor"
        in str(raised.value)
    )
    assert not ProgrammePage.objects.exists()


def test_a_dry_run_reports_and_saves_nothing(tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    before = counts()

    output = load(root, "--dry-run")

    assert "would be created: patients/programme.md" in output
    assert "Dry run, nothing saved: 6 created" in output
    assert counts() == before


def test_export_then_load_on_an_empty_site_then_export_gives_the_same_files(
    tmp_path, home_page, authors
):
    first, second = export_load_export(tmp_path, small_curriculum(tmp_path / "source"), load)

    assert len(first) == 6
    assert first == second


def test_pairing_two_modules_of_the_same_track_is_refused_with_a_clear_message(small_curriculum):
    patient_module = ModulePage.objects.get(slug="getting-started")

    with pytest.raises(ValidationError) as raised:
        module_pairing_set(patient_module=patient_module, professional_module=patient_module)

    assert "needs one patient module and one professional module" in str(raised.value)
    assert ModulePairing.objects.count() == 1


def test_the_page_tree_is_closed():
    assert HomePage.subpage_types == ["cms.ProgrammePage", "cms.InformationPage"]
    assert ProgrammePage.parent_page_types == ["cms.HomePage"]
    assert ModulePage.parent_page_types == ["cms.ProgrammePage"]
    assert LessonPage.parent_page_types == ["cms.ModulePage"]
    assert LessonPage.subpage_types == []


def test_every_real_lesson_renders_and_every_module_has_its_counterpart(client, home_page, people):
    programmes = parse_curricula(CONTENT)
    curricula_load(programmes=programmes)

    for module in ModulePage.objects.live().filter(format="course"):
        assert module.counterpart is not None, module.title
        assert module.counterpart.counterpart == module
    lessons = LessonPage.objects.live()
    assert lessons.count() == sum(
        len(module.lessons) for programme in programmes for module in programme.modules
    )
    for lesson in lessons:
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
        assert lesson.title in response.text


# --- what the pages show --------------------------------------------------------------------

HOSTILE = """\
---
title: Session 1 - Getting started
minutes: 30
summary: Meet the group.
---
<script>alert(1)</script>

<img src=x onerror=alert(1)>

[click me](javascript:alert(1))

## Activity: Welcome
Minutes: 30
Led by: lay tutor

### For tutors
<a href="#" onclick="alert(2)">tutor link</a>

### What participants do
Say your name. <iframe src="https://example.org"></iframe>
"""


def test_hostile_markdown_renders_inert_through_the_page(client, tmp_path, home_page, authors):
    root = small_curriculum(tmp_path)
    write(root, "patients/01-getting-started/01-session.md", HOSTILE)
    load(root)
    client.force_login(authors["lay"])  # tutors see the tutor notes too

    html = client.get("/patients/getting-started/session/").text
    main = html[html.index("<main") : html.index("</main>")]

    assert "<script" not in main
    assert "onerror" not in main
    assert "onclick" not in main
    assert "javascript:" not in main
    assert "<iframe" not in main
    assert ">click me</a>" in main or "click me" in main
    assert "tutor link" in main


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("[x](javascript:alert(1))", "javascript:"),
        ("[x](JaVaScRiPt:alert(1))", "alert"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ("<style>body{display:none}</style>", "<style"),
        ('<p style="position:fixed">x</p>', "style="),
    ],
)
def test_render_markdown_removes_active_content(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_render_markdown_keeps_ordinary_formatting():
    html = render_markdown("## Goals\n\n- **small** steps\n- [NHS](https://www.nhs.uk)")

    assert "<h2>Goals</h2>" in html
    assert "<strong>small</strong>" in html
    assert '<a href="https://www.nhs.uk" rel="noopener noreferrer">NHS</a>' in html


@pytest.mark.parametrize(
    ("role", "sees_notes"), [(None, False), ("trainee", False), ("lay_tutor", True), ("lead", True)]
)
def test_tutor_notes_are_shown_to_tutors_and_leads_only(
    client, small_curriculum, people, role, sees_notes
):
    if role:
        client.force_login(people[role])

    html = client.get("/patients/getting-started/session/").text

    assert ("Say who you both are." in html) is sees_notes
    assert "Say your name." in html


def test_module_page_credits_both_co_authors_and_links_its_counterpart(
    client, small_curriculum, authors
):
    html = client.get("/patients/getting-started/").text

    lay, clinical = authors["lay"], authors["clinical"]
    assert (
        f"Written together by {lay.get_full_name()} (lay co-author) and "
        f"{clinical.get_full_name()} (clinical co-author)."
    ) in html
    assert 'href="/professionals/partnership-basics/"' in html


def test_lesson_page_query_count_does_not_grow_with_blocks(
    client, tmp_path, home_page, authors, django_assert_num_queries
):
    root = small_curriculum(tmp_path)
    load(root)
    client.force_login(authors["lay"])
    url = "/patients/getting-started/session/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    assert len(small.captured_queries) <= 16

    many = "\n\n".join(
        f"Paragraph {n}.\n\n## Activity: Step {n}\nMinutes: 1\nLed by: either tutor\n\n### For tutors\nDo {n}.\n\n"
        f"### What participants do\nTry {n}.\n\n## Key point\nPoint {n}.\n\n## Reflection: Think {n}\nWhy?"
        for n in range(30)
    )
    path = root / "patients/01-getting-started/01-session.md"
    path.write_text(f"---\ntitle: Long\nminutes: 30\n---\n{many}\n")
    module = root / "patients/01-getting-started/module.md"
    module.write_text(module.read_text().replace("session_minutes: 30", "session_minutes: 30"))
    load(root, "--force")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.text.count("app-activity") >= 30


def test_side_by_side_shows_both_modules_to_tutors(client, small_curriculum, people):
    module = ModulePage.objects.get(slug="getting-started")
    client.force_login(people["clinical_tutor"])

    html = client.get(f"/curricula/modules/{module.pk}/side-by-side/").text

    assert "Side by side: Getting started and Partnership basics" in html
    assert html.index("Welcome") < html.index("Break")
    assert "Demonstration" in html
    assert "People living with a long-term condition, 30 minutes" in html
    assert "Health professionals, 15 minutes" in html


def test_side_by_side_of_an_unpaired_module_is_not_found(client, small_curriculum, people):
    module = ModulePage.objects.get(slug="getting-started")
    ModulePairing.objects.all().delete()
    client.force_login(people["lay_tutor"])

    assert client.get(f"/curricula/modules/{module.pk}/side-by-side/").status_code == 404


def test_search_finds_lessons(client, small_curriculum):
    html = client.get("/curricula/search/", {"q": "Getting started"}).text

    assert "1 lesson found" in html
    assert 'href="/patients/getting-started/session/"' in html


def test_search_with_nothing_found_says_so(client, small_curriculum):
    html = client.get("/curricula/search/", {"q": "zebra"}).text

    assert "0 lessons found" in html
    assert "Try fewer words" in html


def test_a_lead_pairs_modules_in_the_admin_and_same_track_pairs_are_refused(
    client, small_curriculum, people
):
    patient_module = ModulePage.objects.get(slug="getting-started")
    professional_module = ModulePage.objects.get(slug="partnership-basics")
    ModulePairing.objects.all().delete()
    client.force_login(people["lead"])

    refused = client.post(
        "/admin/module_pairings/new/",
        {"patient_module": patient_module.pk, "professional_module": patient_module.pk},
    )

    assert refused.status_code == 200
    assert "A pairing needs one patient module and one professional module" in refused.text
    assert not ModulePairing.objects.exists()

    accepted = client.post(
        "/admin/module_pairings/new/",
        {"patient_module": patient_module.pk, "professional_module": professional_module.pk},
    )

    assert accepted.status_code == 302
    assert patient_module.counterpart == professional_module
    assert professional_module.counterpart == patient_module


def test_tutors_cannot_change_pairings(client, small_curriculum, people):
    client.force_login(people["lay_tutor"])

    response = client.get("/admin/module_pairings/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_an_untouched_activity_does_not_look_edited():
    from cms.blocks import ActivityBlock

    block = ActivityBlock()
    stored = block.to_python(
        {
            "title": "Welcome",
            "minutes": 15,
            "suggested_lead": "lay tutor",
            "tutor_notes": "a",
            "participant_notes": "b",
        }
    )
    posted = block.value_from_datadict(
        {
            "a-title": "Welcome",
            "a-minutes": "15",
            "a-suggested_lead": "lay tutor",
            "a-tutor_notes": "a",
            "a-participant_notes": "b",
        },
        {},
        "a",
    )

    assert block.get_prep_value(posted) == block.get_prep_value(stored)
