"""A new professional takes the e-learning module from enrolment to a certificate anyone can check.

They sign up, enrol on "Preparing for partnership" from the public pages, work through every lesson
and its knowledge check (one check is failed once first, one is submitted empty, one is answered
with the keyboard alone), download their certificate as a PDF, and a visitor who is not signed in
checks its code. The right answers are read from the lesson files in content/curricula/, as the
demo site loads them. Every page the learner and the visitor reach is checked with axe-core.
"""

import re
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from playwright.sync_api import expect

from .test_journeys import check, new_password, sign_in, sign_up_and_verify, unique_email

pytestmark = pytest.mark.e2e

CURRICULA = Path(__file__).resolve().parents[2] / "content" / "curricula"
PROGRAMME_DIR = CURRICULA / "working-in-partnership"
MODULE_DIR = PROGRAMME_DIR / "08-preparing-for-partnership"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)

# The name sign_up_and_verify gives every new account.
FULL_NAME = "Robin Journey"
# Tab presses allowed to reach the first answer of a knowledge check from the top of the page.
MAX_TABS = 150


def front_matter(path):
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path} has no front matter"
    return yaml.safe_load(match.group(1))


class Option(NamedTuple):
    text: str
    correct: bool


class Question(NamedTuple):
    label: str  # as the form's legend shows it: "Question 1: ..."
    kind: str  # "single" or "multiple"
    options: tuple[Option, ...]

    @property
    def right(self):
        return [option.text for option in self.options if option.correct]

    @property
    def wrong(self):
        """A wrong answer: the first wrong option, or every wrong option of a multiple choice."""
        wrong = [option.text for option in self.options if not option.correct]
        return wrong[:1] if self.kind == "single" else wrong


class Lesson(NamedTuple):
    number: int
    title: str
    pass_mark: int
    questions: tuple[Question, ...]


def lessons_of(module_dir):
    """The module's lessons in file-name order, each with its knowledge check."""
    lessons = []
    paths = sorted(path for path in module_dir.glob("*.md") if path.name != "module.md")
    for number, path in enumerate(paths, start=1):
        fields = front_matter(path)
        knowledge_check = fields["knowledge_check"]
        questions = tuple(
            Question(
                label=f"Question {index}: {question['text']}",
                kind=question.get("kind", "single"),
                options=tuple(
                    Option(option["text"], bool(option.get("correct")))
                    for option in question["options"]
                ),
            )
            for index, question in enumerate(knowledge_check["questions"], start=1)
        )
        lessons.append(Lesson(number, fields["title"], knowledge_check["pass_mark"], questions))
    return lessons


PROGRAMME = front_matter(PROGRAMME_DIR / "programme.md")["title"]
MODULE = front_matter(MODULE_DIR / "module.md")["title"]
LESSONS = lessons_of(MODULE_DIR)
# Failed once before it is passed.
FAIL_FIRST = 2
# Submitted with nothing chosen first.
EMPTY_FIRST = 1
# Answered with the keyboard alone, in a second browser: the first lesson whose questions are all
# radios, so arrow keys choose within each question and Tab moves to the next.
BY_KEYBOARD = next(
    lesson.number
    for lesson in LESSONS
    if lesson.number not in {FAIL_FIRST, EMPTY_FIRST}
    and all(question.kind == "single" for question in lesson.questions)
)
# My learning is visited half way through, to see the progress saved.
HALF_WAY = len(LESSONS) // 2


# --- the knowledge check -------------------------------------------------------------------------


def check_form(page):
    return page.locator("form").filter(has=page.get_by_role("button", name="Check my answers"))


def question_group(page, question):
    return check_form(page).get_by_role("group", name=question.label, exact=True)


def choose(page, question, texts):
    """Click the label of each option, as a person would, and see its box or circle ticked."""
    group = question_group(page, question)
    for text in texts:
        group.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).click()
        expect(group.get_by_label(text, exact=True)).to_be_checked()


def submit_answers(page, lesson, *, wrong=False):
    for question in lesson.questions:
        choose(page, question, question.wrong if wrong else question.right)
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="Your answers")).to_be_visible()


