"""A site of a journey's own, made on the live site's database, so no other journey's figures or
lists move: a delivery site with a venue, a lead (with the demo authenticator app), an accredited
lay and clinical tutor free on weekdays 9:00 to 21:00, trainees, and one run of Moving on Together
three weeks ahead with both tutors on every session, open for booking."""

import json
from dataclasses import asdict, dataclass

from .test_trainee_journey import on_the_site, result_of


@dataclass(frozen=True)
class JourneySite:
    name: str  # "Northfield": the site is "Northfield Health Board", its slug "northfield"
    lead: tuple[str, str]  # (email, first name)
    lay: tuple[str, str]
    clinician: tuple[str, str]
    trainees: list[tuple[str, str]]  # (email, first name), all living with a condition
    title: str
    weekday: int  # of the run's sessions, 0 = Monday
    start: str  # "14:00"
    minutes: int
    capacity: int
    trainees_join_the_site: bool = True
    postcode: str = "NF1 1AA"
    contact_email: str = ""
    contact_phone: str = ""


MAKE = """
import json
from datetime import time, timedelta
from django.utils import timezone
from cms.models import Audience, ProgrammePage
from cms.roles import Role
from cms.second_factors.services import authenticator_app_ensure
from cms.services import account_ensure
from courses.models import Accreditation, Site, Tutor, TutorKind, Venue, WeeklyAvailability
from courses.sites.services import site_membership_ensure
from courses.workshops import scheduling

given = json.loads({given!r})
password, name = given["password"], given["name"]
site = Site.objects.create(name=f"{{name}} Health Board", slug=name.lower(), nation="SCT",
                           contact_email=given["contact_email"],
                           contact_phone=given["contact_phone"])
venue = Venue.objects.create(site=site, name=f"{{name}} Library", address="1 High Street",
                             postcode=given["postcode"], capacity=20, step_free=True)
lead, _ = account_ensure(email=given["lead"][0], first_name=given["lead"][1], last_name="Lead",
                         roles=[Role.PROGRAMME_LEAD], password=password)
site_membership_ensure(site=site, user=lead)
authenticator_app_ensure(user=lead, secret=given["secret"])
programme = ProgrammePage.objects.live().get(slug="moving-on-together")
today = timezone.localdate()
tutors = {{}}
for kind, (email, first), role in ((TutorKind.LAY, given["lay"], Role.LAY_TUTOR),
                                   (TutorKind.CLINICAL, given["clinician"], Role.CLINICAL_TUTOR)):
    user, _ = account_ensure(email=email, first_name=first, last_name=name, roles=[role],
                             password=password)
    site_membership_ensure(site=site, user=user)
    tutor = Tutor.objects.create(user=user, site=site, kind=kind, monthly_cap=10)
    for weekday in range(5):
        WeeklyAvailability.objects.create(tutor=tutor, weekday=weekday, starts_at=time(9, 0),
                                          ends_at=time(21, 0))
    Accreditation.objects.create(tutor=tutor, programme=programme,
                                 accredited_on=today - timedelta(days=400),
                                 expires_on=today + timedelta(days=730))
    tutors[kind] = tutor
for email, first in given["trainees"]:
    person, _ = account_ensure(email=email, first_name=first, last_name=name,
                               roles=[Role.TRAINEE], password=password,
                               audience=Audience.CONDITION)
    if given["trainees_join_the_site"]:
        site_membership_ensure(site=site, user=person)
first = today + timedelta(weeks=3)
first += timedelta(days=(given["weekday"] - first.weekday()) % 7)
hour, minute = (int(part) for part in given["start"].split(":"))
run = scheduling.run_create(site=site, programme_id=programme.pk, venue_id=venue.pk,
                            title=given["title"], first_date=first, weekday=given["weekday"],
                            start_time=time(hour, minute), session_minutes=given["minutes"],
                            session_count=3, capacity=given["capacity"], minimum_group=1,
                            completion_sessions=2)
for session in run.sessions.order_by("number"):
    for kind, tutor in tutors.items():
        scheduling.session_assign(session=session, tutor_id=tutor.pk, kind=kind)
scheduling.run_open(run=run)
print("RESULT", json.dumps({{"run": run.pk, "first": run.sessions.order_by("number")[0].pk}}))
"""


def journey_site_make(site: JourneySite, *, password: str, secret: str) -> dict:
    """Make `site` on the live site's database; {"run": its run's id, "first": the first
    session's id}."""
    given = json.dumps({**asdict(site), "password": password, "secret": secret})
    return result_of(on_the_site(MAKE.format(given=given)))
