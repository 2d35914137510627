"""The goal themes' pages: leads and site administrators keep each programme's list (add, rename,
remove after confirming, each goal count shown), tutors tag their group's shared goals on the
session plan, and the site's Before and after page counts goals per theme. Every refusal is a
message on the form (400) or, for anything a page does not offer, not found (404), and changes
nothing; every page costs the same queries however many themes and goals."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Goal, GoalRating, GoalsShared, GoalTheme, Response
from assessments.reflections.analysis import MIN_MATCHED
from assessments.reflections.themes import (
    THEME_NAME_MISSING,
    THEME_NAME_TAKEN,
    THEME_NAME_TOO_LONG,
)
from cms.validation import CONTROL_CHARACTERS
from courses.models import Enrolment, TutorKind
from courses.reflections.administrations import goal_reference
from courses.reflections.theme_views import LEADS_DO_NOT_TAG
from tests.assessments.reflection_builders import administration, version_with_items
from tests.courses.workshops import test_group_goals, test_teaching
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    TutorFactory,
    UserFactory,
    programme_page,
)
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
INDEX = "/programme/goal-themes/"

course = test_teaching.course
before = test_group_goals.before
wrote = test_group_goals.wrote
plan_url = test_teaching.plan_url


def themes_url(programme):
    return f"/programme/goal-themes/{programme.pk}/"


def rename_url(theme):
    return f"/programme/goal-themes/{theme.programme_id}/{theme.pk}/rename/"


def remove_url(theme):
    return f"/programme/goal-themes/{theme.programme_id}/{theme.pk}/remove/"


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def tagged_goals(programme, theme, count):
    """`count` goals of people who shared them, tagged with `theme`."""
    version = version_with_items(slug=f"tagged-{theme.pk}-{count}")
    survey = administration(version, "before", UserFactory(), programme=programme)
    for number in range(count):
        response = Response.objects.create(
            administration=survey,
            respondent=UserFactory(),
            status=Response.Status.SUBMITTED,
            submitted_at=SENT,
            goals_shared=GoalsShared.WITHOUT_NAME,
        )
        Goal.objects.create(response=response, position=1, text=f"Goal {number}", theme=theme)


@pytest.fixture
def patient(programmes):
    return programmes["patient"]


# --- who may keep the lists ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "other_lead", "site_admin"])
def test_any_lead_or_site_administrator_keeps_the_lists(client, people, patient, role):
    """A programme's list is one for every site, so a lead of any site keeps it."""
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    client.force_login(people[role])

    index = text_of(client.get(INDEX))
    page = client.get(themes_url(patient))

    assert f'href="{themes_url(patient)}">Moving on Together' in index
    assert page.status_code == 200
    assert LEADS_DO_NOT_TAG.replace("'", "&#x27;") in text_of(page)
    assert client.get(rename_url(theme)).status_code == 200
    assert client.get(remove_url(theme)).status_code == 200


@pytest.mark.parametrize("role", ["trainee", "lay_tutor", "clinical_tutor"])
def test_trainees_and_tutors_may_not_keep_them(client, people, patient, role):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    client.force_login(people[role])

    statuses = [
        client.get(INDEX).status_code,
        client.get(themes_url(patient)).status_code,
        client.post(themes_url(patient), {"name": "Cooking"}).status_code,
        client.post(rename_url(theme), {"name": "Rest"}).status_code,
        client.post(remove_url(theme)).status_code,
    ]

    assert statuses == [403] * 5
    assert list(GoalTheme.objects.values_list("name", flat=True)) == ["Sleep"]


def test_signed_out_people_are_sent_to_sign_in(client, patient):
    response = client.get(themes_url(patient))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_programme_or_another_programmes_theme_is_not_found(client, people, programmes):
    theme = GoalTheme.objects.create(programme=programmes["professional"], name="Sleep")
    client.force_login(people["lead"])
    patient = programmes["patient"]
    wrong = f"/programme/goal-themes/{patient.pk}/{theme.pk}/"

    statuses = [
        client.get("/programme/goal-themes/999999/").status_code,
        client.get(f"{wrong}rename/").status_code,
        client.post(f"{wrong}rename/", {"name": "Rest"}).status_code,
        client.post(f"{wrong}remove/").status_code,
    ]

    assert statuses == [404] * 4
    assert GoalTheme.objects.get().name == "Sleep"


# --- adding, renaming, removing -------------------------------------------------------------------


