"""Whether a site is closed on a day, and why: its nation's public holidays, the days it closed
itself, and the public holidays it opened."""

from datetime import date

import pytest

from courses.models import ClosedDay, Nation
from courses.sites.closed_days import closure_on, closures, public_holidays
from tests.factories import SiteFactory

# Easter 2027: Good Friday 26 March, Easter Monday 29 March.
GOOD_FRIDAY = date(2027, 3, 26)
EASTER_MONDAY = date(2027, 3, 29)


@pytest.mark.parametrize(
    ("nation", "day", "name"),
    [
        (Nation.ENGLAND_AND_WALES, EASTER_MONDAY, "Easter Monday"),
        (Nation.ENGLAND_AND_WALES, GOOD_FRIDAY, "Good Friday"),
        (Nation.SCOTLAND, GOOD_FRIDAY, "Good Friday"),
        (Nation.SCOTLAND, date(2027, 1, 2), "New Year Holiday"),
        (Nation.SCOTLAND, date(2027, 11, 30), "Saint Andrew's Day"),
        (Nation.NORTHERN_IRELAND, date(2027, 3, 17), "Saint Patrick's Day"),
        (Nation.NORTHERN_IRELAND, EASTER_MONDAY, "Easter Monday"),
    ],
)
def test_a_site_is_closed_on_its_nations_public_holidays(db, nation, day, name):
    site = SiteFactory(nation=nation)

    closure = closure_on(site=site, day=day)

    assert closure.public_holiday
    assert closure.why == f"{name} (public holiday)"


@pytest.mark.parametrize(
    ("nation", "day"),
    [
        # The 2nd of January is a holiday in Scotland only; Easter Monday is not one there.
        (Nation.ENGLAND_AND_WALES, date(2027, 1, 2)),
        (Nation.NORTHERN_IRELAND, date(2027, 1, 2)),
        (Nation.SCOTLAND, EASTER_MONDAY),
        (Nation.ENGLAND_AND_WALES, date(2027, 3, 17)),
        (Nation.SCOTLAND, date(2027, 3, 17)),
        (Nation.ENGLAND_AND_WALES, date(2027, 3, 30)),
    ],
)
def test_a_site_is_open_on_another_nations_holidays_and_on_ordinary_days(db, nation, day):
    assert closure_on(site=SiteFactory(nation=nation), day=day) is None


def test_a_new_site_keeps_the_holidays_of_england_and_wales(db):
    assert SiteFactory().nation == Nation.ENGLAND_AND_WALES


def test_a_site_can_open_a_public_holiday(db):
    site = SiteFactory()
    ClosedDay.objects.create(site=site, date=EASTER_MONDAY, kind=ClosedDay.Kind.OPEN)

    assert closure_on(site=site, day=EASTER_MONDAY) is None
    assert closure_on(site=site, day=GOOD_FRIDAY).why == "Good Friday (public holiday)"


def test_a_site_closes_another_day_and_says_why(db):
    site = SiteFactory()
    ClosedDay.objects.create(site=site, date=date(2027, 3, 30), reason="Staff training")
    ClosedDay.objects.create(site=site, date=date(2027, 3, 31))

    assert closure_on(site=site, day=date(2027, 3, 30)).why == "closed by the site (Staff training)"
    assert closure_on(site=site, day=date(2027, 3, 31)).why == "closed by the site"


def test_a_site_that_closes_a_public_holiday_itself_gives_its_own_reason(db):
    site = SiteFactory()
    ClosedDay.objects.create(site=site, date=EASTER_MONDAY, reason="Venue closed all week")

    closure = closure_on(site=site, day=EASTER_MONDAY)

    assert not closure.public_holiday
    assert (
        closure.skipped
        == "Skipped Monday 29 March 2027: closed by the site (Venue closed all week)"
    )


def test_another_sites_rows_change_nothing(db):
    site, other = SiteFactory(), SiteFactory()
    ClosedDay.objects.create(site=other, date=EASTER_MONDAY, kind=ClosedDay.Kind.OPEN)
    ClosedDay.objects.create(site=other, date=date(2027, 3, 30), reason="Not ours")

    assert closure_on(site=site, day=EASTER_MONDAY) is not None
    assert closure_on(site=site, day=date(2027, 3, 30)) is None


def test_the_closed_days_of_a_period_are_in_date_order_with_their_words(db):
    site = SiteFactory()
    ClosedDay.objects.create(site=site, date=date(2027, 3, 27), reason="Fire drill")

    found = closures(site=site, first=date(2027, 3, 1), last=date(2027, 4, 30))

    assert [closure.skipped for closure in found.values()] == [
        "Skipped Friday 26 March 2027: Good Friday (public holiday)",
        "Skipped Saturday 27 March 2027: closed by the site (Fire drill)",
        "Skipped Monday 29 March 2027: Easter Monday (public holiday)",
    ]


def test_public_holidays_across_years_and_only_inside_the_period():
    found = public_holidays(
        nation=Nation.ENGLAND_AND_WALES, first=date(2026, 12, 24), last=date(2027, 1, 1)
    )

    assert found == {
        date(2026, 12, 25): "Christmas Day",
        date(2026, 12, 26): "Boxing Day",
        date(2026, 12, 28): "Boxing Day (observed)",
        date(2027, 1, 1): "New Year's Day",
    }


def test_the_closed_days_of_a_period_take_one_query_however_long_it_is(
    db, django_assert_num_queries
):
    site = SiteFactory()
    for month in range(1, 13):
        ClosedDay.objects.create(site=site, date=date(2027, month, 10))

    with django_assert_num_queries(1):
        short = closures(site=site, first=date(2027, 1, 1), last=date(2027, 1, 31))
    with django_assert_num_queries(1):
        long = closures(site=site, first=date(2026, 1, 1), last=date(2028, 12, 31))

    assert len(short) == 2
    assert len(long) > 12 + 20
