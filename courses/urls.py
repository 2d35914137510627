from django.urls import path

from courses.calendars import views as calendars
from courses.dashboard import exports as dashboard_exports
from courses.dashboard import views as dashboard
from courses.elearning import views as elearning
from courses.people import letter_views, merge_views
from courses.people import referral_views as referrals
from courses.people import views as people
from courses.privacy import views as privacy
from courses.reflections import theme_views as goal_themes
from courses.reflections import views as reflections
from courses.sites import views as sites
from courses.workshops.planner import views as planner
from courses.workshops.views import group_messages, lead, offers, trainee, tutor

app_name = "courses"

urlpatterns = [
    path("sites/", sites.site_list, name="site_list"),
    path("sites/<slug:slug>/", sites.site_detail, name="site_detail"),
    path("sites/<slug:slug>/contact/", sites.site_contact, name="site_contact"),
    path("sites/<slug:slug>/messages/", sites.site_messages, name="site_messages"),
    path("data-requests/", privacy.written_request, name="written_request"),
    # --- people: referral lists (people/referral_views.py) ---
    path("sites/<slug:slug>/referrals/", referrals.site_referrals, name="site_referrals"),
    path("sites/<slug:slug>/referrals/upload/", referrals.referral_upload, name="referral_upload"),
    path(
        "sites/<slug:slug>/referrals/sample.csv",
        referrals.referral_template,
        name="referral_template",
    ),
    path(
        "sites/<slug:slug>/referrals/imports/<int:import_id>/",
        referrals.referral_import,
        name="referral_import",
    ),
    path(
        "sites/<slug:slug>/referrals/imports/<int:import_id>/confirm/",
        referrals.referral_import_confirm,
        name="referral_import_confirm",
    ),
    path(
        "sites/<slug:slug>/referrals/<int:referral_id>/outcome/",
        referrals.referral_outcome,
        name="referral_outcome",
    ),
    path("learn/", elearning.learn, name="learn"),
    path("learn/join/", elearning.join, name="join"),
    path("learn/progress/", elearning.progress, name="progress"),
    path("learn/invitations/", elearning.invitations, name="invitations"),
    path("learn/modules/<int:module_id>/", elearning.module, name="module"),
    path("learn/modules/<int:module_id>/enrol/", elearning.enrol, name="enrol"),
    path("learn/modules/<int:module_id>/withdraw/", elearning.module_withdraw, name="withdraw"),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/",
        elearning.lesson,
        name="lesson",
    ),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/check/",
        elearning.lesson_check,
        name="check",
    ),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/done/",
        elearning.lesson_done,
        name="lesson_done",
    ),
    path("learn/certificates/<str:code>/", elearning.certificate, name="certificate"),
    path(
        "learn/certificates/<str:code>/pdf/",
        elearning.certificate_download,
        name="certificate_pdf",
    ),
    path(
        "learn/certificates/<str:code>/revoke/",
        elearning.revoke_certificate,
        name="revoke_certificate",
    ),
    path("certificates/", elearning.verify_certificate, name="verify_certificate_form"),
    path("certificates/<str:code>/", elearning.verify_certificate, name="verify_certificate"),
    # --- workshops: leads (workshops/views/lead.py) ---
    path("sites/<slug:slug>/runs/", lead.run_list, name="site_runs"),
    path("sites/<slug:slug>/runs/new/", lead.run_create, name="site_run_create"),
    path("sites/<slug:slug>/runs/<int:run_id>/", lead.run_detail, name="site_run"),
    path("sites/<slug:slug>/runs/<int:run_id>/open/", lead.run_open, name="site_run_open"),
    path("sites/<slug:slug>/runs/<int:run_id>/cancel/", lead.run_cancel, name="site_run_cancel"),
    path(
        "sites/<slug:slug>/runs/<int:run_id>/exceptions/",
        lead.run_exception,
        name="site_run_exception",
    ),
    path(
        "sites/<slug:slug>/sessions/<int:session_id>/tutors/",
        lead.session_tutors,
        name="session_tutors",
    ),
    path(
        "sites/<slug:slug>/sessions/<int:session_id>/cover/",
        lead.session_cover,
        name="session_cover",
    ),
    # --- workshops: planner (workshops/planner/views.py) ---
    path("sites/<slug:slug>/planner/", planner.planner, name="planner"),
    path("sites/<slug:slug>/planner/accept/", planner.planner_accept, name="planner_accept"),
    # --- workshops: trainees booking (workshops/views/trainee.py) ---
    path("courses/", trainee.run_list, name="run_list"),
    path("courses/<int:run_id>/", trainee.run_detail, name="run_detail"),
    path("courses/<int:run_id>/book/", trainee.run_book, name="run_book"),
    path("courses/<int:run_id>/answers/", trainee.run_answers, name="run_answers"),
    path("courses/<int:run_id>/withdraw/", trainee.run_withdraw, name="run_withdraw"),
    # --- workshops: waiting-list offers, answered by their signed link (workshops/views/offers.py)
    path("offers/<str:token>/", offers.offer_respond, name="offer_respond"),
    # a trainee's message to the run's organisers (sites/views.py)
    path("courses/<int:run_id>/contact/", sites.run_contact, name="run_contact"),
    # --- workshops: tutors (workshops/views/tutor.py) ---
    path("teach/", tutor.teach, name="teach"),
    path("teach/record/", tutor.teach_record, name="teach_record"),
    path("teach/record/pdf/", tutor.teach_record_pdf, name="teach_record_pdf"),
    path("teach/sessions/<int:session_id>/plan/", tutor.session_plan, name="session_plan"),
    path("teach/sessions/<int:session_id>/register/", tutor.session_register, name="register"),
    path(
        "teach/sessions/<int:session_id>/feedback/",
        tutor.session_feedback,
        name="session_feedback",
    ),
    path(
        "teach/sessions/<int:session_id>/goal-theme/",
        tutor.session_goal_theme,
        name="session_goal_theme",
    ),
    path(
        "teach/sessions/<int:session_id>/withdraw/",
        tutor.session_withdraw,
        name="teach_withdraw",
    ),
    # --- reflections (reflections/views.py) ---
    path(
        "sites/<slug:slug>/reflections/",
        reflections.site_reflections,
        name="site_reflections",
    ),
    path(
        "sites/<slug:slug>/reflections/answers/",
        reflections.site_reflection_answers,
        name="site_reflection_answers",
    ),
    path(
        "sites/<slug:slug>/partnership-alerts/<int:alert_id>/dealt-with/",
        reflections.partnership_alert_dealt_with,
        name="partnership_alert_dealt_with",
    ),
    path(
        "sites/<slug:slug>/refreshers/",
        reflections.site_refreshers,
        name="site_refreshers",
    ),
    path(
        "sites/<slug:slug>/refreshers/<int:alert_id>/",
        reflections.refresher,
        name="refresher",
    ),
    path(
        "teach/runs/<int:run_id>/reflections/",
        reflections.run_reflections,
        name="run_reflections",
    ),
    # --- goal themes: each programme's list, kept by leads (reflections/theme_views.py) ---
    path(
        "programme/goal-themes/",
        goal_themes.goal_theme_programmes,
        name="goal_theme_programmes",
    ),
    path(
        "programme/goal-themes/<int:programme_id>/",
        goal_themes.goal_themes,
        name="goal_themes",
    ),
    path(
        "programme/goal-themes/<int:programme_id>/<int:theme_id>/rename/",
        goal_themes.goal_theme_rename,
        name="goal_theme_rename",
    ),
    path(
        "programme/goal-themes/<int:programme_id>/<int:theme_id>/remove/",
        goal_themes.goal_theme_remove,
        name="goal_theme_remove",
    ),
    # --- the programme lead's dashboard (dashboard/) ---
    path("programme/", dashboard.programme, name="programme"),
    path("programme/people/", dashboard.programme_people, name="programme_people"),
    path("programme/refresh/", dashboard.programme_refresh, name="programme_refresh"),
    path(
        "programme/export/<slug:key>.<str:fmt>",
        dashboard_exports.programme_export,
        name="programme_export",
    ),
    # --- people of a site, staff booking and paper reflections (people/views.py) ---
    path("sites/<slug:slug>/people/", people.site_people, name="site_people"),
    path("sites/<slug:slug>/people/add/", people.person_add, name="person_add"),
    path(
        "sites/<slug:slug>/people/<int:person_id>/",
        people.person_detail,
        name="person_detail",
    ),
    path(
        "sites/<slug:slug>/people/<int:person_id>/edit/",
        people.person_edit,
        name="person_edit",
    ),
    path(
        "sites/<slug:slug>/people/<int:person_id>/book/",
        people.person_book,
        name="person_book",
    ),
    path(
        "sites/<slug:slug>/people/<int:person_id>/bookings/<int:enrolment_id>/move/",
        people.person_move,
        name="person_move",
    ),
    path(
        "sites/<slug:slug>/people/<int:person_id>/bookings/<int:enrolment_id>/take-off/",
        people.person_withdraw,
        name="person_withdraw",
    ),
    path(
        "sites/<slug:slug>/people/<int:person_id>/reflections/<int:administration_id>/",
        people.person_reflection,
        name="person_reflection",
    ),
    # --- messages to a run's group (workshops/views/group_messages.py) and letters to print
    # (people/letter_views.py) ---
    path(
        "sites/<slug:slug>/runs/<int:run_id>/messages/",
        group_messages.run_message,
        name="run_message",
    ),
    path(
        "teach/runs/<int:run_id>/messages/",
        group_messages.tutor_run_message,
        name="tutor_run_message",
    ),
    path("sites/<slug:slug>/letters/", letter_views.site_letters, name="site_letters"),
    path(
        "sites/<slug:slug>/letters/printed/<int:letter_id>/",
        letter_views.letter_batch,
        name="site_letter_batch",
    ),
    path(
        "sites/<slug:slug>/letters/printed/<int:letter_id>/letters.pdf",
        letter_views.letter_batch_pdf,
        name="site_letter_batch_pdf",
    ),
    # --- calendars (calendars/views.py) ---
    path("calendar/", calendars.calendar, name="calendar"),
    path("calendar/reset/", calendars.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", calendars.calendar_feed, name="calendar_feed"),
    # --- merging two records of one person (people/merge_views.py) ---
    path(
        "sites/<slug:slug>/people/<int:person_id>/merge/",
        merge_views.person_merge,
        name="person_merge",
    ),
]