def test_the_list_shows_each_theme_with_its_goal_count(client, people, patient):
    sleep = GoalTheme.objects.create(programme=patient, name="Sleep")
    GoalTheme.objects.create(programme=patient, name="Cooking")
    tagged_goals(patient, sleep, 3)
    client.force_login(people["lead"])

    page = text_of(client.get(themes_url(patient)))

    assert page.index("Cooking") < page.index("Sleep")
    assert (
        '<span class="nhsuk-table-responsive__heading">Theme </span>Sleep</th> '
        '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">Goals '
        "tagged </span>3</td>"
    ) in page


def test_a_programme_with_no_themes_says_so(client, people, patient):
    client.force_login(people["lead"])

    assert "Moving on Together has no goal themes yet." in text_of(client.get(themes_url(patient)))


def test_adding_a_theme_confirms_it(client, people, patient):
    client.force_login(people["lead"])

    response = client.post(themes_url(patient), {"name": "Getting out  and about"}, follow=True)

    assert response.redirect_chain == [(themes_url(patient), 302)]
    assert "The theme “Getting out and about” is added to Moving on Together." in text_of(response)
    theme = GoalTheme.objects.get()
    assert (theme.name, theme.created_by) == ("Getting out and about", people["lead"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", THEME_NAME_MISSING),
        ("Sleep\x07", CONTROL_CHARACTERS),
        ("x" * 61, THEME_NAME_TOO_LONG.format(length=61)),
        ("SLEEP", THEME_NAME_TAKEN.format(programme="Moving on Together", name="Sleep")),
    ],
)
def test_a_bad_name_is_shown_on_the_form_and_nothing_is_added(
    client, people, patient, name, message
):
    GoalTheme.objects.create(programme=patient, name="Sleep")
    client.force_login(people["lead"])

    response = client.post(themes_url(patient), {"name": name})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [message]
    page = text_of(response)
    assert "There is a problem" in page
    assert '<a href="#id_name">Name of the theme: ' in page
    assert list(GoalTheme.objects.values_list("name", flat=True)) == ["Sleep"]


@given(name=st.one_of(typed_text(max_size=80), st.lists(typed_text(max_size=10), max_size=3)))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_adding_any_name_never_fails_and_keeps_only_one_short_line(client, people, patient, name):
    client.force_login(people["lead"])
    GoalTheme.objects.all().delete()

    response = client.post(themes_url(patient), {"name": name})

    assert response.status_code in {302, 400}
    kept = list(GoalTheme.objects.values_list("name", flat=True))
    assert len(kept) == (1 if response.status_code == 302 else 0)
    for theme in kept:
        assert 0 < len(theme) <= 60 and theme == " ".join(theme.split())


def test_renaming_confirms_the_new_name_and_keeps_the_tags(client, people, patient):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    tagged_goals(patient, theme, 2)
    client.force_login(people["site_admin"])

    form = text_of(client.get(rename_url(theme)))
    response = client.post(rename_url(theme), {"name": "Sleeping well"}, follow=True)

    assert 'value="Sleep"' in form
    assert response.redirect_chain == [(themes_url(patient), 302)]
    assert "The theme “Sleep” is now called “Sleeping well”." in text_of(response)
    assert set(Goal.objects.values_list("theme__name", flat=True)) == {"Sleeping well"}


def test_renaming_to_the_same_name_says_nothing_changed(client, people, patient):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    client.force_login(people["lead"])

    response = client.post(rename_url(theme), {"name": "Sleep"}, follow=True)

    assert "Nothing changed: the theme is already called “Sleep”." in text_of(response)


def test_renaming_to_a_taken_name_is_shown_on_the_form(client, people, patient):
    GoalTheme.objects.create(programme=patient, name="Sleep")
    theme = GoalTheme.objects.create(programme=patient, name="Cooking")
    client.force_login(people["lead"])

    response = client.post(rename_url(theme), {"name": "sleep"})

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        THEME_NAME_TAKEN.format(programme="Moving on Together", name="Sleep")
    ]
    assert "Rename the theme “Cooking”" in text_of(response)
    assert GoalTheme.objects.get(pk=theme.pk).name == "Cooking"


def test_removing_asks_first_saying_how_many_goals_lose_the_theme(client, people, patient):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    tagged_goals(patient, theme, 3)
    client.force_login(people["lead"])

    page = text_of(client.get(remove_url(theme)))

    assert "Remove the theme “Sleep”?" in page
    assert "3 goals are tagged with it, at every site: they will lose the theme" in page
    assert GoalTheme.objects.filter(pk=theme.pk).exists()


