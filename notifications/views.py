"""The outbox pages (IT head): every queued, sent and failed notification, and "retry now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.roles import CHANGE, can
from core.views import EMPTY, ActionPermissionMixin, Column, ObjectDetailView, ObjectListView, ScopedQuerysetMixin
from notifications import selectors, services
from notifications.catalog import notice_label
from notifications.choices import Channel, MessageStatus
from notifications.filtersets import MessageFilterSet
from notifications.models import Message


def _recipient_cell(message: Message):
    return format_html('<bdi dir="ltr">{}</bdi>', message.recipient)


def _error_cell(message: Message):
    if not message.last_error:
        return EMPTY
    return format_html(
        '<span class="text-danger" title="{}">{}</span>', message.last_error, Truncator(message.last_error).chars(60)
    )


def _retry_cell(message: Message):
    """A button of the page's one retry form (`form=` attribute): no form, and no CSRF token, per row."""
    if message.status not in MessageStatus.RETRYABLE:
        return ""
    return format_html(
        '<button type="submit" form="retry-form" formaction="{}" class="btn btn-outline-primary btn-sm">{}</button>',
        reverse("notifications:message_retry", args=[message.pk]),
        _("Retry now"),
    )


RETRY_COLUMN = Column("retry", label=gettext_lazy("Retry"), render_fn=_retry_cell)


class MessageListView(ObjectListView):
    model = Message
    template_name = "notifications/message_list.html"
    queryset_function = selectors.message_list
    filterset_class = MessageFilterSet
    title = gettext_lazy("Notifications")
    columns = [
        Column("created_at", sort="created_at", link=True),
        Column("channel", sort="channel", choices=Channel),
        Column("recipient", sort="recipient", render_fn=_recipient_cell),
        Column("template", label=gettext_lazy("Notice"), sort="template", render_fn=lambda m: notice_label(m.template)),
        Column("ref", sort="ref"),
        Column("status", sort="status", choices=MessageStatus),
        Column("attempts", sort="attempts"),
        Column("next_attempt_at", sort="next_attempt_at"),
        Column("sent_at", sort="sent_at"),
        Column("last_error", render_fn=_error_cell),
        RETRY_COLUMN,
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not can(request.user, CHANGE, Message):
            self.columns = [c for c in self.columns if c is not RETRY_COLUMN]
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_change"] = False  # messages are not edited; the retry column is their one action
        return context


class MessageDetailView(ObjectDetailView):
    model = Message
    fields = [
        Column("channel", choices=Channel),
        Column("recipient", render_fn=_recipient_cell),
        Column("language", render_fn=lambda m: m.get_language_display()),
        Column("template", label=gettext_lazy("Notice"), render_fn=lambda m: notice_label(m.template)),
        Column("ref"),
        Column("status", choices=MessageStatus),
        Column("attempts"),
        Column("next_attempt_at"),
        Column("last_error"),
        Column("created_at"),
        Column("sent_at"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        message = self.object
        return {
            "can_retry": message.status in MessageStatus.RETRYABLE and can(self.request.user, CHANGE, Message),
            "text_dir": "rtl" if message.language == "ar" else "ltr",
        }


class MessageRetryView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """POST: queue a failed or dead message again, then back to where the button was."""

    model = Message
    permission_action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        message = self.get_scoped_object()
        try:
            services.message_retry(message=message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            message.refresh_from_db()  # in-process delivery may already have sent it
            if message.status == MessageStatus.SENT:
                messages.success(request, _("The notification was sent."))
            else:
                messages.info(request, _("The notification was queued again."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = message.get_absolute_url()
        return HttpResponseRedirect(target)
