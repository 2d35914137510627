import re

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors
from .permissions import role_required
from .roles import Role


@require_GET
@never_cache
def healthz(request):
    """The process is up. Touches nothing else, so it is the floor for load benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request):
    """The process can reach its database: a load balancer may send it traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready", whatever the driver raised
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@role_required(Role.LAY_TUTOR, Role.CLINICAL_TUTOR, Role.PROGRAMME_LEAD)
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
    return render(request, "cms/search.html", {"query": query, "results": results})
