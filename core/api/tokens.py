"""POST /api/auth/token/: a user name and password for a new API token (shown once)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import security, services
from core.models import ApiToken


class ObtainTokenSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("User name"))
    password = serializers.CharField(
        label=_("Password"), style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )
    token = serializers.CharField(label=_("Token"), read_only=True)


class ObtainTokenView(APIView):
    """POST a user name and password: a new token for that user (shown once).

    Replaces the user's earlier token obtained this way; tokens issued by the IT head under
    another name are kept. Failed attempts count towards the sign-in lockout.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = ObtainTokenSerializer
    token_name = "api/auth/token"

    def post(self, request):
        serializer = ObtainTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        try:
            security.check_not_locked(request, username)
        except security.LockedOut as locked:
            response = Response({"non_field_errors": [locked.message]}, status=429)
            response["Retry-After"] = str(locked.seconds)
            return response
        user = authenticate(request._request, username=username, password=serializer.validated_data["password"])
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the user name and password given.")]}
            )
        security.clear_failures(user.get_username())  # as the web sign-in does (core.security._on_logged_in)
        for old in ApiToken.objects.filter(user=user, name=self.token_name, revoked__isnull=True):
            services.revoke_api_token(old, by=user, request=request)
        key = services.issue_api_token(user, self.token_name, by=user, request=request)
        return Response({"token": key})