def test_removing_untags_the_goals_and_says_how_many(client, people, patient):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    tagged_goals(patient, theme, 3)
    client.force_login(people["lead"])

    response = client.post(remove_url(theme), follow=True)

    assert response.redirect_chain == [(themes_url(patient), 302)]
    assert (
        "The theme “Sleep” is removed from Moving on Together. 3 goals have no theme now."
        in text_of(response)
    )
    assert not GoalTheme.objects.exists()
    assert list(Goal.objects.values_list("theme", flat=True)) == [None] * 3


def test_removing_a_theme_no_goal_has(client, people, patient):
    theme = GoalTheme.objects.create(programme=patient, name="Sleep")
    client.force_login(people["lead"])

    confirm = text_of(client.get(remove_url(theme)))
    response = client.post(remove_url(theme), follow=True)

    assert "No goal is tagged with it." in confirm
    assert "No goal was tagged with it." in text_of(response)


# --- queries ------------------------------------------------------------------------------------


def test_the_pages_take_the_same_queries_however_many_themes_and_goals(client, people, patient):
    sleep = GoalTheme.objects.create(programme=patient, name="Sleep")
    tagged_goals(patient, sleep, 1)
    client.force_login(people["lead"])
    urls = [INDEX, themes_url(patient), rename_url(sleep), remove_url(sleep)]
    for url in urls:
        client.get(url)
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[url] = len(queries)
    programme_page(title="Working together again", slug="working-together-again")
    for number in range(6):
        theme = GoalTheme.objects.create(programme=patient, name=f"Theme {number}")
        tagged_goals(patient, theme, 4)
    tagged_goals(patient, sleep, 5)

    grown = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        grown[url] = len(queries)

    assert grown == counts
    # The session, the user, their roles with whether they have a second factor; then the
    # programmes with their theme counts; the programme and its themes with their goal counts;
    # the programme and the theme; and those and the theme's goal count.
    assert counts == {INDEX: 4, themes_url(patient): 5, rename_url(sleep): 5, remove_url(sleep): 6}


# --- tutors tag their group's goals on the session plan -------------------------------------------


@pytest.fixture
def shared(course, before):
    """Two shared goals on the course (one named, one not) and one kept from the tutors; the
    programme's themes Sleep and Cooking."""
    alice, bob, carol = (enrolment.trainee for enrolment in course["enrolments"])
    run = course["run"]
    named = wrote(run, before, alice, ["Walk to the shops"], GoalsShared.WITH_NAME).goals.get()
    anonymous = wrote(run, before, bob, ["Sleep through"], GoalsShared.WITHOUT_NAME).goals.get()
    kept = wrote(run, before, carol, ["Kept to myself"], GoalsShared.NO).goals.get()
    programme = run.programme
    return {
        "named": named,
        "anonymous": anonymous,
        "kept": kept,
        "sleep": GoalTheme.objects.create(programme=programme, name="Sleep"),
        "cooking": GoalTheme.objects.create(programme=programme, name="Cooking"),
        "session": course["sessions"][3],
    }


def tag_url(session):
    return f"/teach/sessions/{session.pk}/goal-theme/"


def themes_of_goals():
    return dict(Goal.objects.values_list("text", "theme__name"))


UNTAGGED = {"Walk to the shops": None, "Sleep through": None, "Kept to myself": None}


def test_the_plan_offers_each_shared_goal_the_programmes_themes(client, people, shared):
    Goal.objects.filter(pk=shared["named"].pk).update(theme=shared["sleep"])
    client.force_login(people["lay_tutor"])

    page = text_of(client.get(plan_url(shared["session"])))

    assert page.count(f'action="{tag_url(shared["session"])}"') == 2
    assert f'name="goal" value="{goal_reference(shared["named"].pk)}"' in page
    assert f'name="goal" value="{shared["named"].pk}"' not in page
    assert (
        '<label class="nhsuk-label" for="goal-theme-1">Theme<span class="nhsuk-u-visually-hidden">'
        " of “Walk to the shops”</span></label>"
    ) in page
    assert (
        f'<option value="">No theme</option> <option value="{shared["cooking"].pk}">Cooking'
        f'</option><option value="{shared["sleep"].pk}" selected>Sleep</option>'
    ) in page
    assert "Kept to myself" not in page


