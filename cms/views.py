from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
