"""The IT head's API token page (/tokens/): issue a key (shown once, on the answer to the POST, never
again), see who holds which token and when it was last used, and revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from core import services
from core.models import ApiToken
from core.roles import ADD, DELETE, VIEW, can
from core.selectors import managed_users
from core.views import apply_validation_error, style_form


class IssueTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("User"), queryset=get_user_model().objects.filter(is_active=True).order_by("username")
    )

    def __init__(self, *args: Any, by, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # only the accounts the IT head manages (a directorate's own; superusers for a superuser alone)
        self.fields["user"].queryset = managed_users(by).filter(is_active=True).order_by("username")

    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What or who uses it, e.g. inventory sync.")
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=gettext_lazy("Empty: until revoked."),
    )


@method_decorator(never_cache, name="dispatch")  # the page that shows a key once is never kept
class ApiTokenView(View):
    template_name = "core/api_tokens.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not can(request.user, VIEW, ApiToken):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, request: HttpRequest, form: IssueTokenForm, *, key: str | None = None, status: int = 200):
        now = timezone.now()
        tokens = [
            {"token": t, "active": t.is_usable(now)}
            for t in self.tokens(request).select_related("user").order_by("revoked", "-created")[:500]
        ]
        context = {"title": _("API tokens"), "form": style_form(form), "tokens": tokens, "new_key": key}
        return render(request, self.template_name, context, status=status)

    def tokens(self, request: HttpRequest):
        """The tokens of the accounts the signed-in IT head manages (the rest are not found)."""
        return ApiToken.objects.filter(user__in=managed_users(request.user))

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, IssueTokenForm(by=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        if "revoke" in request.POST:
            if not can(request.user, DELETE, ApiToken):
                raise PermissionDenied
            pk = request.POST.get("revoke", "x") or 0
            token = get_object_or_404(self.tokens(request).select_related("user"), pk=pk)
            services.revoke_api_token(token, by=request.user, request=request)
            messages.success(request, _("Token %(token)s revoked.") % {"token": token})
            return redirect("api_tokens")
        if not can(request.user, ADD, ApiToken):
            raise PermissionDenied
        form = IssueTokenForm(request.POST, by=request.user)
        if not form.is_valid():
            return self.render(request, form, status=400)
        days = form.cleaned_data["days"]
        try:
            key = services.issue_api_token(
                form.cleaned_data["user"],
                form.cleaned_data["name"],
                expires=timezone.now() + timedelta(days=days) if days else None,
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.render(request, form, status=400)
        return self.render(request, IssueTokenForm(by=request.user), key=key)
