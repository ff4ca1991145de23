"""The IT head's quarterly dashboard (/reports/) and its exports. Thin: `reports.build` computes."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.roles import can_read_reports
from reports import exports
from reports.build import report_for
from reports.figures import CONFIG, charts
from reports.forms import QuarterForm


class ReportReaderMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; signed-in users need to be report readers (core.roles)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_read_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DashboardView(ReportReaderMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = QuarterForm.for_request(request.GET, user=request.user)
        context: dict[str, Any] = {"title": _("Quarterly reports"), "form": form}
        if form.is_valid():
            report = report_for(request.user, form.report_quarter(), directorate_id=form.directorate_id())
            query = {k: v for k, v in form.cleaned_data.items() if k in ("year", "quarter")}
            if form.directorate_id():
                query["directorate"] = form.directorate_id()
            context.update(exports.context(report, limit=exports.SHOWN_ROWS))
            context["title"] = report.title
            context["charts"] = [
                {"key": c.key, "title": c.title, "json": exports.chart_json(c)} for c in charts(report)
            ]
            context["plotly_config"] = json.dumps(CONFIG)
            context["exports"] = [
                (fmt, label, f"export/?{urlencode({**query, 'format': fmt})}")
                for fmt, label in (
                    ("pdf", "PDF"),
                    ("xlsx", "Excel (XLSX)"),
                    ("csv", _("CSV (zip)")),
                    ("html", _("HTML (offline)")),
                )  # fmt: skip
            ]
        return self.render_to_response(context, status=200 if form.is_valid() else 400)


class ExportView(ReportReaderMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("format", "")
        if fmt not in exports.FORMATS:
            return HttpResponseBadRequest(_("Choose a format: html, xlsx, csv or pdf."))
        form = QuarterForm.for_request(request.GET, user=request.user)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose a year and a quarter."))
        report = report_for(request.user, form.report_quarter(), directorate_id=form.directorate_id())
        file = exports.export(report, fmt)
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = content_disposition_header(True, file.filename)
        return response
