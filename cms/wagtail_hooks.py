"""Wagtail admin wiring for the curricula (sign-off log actions and labels, module pairings), the
outboxes of email and text messages and the record of copies made of people's data, for system
administrators."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from cms.curricula.workflows import SLOTS, CoAuthorSignOffTaskState
from cms.models import (
    ModulePairing,
    OutgoingEmail,
    OutgoingText,
    PersonalDataExport,
    PersonErasure,
    RetentionRun,
    SecondFactorReset,
    SignInRoleMapping,
)
from cms.models.outbox import OutgoingMessage
from cms.outbox import EMAILS
from cms.permissions import ReadBySystemAdministratorsOnly, SystemAdministratorsOnly
from cms.second_factors.views import second_factor_reset_view
from cms.sso.roles import ROLE_GRANTED, ROLE_REMOVED
from cms.texts import TEXTS


class SignOffLogFormatter(LogFormatter):
    def format_comment(self, log_entry):
        return log_entry.data.get("comment", "")


@hooks.register("register_log_actions")
def register_sign_off_log_actions(actions):
    for slot in SLOTS:
        formatter = type(
            f"{slot.name.title()}SignOffLogFormatter",
            (SignOffLogFormatter,),
            {"label": slot.log_label, "message": slot.log_label},
        )
        actions.register_action(slot.log_action)(formatter)


@hooks.register("construct_page_action_menu")
def say_when_a_sign_off_does_not_publish(menu_items, request, context):
    """Wagtail labels every approval at the last task "... and Publish"; the first of the two
    sign-offs publishes nothing, so it keeps the plain label."""
    page = context.get("page")
    task_state = page.current_workflow_task_state if page is not None else None
    if not isinstance(task_state, CoAuthorSignOffTaskState):
        return
    slot = task_state.open_slot_for(request.user)
    if slot is None or task_state.completed_by(slot):
        return
    labels = [
        label
        for name, label, _modal in task_state.task.specific.get_actions(page, request.user)
        if name == "approve"
    ]
    items = [item for item in menu_items if getattr(item, "name", None) == "approve"]
    for item, label in zip(items, labels, strict=False):
        item.label = label


class ModulePairingViewSet(ModelViewSet):
    """Which patient module teaches the same skill as which professional module (one to one)."""

    model = ModulePairing
    menu_label = "Module pairings"
    icon = "link"
    add_to_admin_menu = True
    list_display = ["patient_module", "professional_module"]
    list_export = ["patient_module", "professional_module"]
    export_filename = "module-pairings"


@hooks.register("register_admin_viewset")
def register_module_pairing_viewset():
    return ModulePairingViewSet("module_pairings")


# --- the outboxes of email and text messages (cms/outbox.py, cms/texts.py) -------------------
# One listing for both, with "Send again" for what is not sent yet.
register_permission_policy(OutgoingEmail, ReadBySystemAdministratorsOnly(OutgoingEmail))
register_permission_policy(OutgoingText, ReadBySystemAdministratorsOnly(OutgoingText))


@require_http_methods(["GET", "POST"])
def outbox_send_again(request, pk, *, viewset):
    if not (request.user.is_active and request.user.is_superuser):
        raise PermissionDenied
    outgoing = get_object_or_404(viewset.model, pk=pk)
    if request.method == "POST":
        outgoing = viewset.outbox.retry(outgoing_id=outgoing.pk)
        if outgoing.status == OutgoingMessage.Status.SENT:
            messages.info(request, f"{viewset.described(outgoing)} had already been sent.")
        else:
            messages.success(request, f"{viewset.described(outgoing)} will be sent again now.")
        return redirect(viewset.get_url_name("index"))
    return TemplateResponse(request, viewset.send_again_template, {"outgoing": outgoing})


class OutboxIndexView(IndexView):
    send_again_url_name = None  # given by OutboxViewSet

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status != OutgoingMessage.Status.SENT:
            buttons.append(
                MenuItem(
                    "Send again",
                    url=reverse(self.send_again_url_name, args=[instance.pk]),
                    icon_name="resubmit",
                    priority=15,
                )
            )
        return buttons


class OutboxViewSet(ModelViewSet):
    """An outbox's messages, sent or trying to be: failed ones show their error and can be sent
    again. For system administrators only. `outbox` sends; `described` names one message."""

    outbox = None
    send_again_template = ""
    index_view_class = OutboxIndexView
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_filter = ["status"]
    ordering = ["-created_at"]

    @staticmethod
    def described(outgoing) -> str:
        raise NotImplementedError

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            send_again_url_name=self.get_url_name("send_again"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "send-again/<int:pk>/",
                partial(outbox_send_again, viewset=self),
                name="send_again",
            ),
        ]


class OutgoingEmailViewSet(OutboxViewSet):
    """Every email the site has sent or is trying to send."""

    model = OutgoingEmail
    outbox = EMAILS
    send_again_template = "wagtailadmin/outgoing_email/send_again.html"
    menu_label = "Outgoing email"
    icon = "mail"
    list_display = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    inspect_view_fields = [*list_display, "sent_at"]
    search_fields = ["to", "subject"]
    form_fields = ["subject"]  # never offered: nobody has the add or change permission

    @staticmethod
    def described(outgoing) -> str:
        return f"“{outgoing.subject}”"


class OutgoingTextViewSet(OutboxViewSet):
    """Every text message the site has sent through GOV.UK Notify or is trying to, with whether
    the phone got it (Notify's receipt)."""

    model = OutgoingText
    outbox = TEXTS
    send_again_template = "wagtailadmin/outgoing_text/send_again.html"
    menu_label = "Outgoing texts"
    icon = "mobile-alt"
    list_display = [
        "created_at",
        "to",
        "kind",
        "status",
        "delivery_status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    inspect_view_fields = [
        *list_display,
        "body",
        "sent_at",
        "delivered_at",
        "notify_id",
        "reference",
    ]
    list_filter = ["status", "delivery_status"]
    search_fields = ["to", "kind"]
    form_fields = ["kind"]  # never offered: nobody has the add or change permission

    @staticmethod
    def described(outgoing) -> str:
        return f"The text to {outgoing.to}"


@hooks.register("register_admin_viewset")
def register_outgoing_email_viewset():
    return OutgoingEmailViewSet("outgoing_email")


@hooks.register("register_admin_viewset")
def register_outgoing_text_viewset():
    return OutgoingTextViewSet("outgoing_text")


# --- sign-in with the organisation's account: group claims mapped to roles (cms/sso/roles.py) --
register_permission_policy(SignInRoleMapping, SystemAdministratorsOnly(SignInRoleMapping))


class SignInRoleMappingViewSet(ModelViewSet):
    """Which group claim of which identity provider gives which role. System administrators
    only: a role given this way is taken away when the claim no longer carries the group."""

    model = SignInRoleMapping
    menu_label = "Sign-in role mappings"
    icon = "key"
    add_to_settings_menu = True
    list_display = ["provider", "claim", "value", "role"]
    list_filter = ["provider", "role"]
    list_export = ["provider", "claim", "value", "role"]
    export_filename = "sign-in-role-mappings"
    form_fields = ["provider", "claim", "value", "role"]
    copy_view_enabled = False


@hooks.register("register_admin_viewset")
def register_sign_in_role_mapping_viewset():
    return SignInRoleMappingViewSet("sign_in_role_mappings")


class SignInRoleLogFormatter(LogFormatter):
    def format_message(self, log_entry):
        return self.message.format(**log_entry.data)


@hooks.register("register_log_actions")
def register_sign_in_role_log_actions(actions):
    for action, label, message in [
        (ROLE_GRANTED, "Role given at sign-in", "Role {role} given at sign-in with {provider}"),
        (
            ROLE_REMOVED,
            "Role taken away at sign-in",
            "Role {role} taken away at sign-in with {provider}",
        ),
    ]:
        formatter = type(
            "SignInRoleLogFormatter",
            (SignInRoleLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)


# --- Markdown authoring (cms/markdown_editing.py) ---------------------------------------------
# The line-by-line comparison of Markdown texts is shown on Wagtail's Compare page, which loads no
# widget media: its stylesheet comes with every admin page.


register_permission_policy(PersonErasure, ReadBySystemAdministratorsOnly(PersonErasure))
register_permission_policy(RetentionRun, ReadBySystemAdministratorsOnly(RetentionRun))


class PersonErasureViewSet(ModelViewSet):
    """Each person erased: when, by whom, why, how many rows of each kind. Read only, for system
    administrators; nothing in a row says who was erased."""

    model = PersonErasure
    menu_label = "People erased"
    icon = "bin"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["erased_at", "erased_by", "by_themselves", "by_retention", "reason"]
    list_export = ["erased_at", "erased_by", "by_themselves", "by_retention", "reason", "counts"]
    export_filename = "people-erased"
    ordering = ["-erased_at"]
    form_fields = ["reason"]  # never offered: nobody has the add or change permission


class RetentionRunViewSet(ModelViewSet):
    """Each real run of the retention job and what it did per kind of data. Read only."""

    model = RetentionRun
    menu_label = "Retention runs"
    icon = "time"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["ran_at", "counts", "reported"]
    list_export = ["ran_at", "counts", "reported"]
    export_filename = "retention-runs"
    ordering = ["-ran_at"]
    form_fields = ["counts"]  # never offered: nobody has the add or change permission


@hooks.register("register_admin_viewset")
def register_privacy_viewsets():
    return [PersonErasureViewSet("people_erased"), RetentionRunViewSet("retention_runs")]


class ErasePersonMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_erase_person_menu_item():
    """The page that erases a person for a written request (system administrators only)."""
    return ErasePersonMenuItem(
        "Erase a person", reverse("erase_person"), icon_name="bin", order=900
    )


@hooks.register("insert_global_admin_css")
def markdown_comparison_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', versioned_static("cms/admin/markdown-compare.css")
    )


# --- end of Markdown authoring ----------------------------------------------------------------


# --- a tutor's dashboard: what awaits their sign-off, their changes, how co-authoring works -----
# (the hook bodies live in cms.curricula.dashboard)

from cms.curricula.dashboard import (  # noqa: E402
    tutor_panels_construct,
    tutor_summary_items_construct,
)

hooks.register("construct_homepage_panels", tutor_panels_construct)
# Last, after Wagtail's own pages, images and documents items are added.
hooks.register("construct_homepage_summary_items", tutor_summary_items_construct, order=1000)


register_permission_policy(PersonalDataExport, ReadBySystemAdministratorsOnly(PersonalDataExport))


class PersonalDataExportViewSet(ModelViewSet):
    """Every copy made of everything held about a person: by themselves, or by staff for a
    written request (with its reference). Read only, for system administrators."""

    model = PersonalDataExport
    menu_label = "Personal data exports"
    icon = "download"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "produced_at",
        "person",
        "produced_by",
        "reference",
        "request_received_on",
    ]
    list_export = list_display
    export_filename = "personal-data-exports"
    search_fields = ["reference"]
    ordering = ["-produced_at"]
    form_fields = ["reference"]  # never offered: nobody has the add or change permission


