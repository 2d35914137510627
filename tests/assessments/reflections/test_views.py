"""The trainee's reflection pages: the list, the form (drafts, sending, errors), the read-only
view, closed and not-yet-open pages, the download, erasure, and privacy: only their own."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import errors
from assessments.models import Answer, Erasure, Response
from assessments.reflections import responses, windows
from cms.templatetags.wording import deadline
from tests.assessments.answering_builders import (
    AFTER,
    BEFORE,
    counts,
    everything_open,
    make_course,
    offered,
    open_for,
)
from tests.factories import UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LIST = "/reflections/"
DOWNLOAD = "/reflections/download/"
ERASE = "/reflections/erase/"


def window(opens_in_days=-1, closes_in_days=7):
    now = timezone.now()
    return windows.Window(
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=None if closes_in_days is None else now + timedelta(days=closes_in_days),
    )


def answer_url(administration):
    return f"/reflections/{administration.pk}/"


@pytest.fixture
def trainee(people):
    return people["trainee"]


@pytest.fixture
def course(programmes):
    return make_course(programme=programmes["patient"])


@pytest.fixture
def both_open(course, trainee):
    with (
        offered({trainee: [course.before, course.after]}),
        open_for({trainee: {course.before.pk: window(), course.after.pk: window()}}),
    ):
        yield course


@pytest.fixture
def signed_in(client, trainee):
    client.force_login(trainee)
    return client


def send(course, person, by_key, *, phase="before", submit=True, share=None):
    return responses.response_save(
        administration_id=(course.before if phase == "before" else course.after).pk,
        respondent=person,
        answers=course.answers(by_key),
        share_with_tutors=share,
        submit=submit,
    )


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- signing in and privacy -------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, DOWNLOAD, ERASE, "/reflections/1/"])
def test_pages_need_signing_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "role", ["lay_tutor", "clinical_tutor", "lead", "other_lead", "site_admin"]
)
def test_nobody_else_can_open_or_answer_a_trainees_reflection(client, people, both_open, role):
    trainee = people["trainee"]
    send(both_open, trainee, BEFORE)
    client.force_login(people[role])
    stored = counts()

    for administration in (both_open.before, both_open.after):
        assert client.get(answer_url(administration)).status_code == 404
        posted = client.post(answer_url(administration), both_open.post(BEFORE))
        assert posted.status_code == 404
    assert counts() == stored
    # Their own list, download and erasure show and touch nothing of the trainee's.
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert both_open.before.label not in listing.content.decode()
    assert client.get(DOWNLOAD).content.decode().count("\n") == 1  # the header row only
    assert client.post(ERASE).status_code == 302
    assert counts() == stored


def test_another_trainees_administration_is_not_found_on_every_route(client, people, programmes):
    trainee, neighbour = people["trainee"], UserFactory(roles=["trainee"])
    mine, theirs = (
        make_course(programme=programmes["patient"]),
        make_course(programme=programmes["patient"], label="Their course"),
    )
    with (
        offered({trainee: [mine.before], neighbour: [theirs.before]}),
        open_for({trainee: {mine.before.pk: window()}, neighbour: {theirs.before.pk: window()}}),
    ):
        send(theirs, neighbour, BEFORE)
        client.force_login(trainee)
        stored = counts()

        assert client.get(answer_url(theirs.before)).status_code == 404
        assert client.get(answer_url(theirs.after)).status_code == 404
        assert client.post(answer_url(theirs.before), theirs.post(BEFORE)).status_code == 404
        assert client.post(answer_url(theirs.after), theirs.post(AFTER)).status_code == 404
        listing = text_of(client.get(LIST))
        download = client.get(DOWNLOAD).content.decode()
        client.post(ERASE)

    assert "Their course" not in listing
    assert "Their course" not in download
    assert counts() == stored  # the trainee had nothing; the neighbour's answers are untouched


@pytest.mark.parametrize("administration_id", ["999999", "99999999999999999999999"])
def test_an_administration_that_does_not_exist_is_not_found(signed_in, administration_id):
    assert signed_in.get(f"/reflections/{administration_id}/").status_code == 404
    assert signed_in.post(f"/reflections/{administration_id}/", {}).status_code == 404


# --- the list ---------------------------------------------------------------------------------


def test_the_list_says_when_there_is_nothing_yet(signed_in):
    with offered({}):
        page = text_of(signed_in.get(LIST))

    assert "You have no reflections yet." in page
    assert "To do now" not in page
    assert 'href="/reflections/download/"' in page
    assert 'href="/reflections/erase/"' in page


def test_the_list_shows_what_is_due_coming_up_sent_and_closed(signed_in, trainee, programmes):
    due, draft, later, sent, missed = [
        make_course(programme=programmes["patient"], label=label)
        for label in ["Due course", "Draft course", "Later course", "Sent course", "Missed course"]
    ]
    closes = timezone.localtime(timezone.now() + timedelta(days=3))
    opens = timezone.localtime(timezone.now() + timedelta(days=5))
    with (
        offered({trainee: [due.before, draft.before, later.before, sent.before, missed.before]}),
        open_for(
            {
                trainee: {
                    due.before.pk: windows.Window(timezone.now() - timedelta(days=1), closes),
                    draft.before.pk: window(),
                    later.before.pk: windows.Window(opens, opens + timedelta(days=9)),
                    sent.before.pk: window(),
                    missed.before.pk: window(opens_in_days=-9, closes_in_days=-2),
                }
            }
        ),
    ):
        send(draft, trainee, {"a1": "3"}, submit=False)
        send(sent, trainee, BEFORE)
        page = text_of(signed_in.get(LIST))

    assert f'<a class="nhsuk-link" href="{answer_url(due.before)}">Start' in page
    assert f'<a class="nhsuk-link" href="{answer_url(draft.before)}">Continue' in page
    assert f"Please answer by {deadline(closes)}." in page
    assert "Coming up" in page
    assert f"Opens at {opens:%H:%M} on {opens:%A} {opens.day} {opens:%B %Y}" in page
    assert f'href="{answer_url(later.before)}"' not in page
    assert f'href="{answer_url(sent.before)}">Read your answers' in page
    assert "Missed course" in page and f'href="{answer_url(missed.before)}"' not in page
    assert "Your change" not in page  # no after sent yet


def test_the_list_shows_the_persons_own_change(signed_in, trainee, both_open):
    send(both_open, trainee, BEFORE)
    send(both_open, trainee, AFTER, phase="after", share=True)

    page = text_of(signed_in.get(LIST))

    assert "Your change" in page
    assert "Your confidence in agenda setting went from 4.5 to 8.5 out of 10." in page
    assert "Your enabling rather than relieving went from 2 to 5 out of 5." in page


def list_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(LIST).status_code == 200


def test_the_list_takes_the_same_queries_however_many_reflections(
    signed_in, trainee, programmes, django_assert_num_queries
):
    with offered({trainee: []}) as offered_to, everything_open():
        for count in (1, 5):
            while len(offered_to[trainee.pk]) < 2 * count:
                course = make_course(programme=programmes["patient"], label=f"Course {count}")
                offered_to[trainee.pk].extend([course.before, course.after])
                send(course, trainee, BEFORE)
                send(course, trainee, AFTER, phase="after", share=True)
            # session, user, the user's roles for the menu; the person's responses, the
            # administrations (the resolver here takes none), their change and the tops of its
            # scales
            list_queries(signed_in, django_assert_num_queries, 7)


# --- the form -------------------------------------------------------------------------------


def test_the_before_form_numbers_its_questions_in_fieldsets(signed_in, both_open):
    page = text_of(signed_in.get(answer_url(both_open.before)))

    assert page.count("<fieldset") == 5  # a1 a2 e1 e2 heard; nothing asked after only
    assert page.count("<legend") == 5
    assert "Question 1</span> How confident are you to say what you want to talk about?" in page
    assert "Question 5</span> How did you hear about the course?" in page
    assert "Looking back to before the course" not in page
    assert "<textarea" not in page
    assert "May your tutors read" not in page  # nothing written is asked before
    # Every point is a labelled radio: unlabelled middle points by their number, the ends with
    # their words next to the number.
    a1 = both_open.id("a1")
    assert f'id="id_item-{a1}" value="0"' not in page  # value comes before id in the markup
    assert re.search(
        rf'value="0" id="id_item-{a1}">\s*<label [^>]*for="id_item-{a1}">0: Not at all confident</label>',
        page,
    )
    assert re.search(
        rf'value="5" id="id_item-{a1}_5">\s*<label [^>]*for="id_item-{a1}_5">5</label>', page
    )
    assert f'for="id_item-{a1}_10">10: Completely confident</label>' in page
    assert "Send your answers" in page and "Save and come back later" in page


def test_the_after_form_has_looking_back_written_and_consent_questions(signed_in, both_open):
    page = text_of(signed_in.get(answer_url(both_open.after)))

    assert page.count("Looking back to before the course") == 2  # a-retro, then e-retro
    assert f'<textarea class="nhsuk-textarea" id="id_item-{both_open.id("hope")}"' in page
    assert "May your tutors read your written answers, without your name?" in page
    assert "Question 7</span> What has changed for you?" in page
    assert "How did you hear" not in page


def test_saving_a_draft_keeps_the_answers_and_says_until_when(signed_in, trainee, both_open):
    response = signed_in.post(
        answer_url(both_open.after),
        both_open.post({"a1": "7", "hope": "Less worried."}, action="save"),
        follow=True,
    )

    assert response.redirect_chain == [(LIST, 302)]
    closes = timezone.localtime(responses.reflection_for(trainee, both_open.after.pk).closes_at)
    assert (
        f"Saved. You can come back to finish before {closes:%H:%M} on {closes:%A} "
        f"{closes.day} {closes:%B %Y}."
    ) in text_of(response)
    saved = Response.objects.get()
    assert saved.status == Response.Status.DRAFT
    assert {(a.item.key, a.number, a.text) for a in saved.answers.all()} == {
        ("a1", 7, ""),
        ("hope", None, "Less worried."),
    }
    # Coming back, the form shows them.
    page = text_of(signed_in.get(answer_url(both_open.after)))
    assert f'value="7" id="id_item-{both_open.id("a1")}_7" checked' in page
    assert ">Less worried.</textarea>" in page


def test_pressing_enter_or_an_unknown_button_only_saves_a_draft(signed_in, both_open):
    data = both_open.post(BEFORE)
    del data["action"]

    assert signed_in.post(answer_url(both_open.before), data).status_code == 302
    assert (
        signed_in.post(
            answer_url(both_open.before), {**data, "action": "delete everything"}
        ).status_code
        == 302
    )
    assert Response.objects.get().status == Response.Status.DRAFT


def test_a_browser_pressing_enter_uses_a_hidden_save_button(signed_in, both_open):
    # Browsers submit a form on Enter with its first submit button: that one only saves.
    page = signed_in.get(answer_url(both_open.before)).text
    form = page[page.index(f'action="{answer_url(both_open.before)}"') :]
    first = form[form.index("<button") : form.index("</button>")]
    assert 'value="save"' in first
    assert 'tabindex="-1"' in first and 'aria-hidden="true"' in first


def test_sending_shows_a_thank_you_and_then_the_answers_read_only(signed_in, both_open):
    response = signed_in.post(answer_url(both_open.before), both_open.post(BEFORE), follow=True)

    assert response.redirect_chain == [(answer_url(both_open.before), 302)]
    page = text_of(response)
    assert "Thank you. Your answers have been sent." in page
    assert "Your answers" in page
    assert "You can read them, but not change them." in page
    assert "<input" not in page.split("</header>")[1].replace('name="csrfmiddlewaretoken"', "")
    assert "<textarea" not in page
    assert f'action="{answer_url(both_open.before)}"' not in page
    assert "4 out of 5: often" in page and "From my GP" in page
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_sending_again_changes_nothing_and_says_why(signed_in, trainee, both_open):
    send(both_open, trainee, BEFORE)
    stored = counts()

    response = signed_in.post(
        answer_url(both_open.before), both_open.post({**BEFORE, "a1": "10"}), follow=True
    )

    assert errors.ALREADY_SUBMITTED in text_of(response)
    assert counts() == stored
    assert Answer.objects.get(item__key="a1").number == 4


def test_missing_answers_are_summarised_at_the_top_and_named_next_to_each_question(
    signed_in, both_open
):
    stored = counts()

    response = signed_in.post(answer_url(both_open.after), both_open.post({"a1": "5"}))

    assert response.status_code == 400
    assert counts() == stored  # not even a draft
    page = text_of(response)
    assert page.startswith("<!DOCTYPE html>") and page.count("There is a problem") == 1
    assert "<title>Error: " in page
    summary = page.split('nhsuk-error-summary__list">')[1].split("</ul>")[0]
    a2, consent = both_open.id("a2"), responses.CONSENT_FIELD
    assert f'<a href="#id_item-{a2}">Answer question 2: choose one of the points shown.</a>' in (
        summary
    )
    assert f'<a href="#id_{consent}">{errors.CONSENT_REQUIRED}</a>' in summary
    assert "question 7" not in summary  # the written answer is optional
    # The link lands on the question's first radio, and the message sits in its fieldset.
    assert f'value="0" id="id_item-{a2}"' in page
    assert re.search(
        rf'<span class="nhsuk-error-message" id="id_item-{a2}-error">'
        r'<span class="nhsuk-u-visually-hidden">Error:</span> Answer question 2: ',
        page,
    )
    assert f'value="5" id="id_item-{both_open.id("a1")}_5" checked' in page  # kept on the page


def test_a_value_outside_the_scale_is_refused_on_the_page(signed_in, both_open):
    stored = counts()

    response = signed_in.post(answer_url(both_open.before), both_open.post({**BEFORE, "a1": "11"}))

    assert response.status_code == 400
    assert "Question 1: choose one of the points shown." in text_of(response)
    assert counts() == stored


def test_a_forged_item_id_is_refused_on_the_page(signed_in, both_open, programmes):
    other = make_course(programme=programmes["professional"])
    stored = counts()

    for forged in [other.id("a1"), "99999999999999999999999", "x"]:
        response = signed_in.post(
            answer_url(both_open.before), {**both_open.post(BEFORE), f"item-{forged}": "3"}
        )
        assert response.status_code == 400
        assert errors.NOT_AN_ITEM in text_of(response)
    assert counts() == stored


def test_a_written_answer_too_long_is_refused_on_the_page(signed_in, both_open):
    response = signed_in.post(
        answer_url(both_open.after),
        both_open.post({**AFTER, "hope": "x" * 5001}, share_with_tutors="yes"),
    )

    assert response.status_code == 400
    assert "Question 7: write 5000 characters or fewer (you wrote 5001)." in text_of(response)
    assert not Response.objects.exists()


def test_the_consent_choice_is_kept(signed_in, both_open):
    signed_in.post(answer_url(both_open.after), both_open.post(AFTER, share_with_tutors="no"))

    assert Response.objects.get().share_with_tutors is False
    assert 'without your name?</dt> <dd class="nhsuk-summary-list__value">No' in text_of(
        signed_in.get(answer_url(both_open.after))
    )


def test_a_closed_reflection_says_when_it_closed_and_takes_no_answers(signed_in, trainee, course):
    closed = window(opens_in_days=-9, closes_in_days=-1)
    closes = timezone.localtime(closed.closes_at)
    with offered({trainee: [course.before]}), open_for({trainee: {course.before.pk: closed}}):
        page = signed_in.get(answer_url(course.before))
        posted = signed_in.post(answer_url(course.before), course.post(BEFORE), follow=True)

    assert page.status_code == 200
    text = text_of(page)
    assert "This reflection has closed" in text
    assert f"It could be answered until {deadline(closes)}, so answers" in text
    assert '<form method="post" action="/reflections/' not in text
    assert errors.CLOSED.format(date=responses.moment_text(closed.closes_at)) in text_of(posted)
    assert not Response.objects.exists()


def test_a_reflection_not_open_yet_says_when_it_opens(signed_in, trainee, course):
    later = window(opens_in_days=4, closes_in_days=11)
    opens = timezone.localtime(later.opens_at)
    with offered({trainee: [course.before]}), open_for({trainee: {course.before.pk: later}}):
        page = signed_in.get(answer_url(course.before))
        signed_in.post(answer_url(course.before), course.post(BEFORE))

    assert page.status_code == 200
    assert f"It opens at {opens:%H:%M} on {opens:%A} {opens.day} {opens:%B %Y}" in text_of(page)
    assert "<textarea" not in text_of(page) and 'type="radio"' not in text_of(page)
    assert not Response.objects.exists()


def test_a_sent_reflection_stays_readable_after_it_is_no_longer_offered(signed_in, trainee, course):
    with open_for({trainee: {course.before.pk: window()}}):
        send(course, trainee, BEFORE)

    with offered({}):
        assert signed_in.get(answer_url(course.before)).status_code == 200
        assert signed_in.post(answer_url(course.before), course.post(BEFORE)).status_code == 302
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_the_form_takes_the_same_queries_however_many_answers(
    signed_in, trainee, both_open, programmes, django_assert_num_queries
):
    url = answer_url(both_open.after)
    # session, user, the user's roles for the menu; the administration, the response (none yet),
    # the items
    with django_assert_num_queries(6):
        assert signed_in.get(url).status_code == 200
    send(both_open, trainee, AFTER, phase="after", submit=False)
    # ... and the answers so far, however many
    with django_assert_num_queries(7):
        assert signed_in.get(url).status_code == 200
    # Others answering the same administration cost nothing either.
    for _ in range(3):
        other = UserFactory()
        with open_for({other: {both_open.after.pk: window()}}):
            send(both_open, other, AFTER, phase="after", submit=False)
    with django_assert_num_queries(7):
        assert signed_in.get(url).status_code == 200


# --- download and erasure ---------------------------------------------------------------------


def test_a_written_answer_downloads_inert(signed_in, trainee, both_open):
    send(
        both_open,
        trainee,
        {"a1": "9", "hope": "=SUM(A1:A9)"},
        phase="after",
        submit=False,
        share=True,
    )
    rows = list(csv.reader(io.StringIO(signed_in.get(DOWNLOAD).content.decode())))
    assert [row[3] for row in rows if row[2] == "What has changed for you?"] == ["'=SUM(A1:A9)"]


def test_the_download_is_all_their_answers_and_nobody_elses(signed_in, trainee, both_open):
    send(both_open, trainee, BEFORE)
    send(
        both_open,
        trainee,
        {"a1": "9", "hope": 'She said "yes", then; no.'},
        phase="after",
        submit=False,
        share=True,
    )
    neighbour = UserFactory()
    with open_for({neighbour: {both_open.before.pk: window()}}):
        send(both_open, neighbour, {**BEFORE, "heard": "friend"})

    response = signed_in.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="my-reflections-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Reflection", "Before or after", "Question", "Answer", "Sent on"]
    sent_on = timezone.localdate().isoformat()
    label = "Moving on Together at Riverside"
    assert rows[1] == [
        label,
        "Before",
        "How confident are you to say what you want to talk about?",
        "4 out of 10",
        sent_on,
    ]
    assert [row[3] for row in rows[1:]] == [
        "4 out of 10",
        "5 out of 10",
        "2 out of 5: rarely",
        "4 out of 5: often",
        "From my GP",
        "9 out of 10",
        'She said "yes", then; no.',
        "Yes",
    ]
    assert [row[4] for row in rows[6:]] == ["Not sent yet"] * 3
    assert "From a friend" not in response.content.decode()
    assert trainee.email not in response.content.decode()


def test_erasing_explains_first_then_erases_only_their_answers(signed_in, trainee, both_open):
    send(both_open, trainee, BEFORE)
    send(both_open, trainee, {"a1": "3"}, phase="after", submit=False)
    neighbour = UserFactory()
    with open_for({neighbour: {both_open.before.pk: window()}}):
        send(both_open, neighbour, BEFORE)

    page = text_of(signed_in.get(ERASE))
    assert "You have answers to 2 reflections." in page
    assert "Your bookings, your e-learning progress and your certificates are not affected." in (
        page
    )
    assert Response.objects.count() == 3  # looking changes nothing

    response = signed_in.post(ERASE, follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "Your answers to 2 reflections have been erased." in text_of(response)
    assert list(Response.objects.values_list("respondent", flat=True)) == [neighbour.pk]
    assert Erasure.objects.get().responses_erased == 2


def test_erasing_with_nothing_to_erase_says_so(signed_in):
    assert "You have no answers to erase." in text_of(signed_in.get(ERASE))
    assert "You had no answers to erase." in text_of(signed_in.post(ERASE, follow=True))
