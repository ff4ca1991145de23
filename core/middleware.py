from __future__ import annotations

import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from core.changelog import change_context


class ChangeLoggingMiddleware:
    """Attributes every change made while serving a request to its user and one request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4()
        # The user is resolved lazily: DRF authenticates tokens after middleware has run.
        with change_context(user=_LazyUser(request), request_id=request.id):
            response = self.get_response(request)
        if _is_export(request, response):
            from core.models import AuditKind
            from core.security import audit

            audit(
                AuditKind.EXPORT,
                request=request,
                path=request.path,
                query=request.META.get("QUERY_STRING", "")[:500],
                content_type=response.get("Content-Type", ""),
                disposition=response.get("Content-Disposition", "")[:200],
            )
        return response


#: What counts as an export (a download of records) for the audit trail.
EXPORT_TYPES = ("text/csv", "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _is_export(request, response) -> bool:
    """A successful download of a CSV, XLSX or PDF, or any response sent as an attachment, by a
    signed-in user (API or page): these land in the audit trail."""
    if response.status_code != 200 or request.method not in ("GET", "POST"):
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content_type not in EXPORT_TYPES and "attachment" not in response.get("Content-Disposition", ""):
        return False
    user = getattr(request, "user", None)  # last: the (lazy) user is loaded only for a download
    return user is not None and user.is_authenticated


class _LazyUser:
    """Resolves to request.user when first used, which for DRF is the token's user."""

    def __init__(self, request):
        self._request = request

    def resolve(self):
        return getattr(self._request, "user", None)


class ArabicFirstLocaleMiddleware(LocaleMiddleware):
    """The UI speaks the language the user chose (the language cookie), else LANGUAGE_CODE.

    School tablets often ship with an English browser; the department's working language
    is Arabic, so the browser's Accept-Language does not pick the UI language. The API is
    different: a client states its language per request, and errors come back in it.
    """

    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
