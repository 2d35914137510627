"""The pairing planner: proposals keep every rule, whole runs keep one pair, load is shared, what
cannot be filled is explained, it fills as many places as an exhaustive search, accepting is all or
nothing, and the pages."""

import os
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import errors
from courses.models import (
    Accreditation,
    CourseRun,
    Session,
    TimeAway,
    Tutor,
    TutorKind,
    WeeklyAvailability,
)
from courses.workshops.planner.search import plan_accept, plan_for
from courses.workshops.readiness import Rule, load_tutors, refusals, sessions_for_rules, snapshot_of
from courses.workshops.scheduling import SchedulingError
from tests.courses.workshops.planner.planner_builders import (
    build_random_instance,
    most_places_fillable,
)
from tests.factories import (
    CourseRunFactory,
    SiteFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LAY, CLINICAL = TutorKind.LAY, TutorKind.CLINICAL
SEEDS = int(os.environ.get("PLANNER_SEEDS", "40"))


# --- helpers -----------------------------------------------------------------------------------


def first_tuesday() -> date:
    """The first Tuesday of the month after next: four weekly sessions from it share a month."""
    first = (timezone.localdate().replace(day=1) + timedelta(days=62)).replace(day=1)
    return first + timedelta(days=(1 - first.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_run(site, programme, *, days, hour=10, minutes=180, venue=None, title=None, **tutors):
    """A run with one session on each of `days`; `lay`/`clinical` fill every session's places."""
    venue = venue or VenueFactory(site=site)
    run = CourseRunFactory(site=site, venue=venue, programme=programme, title=title or "Group")
    for number, day in enumerate(days, start=1):
        starts = at(day, hour)
        Session.objects.create(
            run=run,
            number=number,
            venue=venue,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            lay_tutor=tutors.get("lay"),
            clinical_tutor=tutors.get("clinical"),
        )
    return run


def make_tutor(site, kind, programme, name, *, cap=8, available=True):
    first, last = name.split()
    return TutorFactory(
        site=site,
        kind=kind,
        monthly_cap=cap,
        accredited_for=[programme] if programme else None,
        available=available,
        user=UserFactory(first_name=first, last_name=last),
    )


def weeks(start: date, count: int) -> list[date]:
    return [start + timedelta(weeks=n) for n in range(count)]


def assert_keeps_every_rule(plan):
    """Each proposal passes every rule given the proposals before it, checked afresh."""
    tutors = load_tutors(
        Tutor.objects.filter(site=plan.site), first=plan.first_day, last=plan.last_day
    )
    sessions = {
        s.pk: s for s in sessions_for_rules().filter(pk__in=[p.session.pk for p in plan.proposals])
    }
    for proposal in sorted(plan.proposals, key=lambda p: (p.session.starts_at, p.session.pk)):
        snapshot = snapshot_of(sessions[proposal.session.pk])
        for kind, tutor in ((LAY, proposal.lay_tutor), (CLINICAL, proposal.clinical_tutor)):
            if tutor is not None:
                assert getattr(proposal.session, f"{kind}_tutor_id") is None
                assert refusals(tutors[tutor.id], snapshot, kind=kind) == []
                tutors[tutor.id].book(snapshot)


def proposed(plan, kind):
    return [getattr(p, f"{kind}_tutor").name for p in plan.proposals if getattr(p, f"{kind}_tutor")]


def the_period(plan_start: date):
    return {
        "first_day": plan_start - timedelta(days=1),
        "last_day": plan_start + timedelta(days=70),
    }


# --- completeness against an exhaustive search ---------------------------------------------------


def test_the_planner_fills_as_many_places_as_an_exhaustive_search(programmes):
    """On many small random instances (see `build_random_instance`), the planner fills as many
    empty places as the best rule-respecting assignment an exhaustive search finds, and every
    proposal keeps every rule. The greedy pass alone falls short on seeds 5, 20, 26 and 39 (with
    the repair and the proof switched off, when this was written), so this test can tell."""
    short = []
    for seed in range(SEEDS):
        site = SiteFactory(slug=f"instance-{seed}")
        first_day, last_day = build_random_instance(seed, site=site, programmes=programmes)

        plan = plan_for(site=site, first_day=first_day, last_day=last_day)

        assert_keeps_every_rule(plan)
        best = most_places_fillable(site=site, first_day=first_day, last_day=last_day)
        assert plan.filled <= best
        if plan.filled < best:
            short.append((seed, plan.filled, best))
        assert plan.proved_best
        assert plan.filled + len(plan.uncovered) == plan.places
    assert short == []


# --- rules, pairing, balance ---------------------------------------------------------------------


def test_a_whole_run_gets_one_pair(riverside, programmes):
    patient = programmes["patient"]
    make_run(riverside, patient, days=weeks(first_tuesday(), 4))
    for name in ("Alan Reid", "Ruth Baxter", "Tom Hughes"):
        make_tutor(riverside, LAY, patient, name)
    for name in ("Fiona MacLeod", "Grace Adeyemi", "Owen Price"):
        make_tutor(riverside, CLINICAL, patient, name)

    plan = plan_for(site=riverside, **the_period(first_tuesday()))

    assert_keeps_every_rule(plan)
    assert plan.filled == 8
    assert plan.sessions_made_ready == 4
    assert len(set(proposed(plan, LAY))) == 1
    assert len(set(proposed(plan, CLINICAL))) == 1


def test_the_pair_already_teaching_the_run_keeps_it_though_busier(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    tom = make_tutor(riverside, LAY, patient, "Tom Hughes")
    owen = make_tutor(riverside, CLINICAL, patient, "Owen Price")
    make_tutor(riverside, LAY, patient, "Ruth Baxter")
    make_tutor(riverside, CLINICAL, patient, "Grace Adeyemi")
    # Tom and Owen also teach a Thursday group that month: by load alone the others would win.
    make_run(riverside, patient, days=weeks(start + timedelta(days=2), 3), lay=tom, clinical=owen)
    run = make_run(riverside, patient, days=weeks(start, 4), title="Summer group")
    Session.objects.filter(run=run, number=1).update(lay_tutor=tom, clinical_tutor=owen)

    plan = plan_for(site=riverside, **the_period(start))

    assert_keeps_every_rule(plan)
    assert proposed(plan, LAY) == ["Tom Hughes"] * 3
    assert proposed(plan, CLINICAL) == ["Owen Price"] * 3


def test_load_is_shared_across_the_pool(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    for offset in range(4):  # four one-session groups on different days of one week
        make_run(riverside, patient, days=[start + timedelta(days=offset)], title=f"G{offset}")
    make_tutor(riverside, LAY, patient, "Alan Reid")
    make_tutor(riverside, LAY, patient, "Ruth Baxter")
    make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")
    make_tutor(riverside, CLINICAL, patient, "Grace Adeyemi")

    plan = plan_for(site=riverside, **the_period(start))

    assert_keeps_every_rule(plan)
    assert sorted(proposed(plan, LAY)).count("Alan Reid") == 2
    assert sorted(proposed(plan, CLINICAL)).count("Fiona MacLeod") == 2


def test_the_least_loaded_that_month_is_preferred(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    busy = make_tutor(riverside, LAY, patient, "Alan Reid")
    make_tutor(riverside, LAY, patient, "Ruth Baxter")
    make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")
    make_run(riverside, patient, days=weeks(start + timedelta(days=1), 2), lay=busy)
    make_run(riverside, patient, days=[start + timedelta(days=14)], title="One-off")

    plan = plan_for(site=riverside, **the_period(start))

    assert proposed(plan, LAY) == ["Ruth Baxter"]


def test_the_pair_shares_availability(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    make_run(riverside, patient, days=[start], hour=10)
    make_tutor(riverside, LAY, patient, "Alan Reid")
    afternoons = make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod", available=False)
    WeeklyAvailability.objects.create(
        tutor=afternoons, weekday=1, starts_at=time(13), ends_at=time(18)
    )
    make_tutor(riverside, CLINICAL, patient, "Grace Adeyemi")

    plan = plan_for(site=riverside, **the_period(start))

    assert proposed(plan, LAY) == ["Alan Reid"]
    assert proposed(plan, CLINICAL) == ["Grace Adeyemi"]


def test_one_place_is_proposed_when_the_other_cannot_be_filled(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    make_run(riverside, patient, days=[start])
    make_tutor(riverside, LAY, patient, "Alan Reid")
    make_tutor(riverside, CLINICAL, programmes["professional"], "Fiona MacLeod")

    plan = plan_for(site=riverside, **the_period(start))

    [proposal] = plan.proposals
    assert proposal.lay_tutor.name == "Alan Reid"
    assert proposal.clinical_tutor is None
    assert not proposal.makes_ready
    [uncovered] = plan.uncovered
    assert uncovered.kind == CLINICAL
    [reason] = uncovered.reasons
    assert reason.rule == Rule.ACCREDITATION
    assert "Fiona MacLeod" in reason.message
    assert uncovered.summary == ["Accreditation: 1 tutor (Fiona MacLeod)."]


def test_an_uncovered_place_names_the_monthly_cap_and_the_person(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    make_run(riverside, patient, days=weeks(start, 4))
    make_tutor(riverside, LAY, patient, "Alan Reid", cap=3)
    make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")

    plan = plan_for(site=riverside, **the_period(start))

    assert_keeps_every_rule(plan)
    assert proposed(plan, LAY) == ["Alan Reid"] * 3
    [uncovered] = plan.uncovered
    [reason] = uncovered.reasons
    assert reason.rule == Rule.MONTHLY_CAP
    assert reason.message.startswith("Monthly cap: Alan Reid already teaches 3 sessions in ")
    assert uncovered.summary == ["Monthly cap: 1 tutor (Alan Reid)."]


def test_the_travel_buffer_between_venues_is_kept(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    riverside.travel_buffer_minutes = 30
    riverside.save()
    make_run(riverside, patient, days=[start], hour=10, minutes=120, title="Library group")
    make_run(riverside, patient, days=[start], hour=12, minutes=120, title="Health centre group")
    Session.objects.filter(run__title="Health centre group").update(
        starts_at=at(start, 12, 15), ends_at=at(start, 14, 15)
    )
    make_tutor(riverside, LAY, patient, "Alan Reid")
    make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")
    make_tutor(riverside, CLINICAL, patient, "Grace Adeyemi")

    plan = plan_for(site=riverside, **the_period(start))

    assert_keeps_every_rule(plan)
    assert plan.filled == 3
    [uncovered] = plan.uncovered
    assert uncovered.kind == LAY
    [reason] = uncovered.reasons
    assert reason.rule == Rule.DOUBLE_BOOKING
    assert "Alan Reid" in reason.message and "30 minutes to travel" in reason.message


def test_what_tutors_already_teach_counts(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    alan = make_tutor(riverside, LAY, patient, "Alan Reid")
    fiona = make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")
    make_run(riverside, patient, days=[start], title="Staffed group", lay=alan, clinical=fiona)
    make_run(riverside, patient, days=[start], title="New group")

    plan = plan_for(site=riverside, **the_period(start))

    assert plan.proposals == []
    assert {u.kind for u in plan.uncovered} == {LAY, CLINICAL}
    for uncovered in plan.uncovered:
        assert uncovered.session.run.title == "New group"
        [reason] = uncovered.reasons
        assert reason.rule == Rule.DOUBLE_BOOKING
        assert "Staffed group, session 1" in reason.message


def test_time_away_and_a_pool_without_a_kind_are_explained(riverside, programmes):
    patient = programmes["patient"]
    start = first_tuesday()
    make_run(riverside, patient, days=[start])
    alan = make_tutor(riverside, LAY, patient, "Alan Reid")
    TimeAway.objects.create(tutor=alan, first_day=start, last_day=start + timedelta(days=3))

    plan = plan_for(site=riverside, **the_period(start))

    by_kind = {u.kind: u for u in plan.uncovered}
    assert by_kind[LAY].reasons[0].rule == Rule.AVAILABILITY
    assert by_kind[LAY].reasons[0].message.startswith("Availability: Alan Reid is away from ")
    assert by_kind[CLINICAL].reasons == []
    assert by_kind[CLINICAL].summary == [errors.PLANNER_NO_TUTORS.format(kind="clinical tutor")]


def test_only_empty_places_of_live_future_sessions_in_the_period_are_planned(
    riverside, hillside, programmes
):
    patient = programmes["patient"]
    start = first_tuesday()
    alan = make_tutor(riverside, LAY, patient, "Alan Reid")
    fiona = make_tutor(riverside, CLINICAL, patient, "Fiona MacLeod")
    make_run(riverside, patient, days=[start], title="Planned")
    make_run(riverside, patient, days=[start + timedelta(days=1)], title="Staffed", lay=alan)
    cancelled = make_run(riverside, patient, days=[start + timedelta(days=2)], title="Cancelled")
    CourseRun.objects.filter(pk=cancelled.pk).update(status=CourseRun.Status.CANCELLED)
    make_run(riverside, patient, days=[start + timedelta(days=90)], title="Later")
    make_run(hillside, patient, days=[start], title="Elsewhere")
    past = make_run(riverside, patient, days=[start], title="Started")
    Session.objects.filter(run=past).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )

    plan = plan_for(site=riverside, **the_period(start))

    assert [
        (p.session.run.title, p.lay_tutor and p.lay_tutor.id, p.clinical_tutor.id)
        for p in plan.proposals
    ] == [("Planned", alan.pk, fiona.pk), ("Staffed", None, fiona.pk)]
    assert plan.places == 3


def test_reversed_dates_are_refused(riverside):
    with pytest.raises(SchedulingError) as refused:
        plan_for(site=riverside, first_day=date(2027, 3, 2), last_day=date(2027, 3, 1))

    assert refused.value.message == errors.DATES_REVERSED


def make_sessions(site, programme, count):
    start = first_tuesday()
    venues = [VenueFactory(site=site), VenueFactory(site=site)]
    for index in range(0, count, 5):
        make_run(
            site,
            programme,
            days=weeks(start + timedelta(days=index // 5 % 5), min(5, count - index)),
            hour=9 + index // 25 * 4,
            venue=venues[index // 5 % 2],
            title=f"Group {index}",
        )


@pytest.mark.parametrize("count", [5, 50])
def test_plan_for_takes_seven_queries_whatever_the_size(
    riverside, programmes, django_assert_num_queries, count
):
    patient = programmes["patient"]
    make_sessions(riverside, patient, count)
    for number in range(count // 5 + 1):
        make_tutor(riverside, LAY, patient, f"Lay Tutor{number}")
        make_tutor(riverside, CLINICAL, patient, f"Clinical Tutor{number}")

    with django_assert_num_queries(7):
        plan = plan_for(site=riverside, **the_period(first_tuesday()))

    assert plan.places == 2 * count
    assert_keeps_every_rule(plan)


# --- accepting ---------------------------------------------------------------------------------


@pytest.fixture
def planned(workshop, people):
    """The workshop's three sessions, planned: the fixture's lay and clinical tutor for each."""
    site = workshop["site"]
    plan = plan_for(
        site=site,
        first_day=timezone.localdate(),
        last_day=timezone.localdate() + timedelta(weeks=6),
    )
    choices = [
        (p.session.pk, p.lay_tutor and p.lay_tutor.id, p.clinical_tutor and p.clinical_tutor.id)
        for p in plan.proposals
    ]
    return {**workshop, "plan": plan, "choices": choices}


def tutors_of(sessions):
    return [
        (s.lay_tutor_id, s.clinical_tutor_id)
        for s in Session.objects.filter(pk__in=[s.pk for s in sessions]).order_by("number")
    ]


def test_accepting_assigns_every_chosen_place(planned, people):
    lay, clinical = planned["lay"], planned["clinical"]
    assert len(planned["choices"]) == 3

    count = plan_accept(
        site=planned["site"], choices=planned["choices"], accepted_by=people["lead"]
    )

    assert count == 3
    assert tutors_of(planned["sessions"]) == [(lay.pk, clinical.pk)] * 3


def test_accepting_some_leaves_the_rest(planned, people):
    lay, clinical = planned["lay"], planned["clinical"]
    first, *_ = planned["choices"]

    assert plan_accept(site=planned["site"], choices=[first], accepted_by=people["lead"]) == 1

    assert tutors_of(planned["sessions"]) == [(lay.pk, clinical.pk), (None, None), (None, None)]


def test_a_change_since_planning_refuses_everything_naming_the_session_and_rule(planned, people):
    lay = planned["lay"]
    second = planned["sessions"][1]
    day = timezone.localtime(second.starts_at).date()
    TimeAway.objects.create(tutor=lay, first_day=day, last_day=day)

    with pytest.raises(SchedulingError) as refused:
        plan_accept(site=planned["site"], choices=planned["choices"], accepted_by=people["lead"])

    assert refused.value.message.startswith(f"{second}: Availability: {lay.name} is away from ")
    assert refused.value.message.endswith("Nothing was saved: plan again to see who is free now.")
    assert [r.rule for r in refused.value.refusals] == [Rule.AVAILABILITY]
    assert tutors_of(planned["sessions"]) == [(None, None)] * 3


def test_a_place_filled_since_planning_refuses_everything(planned, people, programmes):
    other = TutorFactory(site=planned["site"], kind=LAY, accredited_for=[planned["programme"]])
    third = planned["sessions"][2]
    Session.objects.filter(pk=third.pk).update(lay_tutor=other)

    with pytest.raises(SchedulingError) as refused:
        plan_accept(site=planned["site"], choices=planned["choices"], accepted_by=people["lead"])

    assert str(third) in refused.value.message and other.name in refused.value.message
    assert tutors_of(planned["sessions"])[:2] == [(None, None)] * 2


def test_a_tutor_of_the_wrong_kind_is_refused(planned, people):
    session, lay_id, clinical_id = planned["choices"][0]

    with pytest.raises(SchedulingError) as refused:
        plan_accept(
            site=planned["site"],
            choices=[(session, clinical_id, lay_id)],
            accepted_by=people["lead"],
        )

    assert "Tutor kind:" in refused.value.message
    assert tutors_of(planned["sessions"]) == [(None, None)] * 3


def test_sessions_and_tutors_of_another_site_are_refused(planned, people, hillside):
    elsewhere = make_run(hillside, planned["programme"], days=[first_tuesday()])
    session = elsewhere.sessions.get()
    hillside_tutor = TutorFactory(site=hillside, kind=LAY, accredited_for=[planned["programme"]])
    _, lay_id, clinical_id = planned["choices"][0]

    with pytest.raises(SchedulingError) as refused:
        plan_accept(
            site=planned["site"],
            choices=[*planned["choices"], (session.pk, lay_id, clinical_id)],
            accepted_by=people["lead"],
        )
    assert refused.value.message == errors.PLANNER_SESSION_ELSEWHERE.format(
        site=planned["site"].name
    )

    with pytest.raises(SchedulingError) as refused:
        plan_accept(
            site=planned["site"],
            choices=[(planned["choices"][0][0], hillside_tutor.pk, None)],
            accepted_by=people["lead"],
        )
    assert refused.value.message == errors.UNKNOWN_TUTOR
    assert tutors_of(planned["sessions"]) == [(None, None)] * 3


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([], errors.PLANNER_NOTHING_CHOSEN),
        ("nobody", errors.PLANNER_NOTHING_CHOSEN),
        ("twice", errors.PLANNER_SESSION_TWICE),
    ],
)
def test_empty_or_repeated_choices_are_refused(planned, people, choices, message):
    if choices == "nobody":
        choices = [(session, None, None) for session, _, _ in planned["choices"]]
    elif choices == "twice":
        choices = [planned["choices"][0], planned["choices"][0]]

    with pytest.raises(SchedulingError) as refused:
        plan_accept(site=planned["site"], choices=choices, accepted_by=people["lead"])

    assert refused.value.message == message


# --- the pages -----------------------------------------------------------------------------------


def planner_url(site):
    return f"/sites/{site.slug}/planner/"


def test_the_planner_page_proposes_with_every_session_ticked(client, planned, people):
    client.force_login(people["lead"])

    response = client.get(planner_url(planned["site"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('name="session" type="checkbox"') == 3
    assert page.count(" checked>") == 3
    assert page.count(f'name="lay-{planned["sessions"][0].pk}" value="{planned["lay"].pk}"') == 1
    assert planned["lay"].name in page and planned["clinical"].name in page
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    assert response.context["form"]["first_day"].value() == timezone.localdate()


def test_the_planner_page_shows_what_it_cannot_cover(client, workshop, people):
    Accreditation.objects.filter(tutor=workshop["clinical"]).delete()
    client.force_login(people["lead"])

    page = client.get(planner_url(workshop["site"])).content.decode()

    assert "Places the planner cannot fill" in page
    assert f"Accreditation: 1 tutor ({workshop['clinical'].name})." in page


def test_the_planner_page_has_an_empty_state(client, riverside, people):
    client.force_login(people["lead"])

    page = client.get(planner_url(riverside)).content.decode()

    assert "There are no sessions with an empty place" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"first_day": "10/03/2027", "last_day": "01/03/2027"}, errors.DATES_REVERSED),
        ({"first_day": "soon", "last_day": ""}, "First day to plan must be a real date"),
        ({"first_day_day": "", "last_day": ""}, "Enter the first day to plan"),
        (
            {"first_day_day": "31", "first_day_month": "2", "first_day_year": "2027"},
            "First day to plan must be a real date",
        ),
        (
            {"first_day_day": "1", "first_day_year": "2027", "last_day": "01/03/2027"},
            "First day to plan must include a month",
        ),
        ({"first_day": "01/01/2027", "last_day": "01/06/2028"}, "Plan at most 366 days"),
    ],
)
def test_bad_dates_are_explained(client, riverside, people, query, message):
    client.force_login(people["lead"])

    response = client.get(planner_url(riverside), query)

    assert response.status_code == 400
    assert response.context["plan"] is None
    assert message in response.content.decode()


def test_only_leads_of_the_site_may_plan(client, riverside, people):
    for role, status in [("site_admin", 403), ("lay_tutor", 403), ("other_lead", 404)]:
        client.force_login(people[role])
        assert client.get(planner_url(riverside)).status_code == status
        assert client.post(f"{planner_url(riverside)}accept/").status_code == status


def accept_data(planned, ticked=None):
    data = {"first_day": "01/01/2027", "last_day": "31/03/2027", "session": []}
    for session, lay, clinical in planned["choices"]:
        if ticked is None or session in ticked:
            data["session"].append(str(session))
        data[f"lay-{session}"] = str(lay)
        data[f"clinical-{session}"] = str(clinical)
    return data


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_accepting_from_the_page(client, planned, people):
    client.force_login(people["lead"])

    response = client.post(f"{planner_url(planned['site'])}accept/", accept_data(planned))

    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{planner_url(planned['site'])}?first_day=01%2F01%2F2027&last_day=31%2F03%2F2027"
    )
    assert messages_of(response) == ["Tutors assigned to 3 sessions."]
    assert tutors_of(planned["sessions"]) == [(planned["lay"].pk, planned["clinical"].pk)] * 3


def test_a_refusal_on_the_page_saves_nothing(client, planned, people):
    second = planned["sessions"][1]
    day = timezone.localtime(second.starts_at).date()
    TimeAway.objects.create(tutor=planned["clinical"], first_day=day, last_day=day)
    client.force_login(people["lead"])

    response = client.post(f"{planner_url(planned['site'])}accept/", accept_data(planned))

    [message] = messages_of(response)
    assert message.startswith(f"{second}: Availability: {planned['clinical'].name} is away")
    assert tutors_of(planned["sessions"]) == [(None, None)] * 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"session": []}, errors.PLANNER_NOTHING_CHOSEN),
        ({"session": ["x1"]}, errors.PLANNER_CHOICE_INVALID),
        ({"session": ["9" * 30]}, errors.PLANNER_CHOICE_INVALID),
        ({"session": ["²"]}, errors.PLANNER_CHOICE_INVALID),
    ],
)
def test_forged_or_empty_acceptances_are_refused(client, planned, people, change, message):
    client.force_login(people["lead"])

    response = client.post(
        f"{planner_url(planned['site'])}accept/", {**accept_data(planned), **change}
    )

    assert response.status_code == 302
    assert messages_of(response) == [message]
    assert tutors_of(planned["sessions"]) == [(None, None)] * 3


def test_a_forged_tutor_id_is_refused(client, planned, people):
    client.force_login(people["lead"])
    data = accept_data(planned)
    data[f"lay-{planned['choices'][0][0]}"] = "-3"

    response = client.post(f"{planner_url(planned['site'])}accept/", data)

    assert messages_of(response) == [errors.PLANNER_CHOICE_INVALID]


def test_the_planner_page_queries_the_same_for_5_and_50_sessions(
    client, riverside, programmes, people
):
    patient = programmes["patient"]
    client.force_login(people["lead"])
    url = planner_url(riverside)
    start = first_tuesday()
    query = {
        "first_day": (start - timedelta(days=1)).strftime("%d/%m/%Y"),
        "last_day": (start + timedelta(days=70)).strftime("%d/%m/%Y"),
    }
    counted = []
    for count in (5, 50):
        Session.objects.all().delete()
        make_sessions(riverside, patient, count)
        for number in range(2):
            make_tutor(riverside, LAY, patient, f"Lay Tutor{count}{number}")
            make_tutor(riverside, CLINICAL, patient, f"Clinical Tutor{count}{number}")
        client.get(url, query)  # warm caches (site navigation, sessions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        assert response.context["plan"].places == 2 * count
        counted.append(len(queries))

    assert counted[0] == counted[1]


def test_the_planner_page_lists_the_sites_closed_days_in_the_period(client, riverside, people):
    from courses.models import ClosedDay

    ClosedDay.objects.create(site=riverside, date=date(2027, 3, 30), reason="Staff training")
    ClosedDay.objects.create(site=riverside, date=date(2027, 3, 29), kind=ClosedDay.Kind.OPEN)
    client.force_login(people["lead"])

    page = client.get(
        planner_url(riverside),
        {
            "first_day_day": "22",
            "first_day_month": "3",
            "first_day_year": "2027",
            "last_day_day": "4",
            "last_day_month": "4",
            "last_day_year": "2027",
        },
    ).content.decode()

    assert "Days the site is closed" in page
    assert "<li>Friday 26 March 2027: Good Friday (public holiday)</li>" in page
    assert "<li>Tuesday 30 March 2027: closed by the site (Staff training)</li>" in page
    # Riverside opened Easter Monday.
    assert "Easter Monday" not in page
