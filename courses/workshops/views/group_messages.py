"""Messages to a run's group: a lead of the run's site writes from the run's page, a tutor of the
run from their teaching pages. Both write, check what will go out, then send; both see what was
sent. The rules live in `courses/workshops/group_messages.py`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cms.permissions import role_required
from cms.roles import TUTOR_ROLES, Role
from courses.errors import CoursesError
from courses.models import RunMessage
from courses.workshops import group_messages, selectors
from courses.workshops.forms.group_messages import GroupMessageForm

MESSAGES_PER_PAGE = 20


@require_http_methods(["GET", "POST"])
@role_required(Role.PROGRAMME_LEAD)
def run_message(request, slug, run_id):
    """A lead of the run's site writes to its group."""
    site, run = selectors.run_for_lead(request.user, slug, run_id)
    back = reverse("courses:site_run", args=[site.slug, run.pk])
    return _message_page(request, run, back_url=back, done_url=back)


@require_http_methods(["GET", "POST"])
@role_required(*TUTOR_ROLES)
def tutor_run_message(request, run_id):
    """One of the run's tutors writes to its group."""
    run = group_messages.run_for_tutor(request.user, run_id)
    here = reverse("courses:tutor_run_message", args=[run.pk])
    return _message_page(request, run, back_url=reverse("courses:teach"), done_url=here)


def _message_page(request, run, *, back_url, done_url):
    form = GroupMessageForm(request.POST if request.method == "POST" else None)
    confirm = None
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        data = form.cleaned_data
        try:
            if "send" in request.POST:
                message = group_messages.run_message_send(run=run, sender=request.user, **data)
            else:
                confirm = group_messages.message_preview(run=run, **data)
        except CoursesError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if confirm is None:
                messages.success(request, f"Your message was sent to {message.reach}.")
                return redirect(done_url)
    if confirm is not None:
        return render(
            request,
            "courses/workshops/group_messages/confirm.html",
            {
                "run": run,
                "form": form,
                "reach": confirm,
                "back_url": back_url,
                "audience_label": RunMessage.Audience(form.cleaned_data["audience"]).label,
                "text_characters": group_messages.TEXT_BODY_CHARACTERS,
                "text": group_messages.text_preview(
                    run=run,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
                if confirm.text
                else "",
            },
        )
    page = Paginator(group_messages.run_messages(run), MESSAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/workshops/group_messages/write.html",
        {
            "run": run,
            "form": form,
            "back_url": back_url,
            "page": page,
            "run_messages": page.object_list,
            "messages_left": group_messages.messages_left(run),
            "messages_per_day": group_messages.MESSAGES_PER_DAY,
        },
    )
