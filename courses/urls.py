from django.urls import path

from . import (
    booking_views,
    calendar_views,
    dashboard_exports,
    dashboard_views,
    learning_views,
    planner_views,
    reflection_views,
    run_views,
    teach_views,
    views,
)

app_name = "courses"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<slug:slug>/", views.site_detail, name="site_detail"),
    path("learn/", learning_views.learn, name="learn"),
    path("learn/join/", learning_views.join, name="join"),
    path("learn/progress/", learning_views.progress, name="progress"),
    path("learn/invitations/", learning_views.invitations, name="invitations"),
    path("learn/modules/<int:module_id>/", learning_views.module, name="module"),
    path("learn/modules/<int:module_id>/enrol/", learning_views.enrol, name="enrol"),
    path("learn/modules/<int:module_id>/withdraw/", learning_views.withdraw, name="withdraw"),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/",
        learning_views.lesson,
        name="lesson",
    ),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/check/",
        learning_views.check,
        name="check",
    ),
    path(
        "learn/modules/<int:module_id>/lessons/<int:lesson_id>/done/",
        learning_views.lesson_done,
        name="lesson_done",
    ),
    path("learn/certificates/<str:code>/", learning_views.certificate, name="certificate"),
    path(
        "learn/certificates/<str:code>/pdf/",
        learning_views.certificate_download,
        name="certificate_pdf",
    ),
    path(
        "learn/certificates/<str:code>/revoke/",
        learning_views.revoke_certificate,
        name="revoke_certificate",
    ),
    path("certificates/", learning_views.verify_certificate, name="verify_certificate_form"),
    path("certificates/<str:code>/", learning_views.verify_certificate, name="verify_certificate"),
    # --- workshops: leads (run_views.py) ---
    path("sites/<slug:slug>/runs/", run_views.run_list, name="site_runs"),
    path("sites/<slug:slug>/runs/new/", run_views.run_create, name="site_run_create"),
    path("sites/<slug:slug>/runs/<int:run_id>/", run_views.run_detail, name="site_run"),
    path("sites/<slug:slug>/runs/<int:run_id>/open/", run_views.run_open, name="site_run_open"),
    path(
        "sites/<slug:slug>/runs/<int:run_id>/cancel/", run_views.run_cancel, name="site_run_cancel"
    ),
    path(
        "sites/<slug:slug>/sessions/<int:session_id>/tutors/",
        run_views.session_tutors,
        name="session_tutors",
    ),
    path(
        "sites/<slug:slug>/sessions/<int:session_id>/cover/",
        run_views.session_cover,
        name="session_cover",
    ),
    # --- workshops: planner (planner_views.py) ---
    path("sites/<slug:slug>/planner/", planner_views.planner, name="planner"),
    path("sites/<slug:slug>/planner/accept/", planner_views.planner_accept, name="planner_accept"),
    # --- workshops: trainees booking (booking_views.py) ---
    path("courses/", booking_views.run_list, name="run_list"),
    path("courses/<int:run_id>/", booking_views.run_detail, name="run_detail"),
    path("courses/<int:run_id>/book/", booking_views.run_book, name="run_book"),
    path("courses/<int:run_id>/withdraw/", booking_views.run_withdraw, name="run_withdraw"),
    # --- workshops: tutors (teach_views.py) ---
    path("teach/", teach_views.teach, name="teach"),
    path("teach/sessions/<int:session_id>/plan/", teach_views.session_plan, name="session_plan"),
    path("teach/sessions/<int:session_id>/register/", teach_views.register, name="register"),
    path(
        "teach/sessions/<int:session_id>/withdraw/",
        teach_views.teach_withdraw,
        name="teach_withdraw",
    ),
    # --- reflections (reflection_views.py) ---
    path(
        "sites/<slug:slug>/reflections/",
        reflection_views.site_reflections,
        name="site_reflections",
    ),
    path(
        "teach/runs/<int:run_id>/reflections/",
        reflection_views.run_reflections,
        name="run_reflections",
    ),
    # --- the programme lead's dashboard (dashboard_views.py) ---
    path("programme/", dashboard_views.programme, name="programme"),
    path("programme/people/", dashboard_views.programme_people, name="programme_people"),
    path("programme/refresh/", dashboard_views.programme_refresh, name="programme_refresh"),
    path(
        "programme/export/<slug:key>.<str:fmt>",
        dashboard_exports.programme_export,
        name="programme_export",
    ),
    # --- workshops: calendars (calendar_views.py) ---
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/reset/", calendar_views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
]