def test_the_forms_stay_off_the_printed_plan(client, people, shared):
    client.force_login(people["clinical_tutor"])

    page = text_of(client.get(plan_url(shared["session"])))

    group = page[page.index('id="group-goals"') :]
    group = group[: group.index("</ul>")]
    assert '<ul class="nhsuk-list nhsuk-list--border app-no-print app-group-goals">' in group
    assert "<form" in group


def test_without_themes_the_plan_says_who_can_add_them(client, people, shared):
    GoalTheme.objects.all().delete()
    client.force_login(people["lay_tutor"])

    page = text_of(client.get(plan_url(shared["session"])))

    assert (
        '<p class="nhsuk-body app-no-print">Your programme lead can add themes to tag goals '
        "with.</p>"
    ) in page
    assert tag_url(shared["session"]) not in page


def test_a_tutor_tags_a_goal_and_is_told(client, people, shared):
    client.force_login(people["lay_tutor"])

    response = client.post(
        tag_url(shared["session"]),
        {"goal": goal_reference(shared["anonymous"].pk), "theme": shared["sleep"].pk},
        follow=True,
    )

    assert response.redirect_chain == [(f"{plan_url(shared['session'])}#group-goals", 302)]
    assert "Saved: “Sleep through” has the theme Sleep." in text_of(response)
    assert themes_of_goals() == {**UNTAGGED, "Sleep through": "Sleep"}


def test_choosing_no_theme_untags_the_goal(client, people, shared):
    Goal.objects.filter(pk=shared["named"].pk).update(theme=shared["sleep"])
    client.force_login(people["clinical_tutor"])

    response = client.post(
        tag_url(shared["session"]),
        {"goal": goal_reference(shared["named"].pk), "theme": ""},
        follow=True,
    )

    assert "Saved: “Walk to the shops” has no theme now." in text_of(response)
    assert themes_of_goals() == UNTAGGED


def test_saving_the_same_theme_says_nothing_changed(client, people, shared):
    Goal.objects.filter(pk=shared["named"].pk).update(theme=shared["sleep"])
    client.force_login(people["lay_tutor"])

    response = client.post(
        tag_url(shared["session"]),
        {"goal": goal_reference(shared["named"].pk), "theme": shared["sleep"].pk},
        follow=True,
    )

    assert "Nothing changed: “Walk to the shops” already had the theme Sleep." in text_of(response)


@pytest.mark.parametrize(
    "posted",
    [
        {"goal": "kept", "theme": "sleep"},  # a goal its writer kept to themselves
        {"goal": "not-a-reference", "theme": "sleep"},
        {"theme": "sleep"},
        {"goal": "anonymous", "theme": "elsewhere"},  # another programme's theme
        {"goal": "anonymous", "theme": "999999"},
        {"goal": "anonymous", "theme": "sleep!"},
        {"goal": "anonymous", "theme": "99999999999999999999999"},
        {"goal": "anonymous", "theme": "-1"},
        {"goal": "anonymous", "theme": "٣"},  # a digit, but not one of 0 to 9
    ],
)
def test_anything_the_plan_does_not_offer_is_not_found(client, people, shared, programmes, posted):
    elsewhere = GoalTheme.objects.create(programme=programmes["professional"], name="Sleep")
    ids = {"sleep": shared["sleep"].pk, "elsewhere": elsewhere.pk}
    data = {
        "goal": goal_reference(shared[posted["goal"]].pk)
        if posted.get("goal") in shared
        else posted.get("goal", ""),
        "theme": ids.get(posted["theme"], posted["theme"]),
    }
    if "goal" not in posted:
        del data["goal"]
    client.force_login(people["lay_tutor"])

    response = client.post(tag_url(shared["session"]), data)

    assert response.status_code == 404
    assert themes_of_goals() == UNTAGGED


def test_a_tutor_of_another_run_finds_nothing(client, shared, riverside, course):
    other = TutorFactory(site=riverside, kind=TutorKind.LAY)
    other_run = CourseRunFactory(site=riverside, programme=course["run"].programme)
    their_session = SessionFactory(run=other_run, number=1, lay_tutor=other)
    client.force_login(other.user)
    data = {"goal": goal_reference(shared["named"].pk), "theme": shared["sleep"].pk}

    statuses = [
        client.post(tag_url(shared["session"]), data).status_code,
        client.post(tag_url(their_session), data).status_code,
    ]

    assert statuses == [404, 404]
    assert themes_of_goals() == UNTAGGED