def expect_passed(page, lesson):
    count = len(lesson.questions)
    expect(page.get_by_text(f"You got {count} of {count} right.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You passed this knowledge check.")
    expect(page.get_by_text("You got this right.")).to_have_count(count)
    # Passed: no form, and the lesson can be finished.
    expect(page.get_by_role("button", name="Check my answers")).to_have_count(0)
    expect(page.get_by_role("button", name="I've finished this lesson")).to_be_visible()


def expect_lesson(page, lesson):
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(lesson.title)
    expect(main.get_by_text(f"{MODULE}: lesson {lesson.number} of {len(LESSONS)}")).to_be_visible()
    # The list of all lessons marks those already finished.
    all_lessons = main.locator("h2:text-is('All lessons in this module') + ol")
    for other in LESSONS:
        item = all_lessons.get_by_role("listitem").filter(has_text=other.title)
        if other.number < lesson.number:
            expect(item).to_contain_text("Finished")
        else:
            expect(item).not_to_contain_text("Finished")


# --- each kind of lesson -------------------------------------------------------------------------


def submit_nothing_then_pass(page, screenshot, lesson):
    page.get_by_role("button", name="Check my answers").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # nhsuk-frontend moves focus to the summary
    first = lesson.questions[0]
    link = summary.get_by_role("link", name=re.compile(r"^Answer question 1: choose"))
    expect(link).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(len(lesson.questions))
    # Each question says what is wrong beside its own answers, too.
    expect(question_group(page, first)).to_contain_text("Error: Answer question 1: choose")
    check(page, screenshot, f"lesson-{lesson.number}-nothing-chosen")

    link.click()
    expect(question_group(page, first).locator("input").first).to_be_focused()
    submit_answers(page, lesson)


def fail_then_pass(page, screenshot, lesson):
    count = len(lesson.questions)
    submit_answers(page, lesson, wrong=True)
    expect(
        page.get_by_text(f"You got 0 of {count} right. You need {lesson.pass_mark} to pass.")
    ).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You have not passed this time.")
    expect(page.get_by_text("You did not get this right.")).to_have_count(count)
    # The check is offered again, empty, and the lesson cannot be finished yet.
    expect(check_form(page)).to_be_visible()
    for question in lesson.questions:
        expect(question_group(page, question).locator("input:checked")).to_have_count(0)
    expect(page.get_by_role("button", name="I've finished this lesson")).to_have_count(0)
    expect(
        page.get_by_text("Pass the knowledge check above to finish this lesson.")
    ).to_be_visible()
    check(page, screenshot, f"lesson-{lesson.number}-not-passed")

    submit_answers(page, lesson)


def pass_by_keyboard(new_page, screenshot, address, password, lesson):
    """In a second browser, the same person answers every question with Tab, Space and arrows."""
    keyboard_page = new_page()
    sign_in(keyboard_page, address, password)
    keyboard_page.goto("/learn/")
    keyboard_page.get_by_role("button", name=re.compile(r"^Carry on")).click()
    expect_lesson(keyboard_page, lesson)

    first_radio = question_group(keyboard_page, lesson.questions[0]).get_by_role("radio").first
    for _ in range(MAX_TABS):
        keyboard_page.keyboard.press("Tab")
        if first_radio.evaluate("radio => radio === document.activeElement"):
            break
    else:
        raise AssertionError(f"{MAX_TABS} presses of Tab did not reach the first answer")

    for index, question in enumerate(lesson.questions):
        if index:
            keyboard_page.keyboard.press("Tab")  # on to the next question's first answer
        radios = question_group(keyboard_page, question).get_by_role("radio")
        expect(radios.first).to_be_focused()
        keyboard_page.keyboard.press("Space")
        expect(radios.first).to_be_checked()
        right = [option.correct for option in question.options].index(True)
        for _ in range(right):
            keyboard_page.keyboard.press("ArrowDown")
        expect(radios.nth(right)).to_be_checked()
        expect(radios.nth(right)).to_be_focused()

    keyboard_page.keyboard.press("Tab")
    expect(keyboard_page.get_by_role("button", name="Check my answers")).to_be_focused()
    screenshot(keyboard_page, f"lesson-{lesson.number}-keyboard-answers")
    keyboard_page.keyboard.press("Enter")
    expect(keyboard_page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect_passed(keyboard_page, lesson)
    screenshot(keyboard_page, f"lesson-{lesson.number}-keyboard-passed")


# --- the journey ---------------------------------------------------------------------------------


def test_new_professional_completes_the_elearning_and_gets_a_certificate_that_verifies(
    page, new_page, screenshot, base_url, mail_dir
):
    """A new professional signs up, enrols, works through every lesson, passes the check after
    one failed attempt, and downloads a certificate whose code verifies."""
    assert len(LESSONS) == 6, [lesson.title for lesson in LESSONS]
    address, password = unique_email("elearning"), new_password()

    # 1. A new account starts at My learning with nothing in it.
    sign_up_and_verify(page, screenshot, base_url, mail_dir, address, password)
    expect(page.get_by_text("You are not enrolled on anything yet.")).to_be_visible()

    # 2. From the home page to the e-learning module, and enrol.
    page.goto("/")
    page.get_by_role("link", name=PROGRAMME, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
    check(page, screenshot, "programme")
    page.get_by_role("link", name=MODULE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE)
    for lesson in LESSONS:
        expect(
            page.get_by_role("main").get_by_role("link", name=lesson.title, exact=True)
        ).to_be_visible()
    check(page, screenshot, "module")
    page.get_by_role("button", name="Enrol on this e-learning").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/learn/modules/\d+/lessons/\d+/$"))
    expect(page.get_by_role("status").filter(has_text="You are enrolled on")).to_have_text(
        f"Information: You are enrolled on {MODULE}. Start with the first lesson."
    )

    # 3. Every lesson, in order.
    for lesson in LESSONS:
        expect_lesson(page, lesson)
        expect(page.get_by_role("button", name="I've finished this lesson")).to_have_count(0)
        if lesson.number == 1:
            check(page, screenshot, "lesson-1")

        if lesson.number == EMPTY_FIRST:
            submit_nothing_then_pass(page, screenshot, lesson)
        elif lesson.number == FAIL_FIRST:
            fail_then_pass(page, screenshot, lesson)
        elif lesson.number == BY_KEYBOARD:
            pass_by_keyboard(new_page, screenshot, address, password, lesson)
            page.reload()
            expect(page.get_by_text("You have passed this check.")).to_be_visible()
        else:
            submit_answers(page, lesson)
        if lesson.number != BY_KEYBOARD:
            expect_passed(page, lesson)
        if lesson.number in {EMPTY_FIRST, FAIL_FIRST}:
            check(page, screenshot, f"lesson-{lesson.number}-passed")

        page.get_by_role("button", name="I've finished this lesson").click()
        if lesson.number == len(LESSONS):
            break
        expect(page.get_by_role("status").filter(has_text="Lesson finished")).to_have_text(
            "Information: Lesson finished. Your progress is saved."
        )

        if lesson.number == HALF_WAY:
            # My learning shows how far they have got, and takes them on to the next lesson.
            page.get_by_role("navigation", name="Back").get_by_role("link").click()
            expect(page).to_have_url(f"{base_url}/learn/")
            main = page.get_by_role("main")
            expect(main.get_by_text(f"{HALF_WAY} of {len(LESSONS)} lessons done")).to_be_visible()
            expect(main.get_by_text(f"Next: {LESSONS[HALF_WAY].title}")).to_be_visible()
            expect(main.locator("progress")).to_have_attribute("value", str(HALF_WAY))
            check(page, screenshot, "my-learning-half-way")
            main.get_by_role("button", name=re.compile(r"^Carry on")).click()

    # 4. Completed: My learning offers the certificate.
    expect(page).to_have_url(f"{base_url}/learn/")
    expect(page.get_by_role("status").filter(has_text="You have completed")).to_have_text(
        f"Information: You have completed {MODULE}. Your certificate is ready to download."
    )
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Finished")).to_be_visible()
    expect(main.get_by_role("heading", name="Now", exact=True)).to_have_count(0)
    check(page, screenshot, "my-learning-completed")

    main.get_by_role("link", name=f"View your certificate for {MODULE}").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/learn/certificates/\w+/$"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Certificate of completion")
    expect(main.get_by_text(FULL_NAME, exact=True)).to_be_visible()
    expect(main.get_by_text(MODULE, exact=True)).to_be_visible()
    code = re.search(r"Verification code: (\w+)", main.inner_text()).group(1)
    assert page.url.endswith(f"/learn/certificates/{code}/")
    issued = re.search(r"\bon (\d{1,2} [A-Z][a-z]+ \d{4})\b", main.inner_text()).group(1)
    expect(main.get_by_text(f"{base_url}/certificates/{code}/")).to_be_visible()
    check(page, screenshot, "certificate")

    with page.expect_download() as download_info:
        main.get_by_role("button", name="Download as PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{code}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    # 5. Anyone can check the code, and learns the name, module and date, nothing more.
    visitor = new_page()
    visitor.goto("/certificates/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    check(visitor, screenshot, "check-a-certificate")
    visitor.get_by_label("Verification code").fill(code)
    visitor.get_by_role("button", name="Check", exact=True).click()
    expect(visitor).to_have_url(f"{base_url}/certificates/{code}/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", name="This certificate is genuine")).to_be_visible()
    for key, value in {
        "Name": FULL_NAME,
        "Completed": MODULE,
        "Date": issued,
        "Code": code,
    }.items():
        row = main.locator(".nhsuk-summary-list__row").filter(
            has=visitor.locator("dt", has_text=re.compile(rf"^{key}$"))
        )
        expect(row.locator("dd")).to_have_text(value)
    assert address.lower() not in visitor.content().lower()
    check(visitor, screenshot, "certificate-genuine")
