"""Goal themes, for programme leads and site administrators: each programme's list of themes,
with how many goals each is tagged on, and adding, renaming and removing one.

A programme's list is one for every site, so any lead or administrator keeps it. They see goals
only counted together: tagging them, which means reading their words, is for a group's tutors
(on the session plan, courses/reflections/goal_themes.py).
"""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assessments.errors import AssessmentError
from assessments.models import GoalTheme
from assessments.reflections import themes
from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS

LEADS_DO_NOT_TAG = (
    "Only a group's tutors tag its goals, on the session plan: you see goals only counted "
    "together, never their words."
)
NAME_HINT = "One line, up to 60 characters, for example “Getting out and about”."


class ThemeNameForm(forms.Form):
    """The name as typed: the service tidies it and says what is wrong with it."""

    name = forms.CharField(label="Name of the theme", help_text=NAME_HINT, required=False)


def _programme(programme_id) -> ProgrammePage:
    return get_object_or_404(ProgrammePage, pk=programme_id)


def _theme(programme: ProgrammePage, theme_id) -> GoalTheme:
    """A theme of this programme: another programme's, by this address, is not found."""
    return get_object_or_404(GoalTheme, pk=theme_id, programme=programme)


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def goal_theme_programmes(request):
    """Every programme, with how many themes it has. One query."""
    programmes = ProgrammePage.objects.annotate(themes=Count("goal_themes")).order_by("title")
    return render(
        request,
        "courses/reflections/goal_theme_programmes.html",
        {"programmes": programmes, "leads_do_not_tag": LEADS_DO_NOT_TAG},
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def goal_themes(request, programme_id):
    """The programme's themes with their goal counts, and adding one (POST)."""
    programme = _programme(programme_id)
    form = ThemeNameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = themes.goal_theme_add(
                programme=programme, name=form.cleaned_data["name"], created_by=request.user
            )
        except AssessmentError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, f"The theme “{theme.name}” is added to {programme.title}.")
            return redirect("courses:goal_themes", programme_id=programme.pk)
    return render(
        request,
        "courses/reflections/goal_themes.html",
        {
            "programme": programme,
            "themes": themes.goal_themes_for(programme),
            "form": form,
            "leads_do_not_tag": LEADS_DO_NOT_TAG,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def goal_theme_rename(request, programme_id, theme_id):
    programme = _programme(programme_id)
    theme = _theme(programme, theme_id)
    old_name = theme.name
    form = ThemeNameForm(
        request.POST if request.method == "POST" else None, initial={"name": theme.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            renamed = themes.goal_theme_rename(theme=theme, name=form.cleaned_data["name"])
        except AssessmentError as error:
            form.add_error("name", error.message)
        else:
            messages.success(
                request,
                f"The theme “{old_name}” is now called “{theme.name}”. Goals tagged with it keep it."
                if renamed
                else f"Nothing changed: the theme is already called “{old_name}”.",
            )
            return redirect("courses:goal_themes", programme_id=programme.pk)
    return render(
        request,
        "courses/reflections/goal_theme_rename.html",
        {"programme": programme, "theme": theme, "old_name": old_name, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def goal_theme_remove(request, programme_id, theme_id):
    """Asks first, saying how many goals lose the theme; removes it on POST."""
    programme = _programme(programme_id)
    theme = _theme(programme, theme_id)
    if request.method == "POST":
        try:
            untagged = themes.goal_theme_remove(theme=theme)
        except AssessmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"The theme “{theme.name}” is removed from {programme.title}. "
                + (
                    f"{untagged} {'goal has' if untagged == 1 else 'goals have'} no theme now."
                    if untagged
                    else "No goal was tagged with it."
                ),
            )
        return redirect("courses:goal_themes", programme_id=programme.pk)
    return render(
        request,
        "courses/reflections/goal_theme_remove.html",
        {"programme": programme, "theme": theme, "goals": themes.goals_tagged_with(theme)},
    )
