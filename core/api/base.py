"""API settings' classes: pagination, the role permission and the error handler.

Kept apart from core.api.views: DRF imports these while it loads its own views, so this
module must not import rest_framework.views at import time.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission

from core import roles

METHOD_ACTIONS = {
    "GET": roles.VIEW,
    "HEAD": roles.VIEW,
    "OPTIONS": roles.VIEW,
    "POST": roles.ADD,
    "PUT": roles.CHANGE,
    "PATCH": roles.CHANGE,
    "DELETE": roles.DELETE,
}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class RolePermission(BasePermission):
    """The role table of core.roles, checked for the view's model (or `permission_model`).

    A view action may name what it needs with `required_action` on the @action decorator.
    """

    def has_permission(self, request, view) -> bool:
        if roles.user_role(request.user) is None:
            return False
        model = getattr(view, "permission_model", None) or getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        action_name = getattr(getattr(view, getattr(view, "action", "") or "", None), "required_action", None)
        return roles.can(request.user, action_name or METHOD_ACTIONS.get(request.method, roles.CHANGE), model)


def exception_handler(exc, context):
    """Model validation and protected deletes answer 400 with the field and the reason."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()}
        exc = ValidationError(detail)
    elif isinstance(exc, ProtectedError):
        exc = ValidationError({"non_field_errors": [str(exc.args[0])]})
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
