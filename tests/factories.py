"""Small builders the test modules share (fixtures stay in conftest.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from assets.models import Profile
from core.roles import Role


def make_user(username: str, role: str | None = Role.IT_HEAD, *, school=None, directorate=None):
    """A user with password "pw-<username>" and, unless `role` is None, a profile with that role."""
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role is not None:
        Profile.objects.create(user=user, role=role, school=school, directorate=directorate)
    return user
