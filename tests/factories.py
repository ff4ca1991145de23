"""Small builders the test modules share (fixtures stay in conftest.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from assets.models import Profile
from core.roles import Role


def make_user(username: str, role: str | None = Role.IT_HEAD, *, school=None, directorate=None):
    """A user with password "pw-<username>" and, unless `role` is None, a profile with that role."""
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role is not None:
        Profile.objects.create(user=user, role=role, school=school, directorate=directorate)
    return user


def english(client: Client | None = None) -> Client:
    """`client` (a new anonymous one if none) with the language cookie set to English, as the
    language switch leaves it: the pages answer in English instead of the default Arabic."""
    if client is None:
        client = Client()
    client.cookies["django_language"] = "en"
    return client
