"""The printed forms (QF75-11 in maintenance.views_print; QF75-13, QF70-2-1, QF70-2-12, the
disposal list and decision), each as a printable page (`<name>_print`) and a PDF (`<name>_pdf`):
Arabic unless `?lang=en`, whatever the UI language; the object through the same permission and
scope as its page (another school's: 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info
from django.views import View

from core.roles import VIEW
from core.views import ActionPermissionMixin, ScopedQuerysetMixin

#: A form's language unless the reader asks for another (?lang=en): the forms are Arabic records.
FORM_LANGUAGE = "ar"


def print_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "")
    return language if language in dict(settings.LANGUAGES) else FORM_LANGUAGE


class PrintedFormView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """Subclasses set `model`, `template`, `url_name` (without _print/_pdf) and implement
    `form_context(obj)` (called in the printed language) and `filename(obj)`."""

    permission_action = VIEW
    template = ""
    url_name = ""
    pdf = False

    def form_context(self, obj: Model) -> dict[str, Any]:
        raise NotImplementedError

    def filename(self, obj: Model) -> str:
        raise NotImplementedError

    def back_url(self, obj: Model) -> str:
        return obj.get_absolute_url()

    def form_url(self, kind: str, obj: Model, language: str) -> str:
        url = reverse(f"maintenance:{self.url_name}_{kind}", args=[obj.pk])
        return url if language == FORM_LANGUAGE else f"{url}?{urlencode({'lang': language})}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_scoped_object()
        language = print_language(request)
        if self.pdf:
            from core.pdf import pdf_response, render_pdf  # WeasyPrint loads when a form is printed

            with translation.override(language):
                context = self.form_context(obj)
            pdf = render_pdf(self.template, context, request=request, language=language)
            response = pdf_response(pdf, self.filename(obj))
            response["Cache-Control"] = "private, no-store"
        else:
            other = "en" if language == "ar" else "ar"
            with translation.override(language):
                context = {
                    **self.form_context(obj),
                    "pdf_url": self.form_url("pdf", obj, language),
                    "other_language_url": self.form_url("print", obj, other),
                    "other_language": other,
                    "other_language_name": get_language_info(other)["name_local"],
                    "back_url": self.back_url(obj),
                }
                html = render_to_string(self.template, context, request=request)
            response = HttpResponse(html)
        response["Content-Language"] = language
        return response
