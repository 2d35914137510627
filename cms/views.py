import hmac
import json
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import RedirectView

from cms import selectors
from cms.cache import ping
from cms.markdown_editing import MarkdownPreviewError, markdown_preview
from cms.permissions import page_editor_required, role_required
from cms.roles import TUTORS_AND_LEADS
from cms.texts import ReceiptError, text_delivery_record, texts_enabled


@require_GET
@never_cache
def healthz(request):
    """The process is up. Touches nothing else, so it is the floor for load benchmarks. Says
    so when text messages are switched off (production without a Notify key)."""
    body = "ok" if texts_enabled() else "ok\ntext messages off (no NOTIFY_API_KEY)"
    return HttpResponse(body, content_type="text/plain")


@csrf_exempt
@require_POST
def notify_callback(request):
    """GOV.UK Notify's delivery receipt for a text: JSON with our reference, Notify's id and the
    status, sent with `Authorization: Bearer <NOTIFY_CALLBACK_TOKEN>`. A wrong or missing token
    is refused (401) and changes nothing; a body we cannot read is 400; a receipt for a text we
    do not hold is acknowledged and ignored (Notify would otherwise retry it)."""
    expected = settings.NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if not (
        expected
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    ):
        return HttpResponse("not authorised", status=401, content_type="text/plain")
    try:
        receipt = json.loads(request.body)
        text_delivery_record(receipt=receipt)
    except (ValueError, ReceiptError):
        return HttpResponse("not a delivery receipt", status=400, content_type="text/plain")
    return HttpResponse(status=204)


@require_GET
@never_cache
def readyz(request):
    """The process can reach its database and its cache. 503 names the part that fails.

    Pages keep working without Redis (cms/cache.py), only slower and with per-process rate
    limits, so a deployment may choose to keep sending traffic while it says "cache failing"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready", whatever the driver raised
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    cache_problem = ping(caches["default"])
    if cache_problem:
        return HttpResponse(
            f"database ok\ncache failing: {cache_problem}", status=503, content_type="text/plain"
        )
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@role_required(*TUTORS_AND_LEADS)
def module_side_by_side(request, module_id):
    context = selectors.module_pair_side_by_side(module_id=module_id)
    return render(request, "cms/side_by_side.html", context)


@require_GET
def search(request):
    # People search for words. Quotes, brackets, operators and control characters are query
    # syntax to the database's full-text engine (and a NUL byte upsets it), so they become spaces.
    query = " ".join(re.sub(r"[^\w\s'-]", " ", request.GET.get("q", "")).split())[:200]
    results = None
    if query:
        paginator = Paginator(selectors.lesson_search(query=query), per_page=20)
        results = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "cms/search.html",
        # The query string the pages of results keep (the include adds page=).
        {"query": query, "results": results, "page_query": urlencode({"q": query})},
    )


@never_cache
@page_editor_required
def markdown_preview_html(request):
    """The Markdown editor's preview: the posted text as the page will publish it (sanitised
    HTML), for people who edit pages. The method is checked after the permission, so that the
    permission matrix, which visits with GET, shows who may use it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        html = markdown_preview(text=request.POST.get("text", ""))
    except MarkdownPreviewError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(html, content_type="text/html; charset=utf-8")


class SignInWithAllauth(RedirectView):
    """Stands in for Wagtail's own sign-in pages (`/admin/login/`, `/_util/login/`).

    They check a password without allauth's rate limits, lockout or mandatory email
    verification. There is one way in, allauth's, and every other door leads to it, keeping
    `next` (so a private page or the admin still returns the person to where they were going).
    """

    pattern_name = "account_login"
    query_string = True


def shared_password_refused(request, *args, **kwargs):
    """Wagtail's shared passwords for private pages and documents are switched off
    (WAGTAIL_PRIVATE_PAGE_OPTIONS): one password for many people, checked without limits."""
    raise Http404("Shared passwords are not used on this site.")
