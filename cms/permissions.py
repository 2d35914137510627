from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.roles import Role, has_any_role


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


def can_edit_pages(user) -> bool:
    """May write or change some page of the curricula (tutors, leads, system administrators)."""
    return PagePermissionPolicy().user_has_any_permission(user, {"add", "change", "publish"})


def page_editor_required(view):
    """Not signed in: to the login page. Signed in but editing no page: 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class ReadBySystemAdministratorsOnly(ModelPermissionPolicy):
    """For logs the site writes and nobody edits (the outbox, the export log): system
    administrators (superusers) may view; nobody may add, change or delete a row, superusers
    included."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions, **kwargs):
        users = super().users_with_any_permission(actions, **kwargs)
        return users.filter(is_superuser=True) if "view" in actions else users.none()


class SystemAdministratorsOnly(ModelPermissionPolicy):
    """For settings that decide who holds which role (sign-in role mappings): system
    administrators (superusers) alone view, add, change and delete them."""

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return user.is_active and user.is_superuser
