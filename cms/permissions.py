from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import Role, has_any_role


def role_required(*roles: Role):
    """Not signed in: to the login page. Signed in without one of these roles: 403.

    Scope (which sites, runs or people) is the selector's job, and answers 404.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_superuser or has_any_role(request.user, *roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