@hooks.register("register_admin_viewset")
def register_personal_data_export_viewset():
    return PersonalDataExportViewSet("personal_data_exports")


# --- two-step sign-in (cms/second_factors/) ---------------------------------------------------
# System administrators reset a person's second factors from the Users list; each reset is kept
# (Settings > Two-step sign-in resets), readable by system administrators only.

register_permission_policy(SecondFactorReset, ReadBySystemAdministratorsOnly(SecondFactorReset))


@hooks.register("register_admin_urls")
def second_factor_reset_urls():
    return [
        path(
            "second-factors/reset/<int:user_id>/",
            second_factor_reset_view,
            name="second_factor_reset",
        )
    ]


@hooks.register("register_user_listing_buttons")
def second_factor_reset_button(user, request_user):
    if not request_user.is_superuser or user.pk == request_user.pk:
        return []
    return [
        MenuItem(
            "Reset two-step sign-in",
            url=reverse("second_factor_reset", args=[user.pk]),
            icon_name="key",
            priority=50,
        )
    ]


class SecondFactorResetViewSet(ModelViewSet):
    """Who reset whose two-step sign-in, when and why. Nobody changes a row."""

    model = SecondFactorReset
    menu_label = "Two-step sign-in resets"
    icon = "key"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["reset_at", "person_email", "reset_by_email", "removed", "reason"]
    inspect_view_fields = list_display
    search_fields = ["person_email", "reset_by_email", "reason"]
    ordering = ["-reset_at"]
    form_fields = ["reason"]  # never offered: nobody has the add or change permission


@hooks.register("register_admin_viewset")
def register_second_factor_reset_viewset():
    return SecondFactorResetViewSet("second_factor_resets")
