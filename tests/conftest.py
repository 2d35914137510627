import pytest
import time_machine
from django.core.cache import cache

from cms import footer
from cms.roles import Role
from tests import clock
from tests.factories import SiteFactory, SiteMembershipFactory, UserFactory


def pytest_addoption(parser):
    parser.addoption(
        "--sweep",
        action="store_true",
        help="run each test marked clock once at every instant of tests/clock.py SWEEP",
    )


def pytest_report_header(config):
    if config.getoption("sweep"):
        return f"clock frozen at each of the {len(clock.SWEEP)} instants of tests/clock.py SWEEP"
    return (
        f"clock frozen at {clock.instant().isoformat()} (TEST_NOW to change it; "
        "browser journeys keep the real clock)"
    )


def pytest_generate_tests(metafunc):
    """With --sweep (make test-clock), a test marked clock runs once per instant of the sweep,
    the instant in its id: test_x[2027-03-28T00:30:00+00:00]. One process runs them all, so the
    test database is built once per worker, not once per instant."""
    if (
        metafunc.config.getoption("sweep")
        and metafunc.definition.get_closest_marker("clock")
        and "sweep_instant" in metafunc.fixturenames
    ):
        metafunc.parametrize("sweep_instant", clock.SWEEP, ids=clock.SWEEP)


@pytest.fixture
def sweep_instant(request):
    """The instant of the sweep this run of the test is at; None outside make test-clock."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def frozen_clock(request, sweep_instant):
    """Every test but the browser journeys runs with the clock stopped at clock.instant() (or, in
    the sweep, at its instant). Races between threads (marked ticking_clock) start there with the
    clock running, so that twenty simultaneous bookings still happen one after another in time."""
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    moment = clock.parse(sweep_instant) if sweep_instant else clock.instant()
    ticking = request.node.get_closest_marker("ticking_clock") is not None
    with time_machine.travel(moment, tick=ticking) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clear_cache(frozen_clock):
    # allauth keeps rate-limit counters in the cache; each test starts with none.
    cache.clear()
    # A test's database starts with no footer pages: say so, so that pages' query counts do not
    # include working the footer out (publishing a footer page forgets this). Set on the test's
    # clock (hence frozen_clock first), or at a later instant of the sweep it would have expired.
    cache.set(footer.CACHE_KEY, [])
    yield
    cache.clear()


@pytest.fixture
def riverside(db):
    return SiteFactory(name="Riverside Health Board", slug="riverside")


@pytest.fixture
def hillside(db):
    return SiteFactory(name="Hillside Health Board", slug="hillside")


@pytest.fixture
def people(riverside, hillside):
    """One person per role, all at Riverside, and a lead of Hillside."""

    def person(key, roles, site):
        user = UserFactory(email=f"{key}@example.com", roles=[role.value for role in roles])
        SiteMembershipFactory(site=site, user=user)
        return user

    return {
        "trainee": person("trainee", [Role.TRAINEE], riverside),
        "lay_tutor": person("lay.tutor", [Role.LAY_TUTOR], riverside),
        "clinical_tutor": person("clinician", [Role.CLINICAL_TUTOR], riverside),
        "other_lead": person("other.lead", [Role.PROGRAMME_LEAD], hillside),
        "lead": person("lead", [Role.PROGRAMME_LEAD], riverside),
        "site_admin": person("siteadmin", [Role.SITE_ADMINISTRATOR], riverside),
    }


@pytest.fixture
def home_page(db):
    from cms.services import home_page_ensure

    page, _ = home_page_ensure(title="Learning to work in partnership", introduction="Welcome.")
    return page


@pytest.fixture
def authors(people):
    """The co-authors named in content/ and in the small test curricula."""
    return {"lay": people["lay_tutor"], "clinical": people["clinical_tutor"]}


@pytest.fixture
def elearning(tmp_path, home_page, authors, people):
    """A one-lesson e-learning module whose lesson has a knowledge check; the Riverside trainee
    is enrolled. Returns (module, lesson)."""
    from cms.curricula.files import parse_curricula
    from cms.curricula.loading import curricula_load
    from cms.models import LessonPage, ModulePage
    from courses.elearning import services
    from tests.assessments.curricula_builders import elearning_curriculum

    curricula_load(programmes=parse_curricula(elearning_curriculum(tmp_path / "e", lessons=1)))
    module = ModulePage.objects.get(slug="preparing")
    lesson = LessonPage.objects.child_of(module).get()
    services.enrolment_create(trainee=people["trainee"], module_id=module.pk)
    return module, lesson


@pytest.fixture
def small_curriculum(tmp_path, home_page, authors):
    """A loaded curriculum: one patient module paired with one professional module."""
    from cms.curricula.files import parse_curricula
    from cms.curricula.loading import curricula_load
    from tests.curricula_builders import small_curriculum as write_small_curriculum

    root = write_small_curriculum(tmp_path / "curricula")
    curricula_load(programmes=parse_curricula(root))
    return root


@pytest.fixture
def programmes(home_page):
    """Two live programme pages: patient and professional."""
    from cms.curricula.vocabulary import Track
    from tests.factories import programme_page

    return {
        "patient": programme_page(title="Moving on Together", track=Track.PATIENT),
        "professional": programme_page(title="Working in Partnership", track=Track.PROFESSIONAL),
    }


@pytest.fixture
def workshop(riverside, programmes):
    """A Riverside run of the patient programme with three weekly sessions (Tuesdays 10:00 to
    13:00, from next week), unassigned, and an accredited, available lay and clinical tutor."""
    from courses.models import TutorKind
    from tests.factories import CourseRunFactory, SessionFactory, TutorFactory, VenueFactory

    venue = VenueFactory(site=riverside, name="Riverside Library")
    run = CourseRunFactory(
        site=riverside, venue=venue, programme=programmes["patient"], title="Spring group"
    )
    sessions = [SessionFactory(run=run, number=n) for n in (1, 2, 3)]
    return {
        "site": riverside,
        "venue": venue,
        "run": run,
        "sessions": sessions,
        "programme": programmes["patient"],
        "lay": TutorFactory(site=riverside, kind=TutorKind.LAY, accredited_for=[run.programme]),
        "clinical": TutorFactory(
            site=riverside, kind=TutorKind.CLINICAL, accredited_for=[run.programme]
        ),
    }


@pytest.fixture
def notify(settings):
    """A local stand-in for GOV.UK Notify (tests/notify_server.py) on a free port, with the
    site's Notify settings pointing at it: texts go through the real client to it."""
    from tests.notify_server import TEMPLATE_ID, FakeNotify

    server = FakeNotify().start()
    settings.NOTIFY_API_KEY = server.api_key
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_TEMPLATE_DEFAULT = TEMPLATE_ID
    settings.NOTIFY_CALLBACK_TOKEN = "callback-token-for-tests"  # noqa: S105
    settings.NOTIFY_TIMEOUT_SECONDS = 2
    yield server
    server.stop()
