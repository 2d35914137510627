"""The page a waiting-list offer's link opens: the course and the deadline, with "Accept the
place" and "Decline". It works without signing in (many people offered a place are not online
with an account); the signed token in the link is what lets them answer. The rules live in
`workshops/offers.py`."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from courses import errors
from courses.errors import CoursesError
from courses.workshops import offers

ANSWERS = {"accept": offers.offer_accept, "decline": offers.offer_decline}


@require_http_methods(["GET", "POST"])
def offer_respond(request, token):
    """GET shows the offer (or why it can no longer be answered); POST answers it, then comes
    back here to show the result. A forged or altered link is not found."""
    error = None
    if request.method == "POST":
        answer = ANSWERS.get(request.POST.get("answer", ""))
        offer_id = offers.offer_id_or_404(token)
        if answer is None:
            error = errors.OFFER_ANSWER_UNKNOWN
        else:
            try:
                answer(offer_id=offer_id)
            except CoursesError as refusal:
                error = refusal.message
            else:
                return redirect("courses:offer_respond", token=token)
    context = offers.offer_page_for(token=token)
    context["error"] = error
    return render(
        request,
        "courses/workshops/offers/respond.html",
        context,
        status=400 if error else 200,
    )
