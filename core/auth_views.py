"""The sign-in page with lockout (see core.security) and a message that says what happened."""

from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core import security


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your user name and password didn't match. Please try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username:
            try:
                security.check_not_locked(self.request, username)
            except security.LockedOut as locked:
                # Refused before the password is even checked: a locked account cannot be probed.
                raise locked.validation_error() from None
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                try:
                    security.check_not_locked(self.request, username, record=False)
                except security.LockedOut as locked:  # this failure was the last one allowed
                    raise locked.validation_error() from None
            raise


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LockoutAuthenticationForm
