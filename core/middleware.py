from __future__ import annotations

import uuid

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
