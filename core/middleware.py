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
            return self.get_response(request)


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
