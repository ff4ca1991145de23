"""Response headers Django's SecurityMiddleware does not set: Content-Security-Policy.

The policy is settings.CONTENT_SECURITY_POLICY (env CONTENT_SECURITY_POLICY; empty: no header).
A view that sets its own policy keeps it.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