@pytest.mark.parametrize(("role", "status"), [("lead", 403), ("trainee", 403), ("site_admin", 403)])
def test_leads_and_trainees_may_not_tag(client, people, shared, role, status):
    client.force_login(people[role])
    data = {"goal": goal_reference(shared["named"].pk), "theme": shared["sleep"].pk}

    assert client.post(tag_url(shared["session"]), data).status_code == status
    assert themes_of_goals() == UNTAGGED


def test_a_lead_reading_the_plan_sees_no_goal_and_no_form(client, people, shared):
    client.force_login(people["lead"])

    page = text_of(client.get(plan_url(shared["session"])))

    assert "Walk to the shops" not in page
    assert tag_url(shared["session"]) not in page


def test_the_plan_takes_the_same_queries_however_many_goals_and_themes(
    client, people, course, before, shared
):
    client.force_login(people["lay_tutor"])
    client.get(plan_url(shared["session"]))
    with CaptureQueriesContext(connection) as few:
        client.get(plan_url(shared["session"]))
    programme = course["run"].programme
    for number in range(8):
        theme = GoalTheme.objects.create(programme=programme, name=f"Theme {number}")
        person = UserFactory()
        Enrolment.objects.create(trainee=person, run=course["run"], site=course["run"].site)
        response = wrote(course["run"], before, person, ["A", "B", "C"], GoalsShared.WITH_NAME)
        response.goals.update(theme=theme)

    with CaptureQueriesContext(connection) as many:
        page = text_of(client.get(plan_url(shared["session"])))

    assert page.count(f'action="{tag_url(shared["session"])}"') == 2 + 24
    assert len(many) == len(few) == 10  # one of them for the programme's themes


# --- the site's Before and after page -----------------------------------------------------------


def goals_rated(run, people, *, theme=None):
    """Each person wrote a goal before (shared, without their name) and rated it again after."""
    version = version_with_items(slug=f"rated-{run.pk}-{len(people)}")
    surveys = [
        administration(version, phase, run, label=run.title, programme=run.programme)
        for phase in ("before", "after")
    ]
    for person in people:
        first = Response.objects.create(
            administration=surveys[0],
            respondent=person,
            status=Response.Status.SUBMITTED,
            submitted_at=SENT,
            goals_shared=GoalsShared.WITHOUT_NAME,
        )
        goal = Goal.objects.create(response=first, position=1, text="Walk", theme=theme)
        GoalRating.objects.create(response=first, goal=goal, rating=3)
        later = Response.objects.create(
            administration=surveys[1],
            respondent=person,
            status=Response.Status.SUBMITTED,
            submitted_at=SENT,
        )
        GoalRating.objects.create(response=later, goal=goal, rating=7, before_rating=3)


def goal_section(client) -> str:
    page = text_of(client.get("/sites/riverside/reflections/"))
    return page[page.index('id="own-goals"') : page.index('id="download-answers"')]


def test_the_site_page_counts_goals_per_theme_from_five_people(client, people, workshop):
    theme = GoalTheme.objects.create(programme=workshop["programme"], name="Getting about")
    goals_rated(workshop["run"], [UserFactory() for _ in range(MIN_MATCHED)], theme=theme)
    client.force_login(people["lead"])

    section = goal_section(client)

    assert "Goals by theme" in section
    assert (
        '<td class="nhsuk-table__cell">Getting about</td><td class="nhsuk-table__cell">5</td>'
        in section
    )
    assert f'href="{INDEX}">goal themes</a>' in section


def test_below_five_people_no_theme_is_counted(client, people, workshop):
    theme = GoalTheme.objects.create(programme=workshop["programme"], name="Getting about")
    goals_rated(workshop["run"], [UserFactory() for _ in range(MIN_MATCHED - 1)], theme=theme)
    client.force_login(people["lead"])

    section = goal_section(client)

    assert "Getting about" not in section
    assert "Fewer than 5 people rated their goals" in section


def test_before_any_goal_is_tagged_the_site_page_says_so(client, people, workshop):
    goals_rated(workshop["run"], [UserFactory() for _ in range(MIN_MATCHED)])
    client.force_login(people["lead"])

    section = goal_section(client)

    assert "Goals by theme" not in section
    assert "No goal has a theme yet. Tutors tag the goals their group shared with them" in section
