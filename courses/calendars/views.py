"""Calendar pages: the private feed calendar programs subscribe to, and the page where a person
finds their feed address and can change it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST, require_safe

from courses import errors
from courses.calendars.feeds import calendar_feed_ensure, calendar_feed_reset, feed_for
from courses.common.links import feed_url
from courses.models import CalendarFeed


@require_safe
def calendar_feed(request, token):
    """No sign-in: calendar programs cannot log in, so the long random token is the secret."""
    feed = CalendarFeed.objects.filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404("No calendar at this address.")
    response = HttpResponse(feed_for(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    # Personal data behind a secret address: no shared cache or disk cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@login_required
def calendar(request):
    feed = calendar_feed_ensure(user=request.user)
    address = feed_url(feed)
    return render(
        request,
        "courses/calendars/calendar.html",
        {
            "feed_address": address,
            "webcal_address": "webcal://" + address.split("://", 1)[-1],
        },
    )


@require_POST
@login_required
def calendar_reset(request):
    calendar_feed_reset(user=request.user)
    messages.success(request, errors.CALENDAR_ADDRESS_CHANGED)
    next_url = request.POST.get("next", "")
    # Only a path on this site: never another host, and never a name redirect() would look up.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts=set()
    ):
        next_url = "/"
    return HttpResponseRedirect(next_url)
