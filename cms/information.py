"""The starting text of the footer's information pages. `setup_demo` creates each page once, if
it is missing; the organisation then edits it in the CMS and a later run never overwrites it.

The text says only what this system does: what it keeps, who sees it, which cookies it sets
(cms/settings: Django's session and CSRF cookies and its messages cookie, nothing else).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class StartingPage:
    slug: str
    title: str
    body: str
    show_site_contacts: bool = False
    show_retention_periods: bool = False


CONTACT_US = """
Each course is run by a delivery site, such as a health board. The site's programme leads plan the
courses, book the venues and answer questions about them.

If you are booked on a course, or on its waiting list, the quickest way to reach the organisers is
the **Send a message to the organisers** link on the course's page. Your message goes to the
site's programme leads, and they reply to your email address.

You can also phone or email your site. Their details are below.
"""

PRIVACY_NOTICE = """
This notice explains what this service keeps about you, why, and who can see it.

## Who we are

This service is used by the delivery sites listed on the Contact us page to run courses taught
together by people living with a long-term condition and health professionals. The site that runs
your course looks after the information about you on that course.

## What we keep

- **Your account**: your name, your email address, and whether you are joining as someone living
  with a long-term condition, as a health or care professional, or both. Your password is stored
  only in a scrambled form that cannot be turned back into the password.
- **Your bookings**: the courses you booked, joined the waiting list for or left, and when, and
  what you told us you need to take part (such as a hearing loop or someone coming with you).
- **Your attendance**: whether you came to each session, as your tutors mark it on the register.
- **Your learning**: the e-learning lessons you finished, your knowledge check answers and your
  certificates.
- **Your reflections**: your answers to the questions before and after a course.
- **Messages you send** to the organisers of a course, and the emails we send you.

## Why we keep it

To book you on courses, remind you of sessions, tell you about changes, record that you finished
a course, and show you and the programme how your confidence changed. We do not sell it or use it
for advertising.

## Who can see it

- **You** see everything on your own pages.
- **Your tutors** see the names of the people booked on the sessions they teach, what they
  need to take part, and mark attendance. They see the written answers in your reflections only if you say they may, and
  never with your name.
- **Your site's programme leads and site administrators** see bookings, what people need to
  take part and attendance for their own site; the programme leads also read the messages sent
  to the organisers. They see reflections only as totals and as exports that carry a code, never
  your name or email address.
- **System administrators** look after the service and can see what is needed to keep it
  working.

Emails are kept in the service's outbox until they are sent, then deleted after the period below.

## Your choices

You can download everything we keep about you, as one file, from **Your account** (*Download
everything we hold about you*), and download or erase your reflection answers from **My
reflections**. You can erase your whole account from **Your account**: your name, email address,
bookings to come, what you told us you need and the words you wrote go; that you came to sessions
and finished courses, and your ratings, stay without your name so the programme's totals do not
change. To ask for a copy in writing, to correct anything, or to ask by letter, contact the
programme lead of your site: their details are on the Contact us page.

## How long we keep it
"""

ACCESSIBILITY_STATEMENT = """
We want everyone to be able to use this service, including people who use a screen reader,
a keyboard instead of a mouse, a magnifier, or a small phone screen.

## How we build it

- We aim to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA.
- Pages use the NHS.UK design system (NHS.UK frontend), which is built and tested for
  accessibility and which many patients and NHS staff already know.
- Every page works on a screen 320 pixels wide, can be used with a keyboard alone, and has
  headings, labels and error messages that screen readers announce.
- We check pages with automated accessibility tests each time the service changes. Automated
  tests do not find every problem, so please tell us about any you meet.

## Parts that may be harder to use

- Certificates are also offered as PDF files, which some screen readers read less well than web
  pages: the same certificate is always available as a web page.
- The editing screens staff use to write curricula are provided by the Wagtail content
  management system and are outside this statement.

## Tell us about a problem

If something is hard to use, or you need information in another format, contact the programme
lead of your site (their details are on the Contact us page), or send the organisers a message
from your course's page. Say which page you were on and what went wrong. We will tell you what we
can do and when.
"""

COOKIES = """
Cookies are small files a website stores on your device. This service uses only the cookies it
needs to work. It does not use cookies for analytics or advertising, and it sets no cookies from
other companies.

## The cookies we set

| Name | What it is for | How long it lasts |
|---|---|---|
| `sessionid` | Keeps you signed in as you move from page to page | Until you sign out, and at most two weeks |
| `csrftoken` | Protects forms, so another website cannot send them in your name | One year |
| `messages` | Holds a one-off message, such as "Your place is booked", until the next page shows it | Until that page is shown |

Because these cookies are needed for the service to work, we do not ask you to accept them.
Staff using the editing screens may also get a cookie that remembers whether the side menu is
open.
"""

STARTING_PAGES = [
    StartingPage("contact-us", "Contact us", CONTACT_US, show_site_contacts=True),
    StartingPage("privacy-notice", "Privacy notice", PRIVACY_NOTICE, show_retention_periods=True),
    StartingPage("accessibility-statement", "Accessibility statement", ACCESSIBILITY_STATEMENT),
    StartingPage("cookies", "Cookies", COOKIES),
]
