"""The permission matrix: every URL the project defines, visited as every kind of person.

A new URL without a row here fails `test_every_url_has_a_row`. The Wagtail admin has hundreds of
URLs behind one access check; it is represented by a few rows and covered by Wagtail's own tests.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["anonymous", "trainee", "lay_tutor", "clinical_tutor", "other_lead", "lead", "site_admin"]
LOGIN = "login"  # 302 to the sign-in page
AWAY = "away"  # 302 elsewhere: allauth sends signed-in people on from pages for signed-out ones

ALL = {role: 200 for role in ROLES}
# The people the factories give a second factor (tests/factories.py): leads and administrators.
WITH_FACTOR = ("other_lead", "lead", "site_admin")


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=LOGIN):
    return {**everyone(status), "anonymous": anonymous}


# route (as the resolver spells it) -> (a concrete address, expected status per role)
MATRIX = {
    "healthz": ("/healthz", ALL),
    "readyz": ("/readyz", ALL),
    # GOV.UK Notify's delivery receipts: POST only, with its bearer token (tests/cms/test_texts.py).
    "notify/callback/": ("/notify/callback/", everyone(405)),
    "^((?:[\\w\\-]+/)*)$": ("/", ALL),
    "sites/": (
        "/sites/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/": (
        "/sites/riverside/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    # A site's contact details: its leads and administrators change them.
    "sites/<slug:slug>/contact/": (
        "/sites/riverside/contact/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    # Merging two records of one person: the site's leads and administrators.
    "sites/<slug:slug>/people/<int:person_id>/merge/": (
        "/sites/riverside/people/{trainee_id}/merge/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    # Trainees' messages go to the site's programme leads: they alone read them.
    "sites/<slug:slug>/messages/": (
        "/sites/riverside/messages/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    # Referral lists (people/referral_views.py): a site's leads and administrators. The
    # import and referral pages are checked with real rows in tests/courses/people/.
    "sites/<slug:slug>/referrals/": (
        "/sites/riverside/referrals/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/referrals/upload/": (
        "/sites/riverside/referrals/upload/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/referrals/sample.csv": (
        "/sites/riverside/referrals/sample.csv",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/referrals/imports/<int:import_id>/": (
        "/sites/riverside/referrals/imports/999999/",
        {**signed_in(403), "other_lead": 404, "lead": 404, "site_admin": 404},
    ),
    "sites/<slug:slug>/referrals/imports/<int:import_id>/confirm/": (
        "/sites/riverside/referrals/imports/999999/confirm/",
        everyone(405),
    ),
    "sites/<slug:slug>/referrals/<int:referral_id>/outcome/": (
        "/sites/riverside/referrals/999999/outcome/",
        {**signed_in(403), "other_lead": 404, "lead": 404, "site_admin": 404},
    ),
    "curricula/modules/<int:module_id>/side-by-side/": (
        "/curricula/modules/{module_id}/side-by-side/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200, "other_lead": 200, "lead": 200},
    ),
    "curricula/search/": ("/curricula/search/?q=agenda", ALL),
    "learn/": ("/learn/", signed_in(200)),
    "learn/join/": ("/learn/join/", signed_in(200)),
    "learn/progress/": (
        "/learn/progress/",
        {**signed_in(200), "trainee": 403},
    ),
    "learn/invitations/": (
        "/learn/invitations/",
        {**signed_in(403), "other_lead": 200, "lead": 200},
    ),
    # Only the trainee is enrolled: for everyone else a learner's page is not found.
    "learn/modules/<int:module_id>/": (
        "/learn/modules/{module_id}/",
        {**signed_in(404), "trainee": AWAY},
    ),
    "learn/modules/<int:module_id>/lessons/<int:lesson_id>/": (
        "/learn/modules/{module_id}/lessons/{lesson_id}/",
        {**signed_in(404), "trainee": 200},
    ),
    # Actions that change things answer GET with 405 once signed in.
    "learn/modules/<int:module_id>/enrol/": ("/learn/modules/{module_id}/enrol/", everyone(405)),
    "learn/modules/<int:module_id>/withdraw/": (
        "/learn/modules/{module_id}/withdraw/",
        everyone(405),
    ),
    "learn/modules/<int:module_id>/lessons/<int:lesson_id>/check/": (
        "/learn/modules/{module_id}/lessons/{lesson_id}/check/",
        everyone(405),
    ),
    "learn/modules/<int:module_id>/lessons/<int:lesson_id>/done/": (
        "/learn/modules/{module_id}/lessons/{lesson_id}/done/",
        everyone(405),
    ),
    "learn/certificates/<str:code>/": (
        "/learn/certificates/{certificate}/",
        {**signed_in(404), "trainee": 200},
    ),
    "learn/certificates/<str:code>/pdf/": (
        "/learn/certificates/{certificate}/pdf/",
        {**signed_in(404), "trainee": 200},
    ),
    "learn/certificates/<str:code>/revoke/": (
        "/learn/certificates/{certificate}/revoke/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "certificates/": ("/certificates/", ALL),
    # An offer of a place answers to its signed link, without signing in: a forged one is not
    # found, by anyone (the real offer's page is tested in tests/courses/workshops/test_offers.py).
    "offers/<str:token>/": ("/offers/not-a-signed-offer/", everyone(404)),
    "certificates/<str:code>/": ("/certificates/{certificate}/", ALL),
    # A person's own account page and its change forms.
    "account/": ("/account/", signed_in(200)),
    "account/name/": ("/account/name/", signed_in(200)),
    "account/who-you-are/": ("/account/who-you-are/", signed_in(200)),
    # Everything held about a person: their own only (the page takes no one's id).
    "account/your-data/": ("/account/your-data/", signed_in(200)),
    # A person's data for their written request: site administrators (and superusers) only.
    "data-requests/": (
        "/data-requests/",
        {**signed_in(403), "site_admin": 200},
    ),
    # Erasing your own account asks for your password again first (allauth's reauthentication).
    "account/erase/": ("/account/erase/", signed_in(AWAY)),
    "account/erased/": ("/account/erased/", ALL),
    # Claiming an account staff made: for people who cannot sign in; the signed-in are sent to
    # their account, and the later steps send anyone back to the first without its session.
    "account/claim/": ("/account/claim/", {**everyone(AWAY), "anonymous": 200}),
    "account/claim/code/": ("/account/claim/code/", everyone(AWAY)),
    "account/claim/password/": ("/account/claim/password/", everyone(AWAY)),
    # Erasing a person for a written request: system administrators only.
    "privacy/erase-person/": ("/privacy/erase-person/", signed_in(403)),
    "accounts/login/": ("/accounts/login/", {**everyone(AWAY), "anonymous": 200}),
    "accounts/signup/": ("/accounts/signup/", {**everyone(AWAY), "anonymous": 200}),
    "accounts/logout/": ("/accounts/logout/", {**everyone(200), "anonymous": AWAY}),
    "accounts/inactive/": ("/accounts/inactive/", ALL),
    "accounts/reauthenticate/": ("/accounts/reauthenticate/", signed_in(200)),
    "accounts/email/": ("/accounts/email/", signed_in(200)),
    "accounts/confirm-email/": ("/accounts/confirm-email/", ALL),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": ("/accounts/confirm-email/not-a-key/", ALL),
    "accounts/password/change/": ("/accounts/password/change/", signed_in(200)),
    "accounts/password/set/": ("/accounts/password/set/", signed_in(AWAY)),
    "accounts/password/reset/": ("/accounts/password/reset/", ALL),
    "accounts/password/reset/done/": ("/accounts/password/reset/done/", ALL),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "/accounts/password/reset/key/1-not-a-key/",
        ALL,
    ),
    "accounts/password/reset/key/done/": ("/accounts/password/reset/key/done/", ALL),
    # Two-step sign-in (allauth.mfa): everyone signed in may set up a second factor. Pages that
    # add or change one ask for the password again first (allauth's reauthentication: AWAY);
    # pages about a factor someone does not have answer 404 (allauth's).
    "accounts/2fa/": ("/accounts/2fa/", signed_in(200)),
    # Only part-way through signing in (the code is asked): the signed-in are sent on.
    "accounts/2fa/authenticate/": ("/accounts/2fa/authenticate/", signed_in(AWAY)),
    # Confirming with a code, for those who have a factor; the others confirm with a password.
    "accounts/2fa/reauthenticate/": (
        "/accounts/2fa/reauthenticate/",
        {**signed_in(AWAY), **dict.fromkeys(WITH_FACTOR, 200)},
    ),
    "accounts/2fa/totp/activate/": ("/accounts/2fa/totp/activate/", signed_in(AWAY)),
    "accounts/2fa/totp/deactivate/": (
        "/accounts/2fa/totp/deactivate/",
        {**signed_in(404), **dict.fromkeys(WITH_FACTOR, AWAY)},
    ),
    "accounts/2fa/recovery-codes/": (
        "/accounts/2fa/recovery-codes/",
        {**signed_in(404), **dict.fromkeys(WITH_FACTOR, AWAY)},
    ),
    "accounts/2fa/recovery-codes/generate/": (
        "/accounts/2fa/recovery-codes/generate/",
        signed_in(AWAY),
    ),
    "accounts/2fa/recovery-codes/download/": (
        "/accounts/2fa/recovery-codes/download/",
        {**signed_in(404), **dict.fromkeys(WITH_FACTOR, AWAY)},
    ),
    "accounts/2fa/webauthn/": ("/accounts/2fa/webauthn/", signed_in(200)),
    "accounts/2fa/webauthn/add/": ("/accounts/2fa/webauthn/add/", signed_in(AWAY)),
    "accounts/2fa/webauthn/reauthenticate/": (
        "/accounts/2fa/webauthn/reauthenticate/",
        signed_in(AWAY),
    ),
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": (
        "/accounts/2fa/webauthn/keys/999/remove/",
        signed_in(AWAY),
    ),
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": (
        "/accounts/2fa/webauthn/keys/999/edit/",
        signed_in(AWAY),
    ),
    # Signing in with the organisation's account. The code check that links an existing account
    # sends anyone without a sign-in waiting to the sign-in page.
    "accounts/link/": ("/accounts/link/", everyone(LOGIN)),
    "accounts/3rdparty/login/cancelled/": ("/accounts/3rdparty/login/cancelled/", ALL),
    # allauth answers its sign-in error page with 401.
    "accounts/3rdparty/login/error/": ("/accounts/3rdparty/login/error/", everyone(401)),
    "accounts/3rdparty/signup/": ("/accounts/3rdparty/signup/", everyone(LOGIN)),
    "accounts/3rdparty/": ("/accounts/3rdparty/", signed_in(200)),
    # allauth's older addresses for the same pages move permanently to the ones above.
    "accounts/social/login/cancelled/": ("/accounts/social/login/cancelled/", everyone(301)),
    "accounts/social/login/error/": ("/accounts/social/login/error/", everyone(301)),
    "accounts/social/signup/": ("/accounts/social/signup/", everyone(301)),
    "accounts/social/connections/": ("/accounts/social/connections/", everyone(301)),
    # A provider that is not configured (as in these tests) is not found.
    "accounts/microsoft/login/": ("/accounts/microsoft/login/", everyone(404)),
    "accounts/microsoft/login/callback/": ("/accounts/microsoft/login/callback/", everyone(404)),
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/": ("/accounts/oidc/oidc/login/", everyone(404)),
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/": (
        "/accounts/oidc/oidc/login/callback/",
        everyone(404),
    ),
    "accounts/login/code/confirm/": (
        "/accounts/login/code/confirm/",
        {**everyone(AWAY), "anonymous": LOGIN},
    ),
    "documents/^(\\d+)/(.*)$": ("/documents/999/missing.pdf", everyone(404)),
    "documents/authenticate_with_password/<int:restriction_id>/": (
        "/documents/authenticate_with_password/999/",
        everyone(404),
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": (
        "/_util/authenticate_with_password/999/999/",
        everyone(404),
    ),
    # Wagtail's own sign-in pages are taken over: they lead to allauth's (cms/urls.py).
    "_util/login/": ("/_util/login/", everyone(LOGIN)),
    "^_util/authenticate_with_password/": (
        "/_util/authenticate_with_password/999/999/",
        everyone(404),
    ),
    "^documents/authenticate_with_password/": (
        "/documents/authenticate_with_password/999/",
        everyone(404),
    ),
    # --- workshops: trainees booking (Find a course, a course's page, book, withdraw) ---
    # Finding a course and a course's page are public; booking, its questions and withdrawing
    # are for trainees. {run_id} is open and the Riverside trainee is booked on it (its first
    # session has started, so its page and its booking page say booking has closed).
    "courses/": ("/courses/", ALL),
    "courses/<int:run_id>/": ("/courses/{run_id}/", ALL),
    "courses/<int:run_id>/book/": ("/courses/{run_id}/book/", {**signed_in(403), "trainee": 200}),
    "courses/<int:run_id>/answers/": (
        "/courses/{run_id}/answers/",
        {**signed_in(403), "trainee": 200},
    ),
    # Writing to the organisers: only a trainee on the run (the Riverside trainee is booked).
    "courses/<int:run_id>/contact/": (
        "/courses/{run_id}/contact/",
        {**signed_in(403), "trainee": 200},
    ),
    "courses/<int:run_id>/withdraw/": (
        "/courses/{run_id}/withdraw/",
        {**signed_in(403), "trainee": 200},
    ),
    # --- end of trainees booking ---
    # --- workshops: leads' run pages (site administrators may look, only leads plan) ---
    "sites/<slug:slug>/runs/": (
        "/sites/{site_slug}/runs/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/runs/<int:run_id>/": (
        "/sites/{site_slug}/runs/{run_id}/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/runs/<int:run_id>/exceptions/": (
        "/sites/{site_slug}/runs/{run_id}/exceptions/",
        everyone(405),
    ),
    "sites/<slug:slug>/runs/new/": (
        "/sites/{site_slug}/runs/new/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "sites/<slug:slug>/runs/<int:run_id>/open/": (
        "/sites/{site_slug}/runs/{run_id}/open/",
        everyone(405),
    ),
    "sites/<slug:slug>/runs/<int:run_id>/cancel/": (
        "/sites/{site_slug}/runs/{run_id}/cancel/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    # --- people of a site: its leads and site administrators (people/views.py). {person_id} is
    # the Riverside trainee, booked on {run_id} ({enrolment_id}). ---
    **{
        route: (
            url,
            {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
        )
        for route, url in [
            ("sites/<slug:slug>/people/", "/sites/{site_slug}/people/"),
            ("sites/<slug:slug>/people/add/", "/sites/{site_slug}/people/add/"),
            (
                "sites/<slug:slug>/people/<int:person_id>/",
                "/sites/{site_slug}/people/{person_id}/",
            ),
            (
                "sites/<slug:slug>/people/<int:person_id>/edit/",
                "/sites/{site_slug}/people/{person_id}/edit/",
            ),
            (
                "sites/<slug:slug>/people/<int:person_id>/book/",
                "/sites/{site_slug}/people/{person_id}/book/",
            ),
            (
                "sites/<slug:slug>/people/<int:person_id>/bookings/<int:enrolment_id>/move/",
                "/sites/{site_slug}/people/{person_id}/bookings/{enrolment_id}/move/",
            ),
            (
                "sites/<slug:slug>/people/<int:person_id>/bookings/<int:enrolment_id>/take-off/",
                "/sites/{site_slug}/people/{person_id}/bookings/{enrolment_id}/take-off/",
            ),
            (
                "sites/<slug:slug>/people/<int:person_id>/reflections/<int:administration_id>/",
                "/sites/{site_slug}/people/{person_id}/reflections/{reflection_id}/",
            ),
        ]
    },
    # --- messages to a run's group: the site's programme leads, or the run's tutors ---
    "sites/<slug:slug>/runs/<int:run_id>/messages/": (
        "/sites/{site_slug}/runs/{run_id}/messages/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "teach/runs/<int:run_id>/messages/": (
        "/teach/runs/{run_id}/messages/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200},
    ),
    # --- letters to print: the site's leads and administrators ---
    "sites/<slug:slug>/letters/": (
        "/sites/{site_slug}/letters/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/letters/printed/<int:letter_id>/": (
        "/sites/{site_slug}/letters/printed/{letter_id}/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/letters/printed/<int:letter_id>/letters.pdf": (
        "/sites/{site_slug}/letters/printed/{letter_id}/letters.pdf",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/sessions/<int:session_id>/tutors/": (
        "/sites/{site_slug}/sessions/{future_session_id}/tutors/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "sites/<slug:slug>/sessions/<int:session_id>/cover/": (
        "/sites/{site_slug}/sessions/{future_session_id}/cover/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    # --- workshops: the pairing planner (leads of the site only; accepting is POST only) ---
    "sites/<slug:slug>/planner/": (
        "/sites/{site_slug}/planner/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "sites/<slug:slug>/planner/accept/": ("/sites/{site_slug}/planner/accept/", everyone(405)),
    # --- workshops: calendars ---
    # The feed's token is the secret: calendar programs fetch it without signing in.
    "calendar/<str:token>.ics": ("/calendar/{calendar_token}.ics", ALL),
    "calendar/": ("/calendar/", signed_in(200)),
    "calendar/reset/": ("/calendar/reset/", everyone(405)),
    # --- workshops: tutors (My teaching, session plan, register, withdrawing) ---
    # A session's plan and register: its two tutors and the leads of its site; withdrawing: its
    # tutors only. The tutors' rows use {session_id} (started) and {future_session_id}.
    "teach/": ("/teach/", {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200}),
    # A tutor's record of sessions taught: their own only, so there is no one else's to reach.
    "teach/record/": (
        "/teach/record/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200},
    ),
    # (The PDF needs a place in a pool, which this row's tutors have not: 404, as the page says.)
    "teach/record/pdf/": (
        "/teach/record/pdf/",
        {**signed_in(403), "lay_tutor": 404, "clinical_tutor": 404},
    ),
    "teach/sessions/<int:session_id>/plan/": (
        "/teach/sessions/{session_id}/plan/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200, "other_lead": 404, "lead": 200},
    ),
    "teach/sessions/<int:session_id>/register/": (
        "/teach/sessions/{session_id}/register/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200, "other_lead": 404, "lead": 200},
    ),
    "teach/sessions/<int:session_id>/feedback/": (
        "/teach/sessions/{session_id}/feedback/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200, "other_lead": 404, "lead": 200},
    ),
    # Tagging a shared goal with a theme, from the plan: POST only, the session's tutors.
    "teach/sessions/<int:session_id>/goal-theme/": (
        "/teach/sessions/{session_id}/goal-theme/",
        everyone(405),
    ),
    "teach/sessions/<int:session_id>/withdraw/": (
        "/teach/sessions/{future_session_id}/withdraw/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200},
    ),
    # --- reflections: a trainee's own (every signed-in person has a page of their own, usually
    # empty); {reflection_id} is the run's before survey, the Riverside trainee's alone ---
    "reflections/": ("/reflections/", signed_in(200)),
    "reflections/<int:administration_id>/": (
        "/reflections/{reflection_id}/",
        {**signed_in(404), "trainee": 200},
    ),
    "reflections/download/": ("/reflections/download/", signed_in(200)),
    "reflections/erase/": ("/reflections/erase/", signed_in(200)),
    # The site's before and after results (leads and administrators of the site); what the
    # group wrote (the run's tutors only).
    "sites/<slug:slug>/reflections/": (
        "/sites/{site_slug}/reflections/",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    "sites/<slug:slug>/reflections/answers/": (
        "/sites/{site_slug}/reflections/answers/?file_format=csv",
        {**signed_in(403), "other_lead": 404, "lead": 200, "site_admin": 200},
    ),
    # Marking a partnership alert dealt with: POST only (its POST is tested with its leads in
    # tests/courses/reflections/test_partnership.py).
    "sites/<slug:slug>/partnership-alerts/<int:alert_id>/dealt-with/": (
        "/sites/{site_slug}/partnership-alerts/1/dealt-with/",
        everyone(405),
    ),
    # --- the programme dashboard: leads and site administrators, each seeing their own sites ---
    "programme/": (
        "/programme/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "programme/people/": (
        "/programme/people/?stage=enrolled",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "programme/refresh/": ("/programme/refresh/", everyone(405)),
    "programme/export/<slug:key>.<str:fmt>": (
        "/programme/export/funnel.csv",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    # --- goal themes: each programme's list is one for every site, so any lead or site
    # administrator keeps it; {programme_id} and {theme_id} are the Riverside run's ---
    "programme/goal-themes/": (
        "/programme/goal-themes/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "programme/goal-themes/<int:programme_id>/": (
        "/programme/goal-themes/{programme_id}/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "programme/goal-themes/<int:programme_id>/<int:theme_id>/rename/": (
        "/programme/goal-themes/{programme_id}/{theme_id}/rename/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    "programme/goal-themes/<int:programme_id>/<int:theme_id>/remove/": (
        "/programme/goal-themes/{programme_id}/{theme_id}/remove/",
        {**signed_in(403), "other_lead": 200, "lead": 200, "site_admin": 200},
    ),
    # Refreshers: the site's programme leads only (site administrators do not decide them).
    "sites/<slug:slug>/refreshers/": (
        "/sites/{site_slug}/refreshers/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "sites/<slug:slug>/refreshers/<int:alert_id>/": (
        "/sites/{site_slug}/refreshers/{refresher_alert_id}/",
        {**signed_in(403), "other_lead": 404, "lead": 200},
    ),
    "teach/runs/<int:run_id>/reflections/": (
        "/teach/runs/{run_id}/reflections/",
        {**signed_in(403), "lay_tutor": 200, "clinical_tutor": 200},
    ),
}

# --- workshops: admin screens for leads and site administrators ---
WORKSHOP_ADMIN_INDEX = {
    **everyone(LOGIN),
    "lay_tutor": AWAY,
    "clinical_tutor": AWAY,
    "other_lead": 200,
    "lead": 200,
    "site_admin": 200,
}
WORKSHOP_ADMIN_RIVERSIDE_ROW = {**WORKSHOP_ADMIN_INDEX, "other_lead": 404}

# Wagtail sends signed-in people without admin access back to its login page.
WAGTAIL_ADMIN_ROWS = {
    # Site administrators reach the admin for the workshop screens (venues, tutors, closed days).
    "/admin/": {
        **everyone(LOGIN),
        "lay_tutor": 200,
        "clinical_tutor": 200,
        "other_lead": 200,
        "lead": 200,
        "site_admin": 200,
    },
    "/admin/pages/": {
        **everyone(LOGIN),
        "lay_tutor": 200,
        "clinical_tutor": 200,
        "other_lead": 200,
        "lead": 200,
        "site_admin": AWAY,  # in the admin, but with no page to explore
    },
    "/admin/module_pairings/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": 200,
        "lead": 200,
        "site_admin": AWAY,
    },
    # Delivery sites are managed by system administrators only; everyone else is sent away.
    "/admin/delivery_sites/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # --- workshops: admin screens for leads and site administrators (courses/wagtail_hooks.py) ---
    # Each lists its own sites' rows; another site's row is not found (404) by its address.
    "/admin/venues/": WORKSHOP_ADMIN_INDEX,
    "/admin/tutors/": WORKSHOP_ADMIN_INDEX,
    "/admin/closed_days/": WORKSHOP_ADMIN_INDEX,
    "/admin/venues/edit/{venue_id}/": WORKSHOP_ADMIN_RIVERSIDE_ROW,
    "/admin/tutors/edit/{tutor_id}/": WORKSHOP_ADMIN_RIVERSIDE_ROW,
    "/admin/tutors/delete/{tutor_id}/": WORKSHOP_ADMIN_RIVERSIDE_ROW,
    # --- reflections: questionnaires (programme leads) and the answers report (leads and site
    # administrators, each seeing their own sites' rows) ---
    "/admin/instruments/": {**WORKSHOP_ADMIN_INDEX, "site_admin": AWAY},
    "/admin/reports/reflection-answers/": WORKSHOP_ADMIN_INDEX,
    # Wagtail's admin sign-in page leads to allauth's, for everyone.
    "/admin/login/": everyone(LOGIN),
    # The outbox (every email, with failures to send again): system administrators only.
    "/admin/outgoing_email/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # The outbox of text messages (with Notify's receipts): system administrators only.
    "/admin/outgoing_text/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    "/admin/outgoing_text/send-again/1/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # The record of copies made of people's data: system administrators only.
    "/admin/personal_data_exports/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # Which identity provider group gives which role: system administrators only.
    "/admin/sign_in_role_mappings/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    "/admin/sign_in_role_mappings/new/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    "/admin/outgoing_email/send-again/1/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # Two-step sign-in: resetting a person's factors and the record of resets, for system
    # administrators only (tests/cms/second_factors/test_reset.py signs in as one).
    "/admin/second-factors/reset/{lead_id}/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    "/admin/second_factor_resets/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # The Markdown editor's preview: people who edit pages (tutors and leads); it answers only a
    # POST, so their GET is 405. Everyone else signed in: 403 (cms/views.py).
    "/admin/markdown/preview/": {
        **signed_in(403),
        "lay_tutor": 405,
        "clinical_tutor": 405,
        "other_lead": 405,
        "lead": 405,
    },
    # Who was erased and what the retention job did: system administrators only.
    "/admin/people_erased/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    "/admin/retention_runs/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
    # Who downloaded reflection answers: system administrators only.
    "/admin/export_log/": {
        **everyone(LOGIN),
        "lay_tutor": AWAY,
        "clinical_tutor": AWAY,
        "other_lead": AWAY,
        "lead": AWAY,
        "site_admin": AWAY,
    },
}


@pytest.fixture
def objects(small_curriculum, people):
    """Objects the parametrised addresses name: a module, one of its lessons, a certificate
    belonging to the Riverside trainee (only rows that need them load them)."""
    from django.utils import timezone

    from cms.models import LessonPage, ModulePage
    from courses.models import Certificate, Enrolment

    module = ModulePage.objects.get(slug="getting-started")
    enrolment = Enrolment.objects.create(
        trainee=people["trainee"],
        module=module,
        site=people["lead"].site_memberships.get().site,
        status=Enrolment.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        code="MATRIX234567",
        holder_name="T",
        title="M",
        issued_at=timezone.now(),
    )
    return {
        "module_id": module.pk,
        "lesson_id": LessonPage.objects.child_of(module).first().pk,
        "certificate": certificate.code,
        "lead_id": people["lead"].pk,
        "trainee_id": people["trainee"].pk,
        **workshop_objects(people, module),
        **workshop_admin_objects(people),
        **reflection_objects(module),
    }


def reflection_objects(module):
    """The before survey of the Riverside run workshop_objects made (the trainee is booked), and
    a goal theme of its programme, and an alert that its follow-up means fell back (for the
    refresher page)."""
    from django.utils import timezone

    from courses.models import CourseRun, RefresherAlert
    from courses.reflections.administrations import administrations_ensure_for_run
    from tests.assessments.reflection_builders import version_with_items

    run = CourseRun.objects.get()
    from assessments.models import GoalTheme

    version_with_items(programme=run.programme)
    before, _ = administrations_ensure_for_run(run=run)
    theme = GoalTheme.objects.create(programme=run.programme, name="Getting about")
    alert = RefresherAlert.objects.create(run=run, months=3, sent_at=timezone.now())
    return {
        "reflection_id": before.pk,
        "programme_id": run.programme_id,
        "theme_id": theme.pk,
        "refresher_alert_id": alert.pk,
    }


def workshop_admin_objects(people):
    """Workshops admin screens: the Riverside venue and lay tutor that workshop_objects made."""
    from courses.models import Tutor, Venue

    tutor = Tutor.objects.get(user=people["lay_tutor"])
    return {"venue_id": Venue.objects.get(site=tutor.site).pk, "tutor_id": tutor.pk}


def workshop_objects(people, module):
    """An open Riverside run taught by the Riverside lay and clinical tutors, with a session that
    started an hour ago and one next week; the Riverside trainee is booked and has a calendar."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import CalendarFeed, CourseRun, Enrolment, Letter, TutorKind
    from tests.factories import CourseRunFactory, SessionFactory, TutorFactory, VenueFactory

    site = people["lead"].site_memberships.get().site
    programme = module.get_parent().specific
    lay = TutorFactory(
        user=people["lay_tutor"], site=site, kind=TutorKind.LAY, accredited_for=[programme]
    )
    clinical = TutorFactory(
        user=people["clinical_tutor"],
        site=site,
        kind=TutorKind.CLINICAL,
        accredited_for=[programme],
    )
    run = CourseRunFactory(
        site=site,
        venue=VenueFactory(site=site),
        programme=programme,
        status=CourseRun.Status.OPEN,
        opened_at=timezone.now(),
    )
    started = timezone.now() - timedelta(hours=1)
    session = SessionFactory(
        run=run,
        number=1,
        module=module,
        starts_at=started,
        ends_at=started + timedelta(hours=3),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )
    future = SessionFactory(
        run=run, number=2, module=module, lay_tutor=lay, clinical_tutor=clinical
    )
    booked = Enrolment.objects.create(trainee=people["trainee"], run=run, site=site)
    feed = CalendarFeed.objects.create(user=people["trainee"], token="matrix-trainee-feed-token")
    letter = Letter.objects.create(
        person=people["trainee"],
        site=site,
        run=run,
        subject="A letter",
        body="Hello.",
        printed_at=timezone.now(),
    )
    return {
        "letter_id": letter.pk,
        "site_slug": site.slug,
        "run_id": run.pk,
        "session_id": session.pk,
        "future_session_id": future.pk,
        "calendar_token": feed.token,
        "person_id": people["trainee"].pk,
        "enrolment_id": booked.pk,
    }


def routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_has_a_row():
    missing = [
        route for route in routes() if not route.startswith("admin/") and route not in MATRIX
    ]

    assert missing == []


def cases():
    for route, (url, expected) in MATRIX.items():
        yield pytest.param(url, expected, id=route)
    for url, expected in WAGTAIL_ADMIN_ROWS.items():
        yield pytest.param(url, expected, id=url)


def outcome(response):
    if response.status_code == 302:
        return LOGIN if response["Location"].startswith("/accounts/login/") else AWAY
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "expected"), list(cases()))
def test_permission_matrix(request, client, people, home_page, url, expected):
    """One row: the address visited as each kind of person, compared as a whole."""
    if "{" in url:
        url = url.format(**request.getfixturevalue("objects"))
    seen = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(people[role])
        seen[role] = outcome(client.get(url))
    assert seen == expected


# Curriculum pages are served by Wagtail's page tree (the one route above); each kind is checked.
CURRICULUM_PAGES = [
    "/patients/",
    "/patients/getting-started/",
    "/patients/getting-started/session/",
    "/professionals/partnership-basics/workshop/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_curriculum_pages_are_open_to_everyone(client, people, small_curriculum, role):
    if role != "anonymous":
        client.force_login(people[role])

    assert {url: client.get(url).status_code for url in CURRICULUM_PAGES} == dict.fromkeys(
        CURRICULUM_PAGES, 200
    )


# --- two-step sign-in: a lead without a second factor (cms.middleware) -------------------------
# Every address above, visited by a programme lead of Riverside who has not set one up: sent to
# set it up (SETUP), except their account, allauth's pages and the public pages, which answer as
# they do for a lead who has one.
SETUP = "setup"
OPEN_WITHOUT_A_FACTOR = {
    "healthz",
    "readyz",
    "^((?:[\\w\\-]+/)*)$",
    "courses/",
    "courses/<int:run_id>/",
    "certificates/",
    "certificates/<str:code>/",
}


def lead_without_a_factor_cases():
    for route, (url, expected) in MATRIX.items():
        if route.startswith("accounts/2fa/"):
            # Without a factor, the two-step pages answer them as they answer a trainee.
            yield pytest.param(url, expected["trainee"], id=route)
        elif route in OPEN_WITHOUT_A_FACTOR or route.startswith(("account/", "accounts/")):
            yield pytest.param(url, expected["lead"], id=route)
        else:
            yield pytest.param(url, SETUP, id=route)
    for url in WAGTAIL_ADMIN_ROWS:
        yield pytest.param(url, SETUP, id=url)


def outcome_for_the_lead(response):
    if response.status_code == 302 and response["Location"] == "/accounts/2fa/":
        return SETUP
    return outcome(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "expected"), list(lead_without_a_factor_cases()))
def test_a_lead_without_a_second_factor_is_sent_to_set_one_up(
    request, client, people, home_page, url, expected
):
    from allauth.mfa.models import Authenticator

    if "{" in url:
        url = url.format(**request.getfixturevalue("objects"))
    lead = people["lead"]
    Authenticator.objects.filter(user=lead).delete()
    client.force_login(lead)

    assert outcome_for_the_lead(client.get(url)) == expected
