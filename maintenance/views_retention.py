"""Record retention: the records table with each type's period (the IT head edits it), what is past
retention today (and what an open ticket keeps), and the exports made so far. Exporting and
purging are deliberate operator steps: `manage.py retention` (see maintenance.retention_services)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.roles import CHANGE, VIEW, can
from core.views import ActionPermissionMixin, ObjectEditView
from maintenance import retention_services
from maintenance.forms_fieldwork import RetentionPolicyForm
from maintenance.models import RetentionExport, RetentionPolicy


class RetentionPolicyListView(ActionPermissionMixin, TemplateView):
    model = RetentionPolicy
    permission_action = VIEW
    template_name = "maintenance/retention/policy_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_change = can(self.request.user, CHANGE, RetentionPolicy)
        rows = []
        for item in retention_services.due_all():
            rows.append(
                {
                    "due": item,
                    "edit_url": reverse("maintenance:retentionpolicy_edit", args=[item.policy.pk])
                    if can_change
                    else "",
                }
            )
        context.update(
            {
                "title": _("Record retention"),
                "rows": rows,
                "exports": list(RetentionExport.objects.all()[:20])
                if can(self.request.user, VIEW, RetentionExport)
                else [],
            }
        )
        return context


class RetentionPolicyEditView(ObjectEditView):
    model = RetentionPolicy
    form_class = RetentionPolicyForm

    def get_permission_action(self) -> str:
        return CHANGE

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return retention_services.retention_policy_save(policy=form.instance, by=self.request.user)

    def get_success_url(self, obj: Model) -> str:
        return reverse("maintenance:retentionpolicy_list")
