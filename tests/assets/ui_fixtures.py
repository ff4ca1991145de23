"""Helpers for the UI tests (imported explicitly; the shared fixtures live in tests/conftest.py)."""

from __future__ import annotations

import re

from django.test import Client

from assets.models import Directorate, Location, School


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def select_options(html: str, name: str) -> list[str]:
    """The visible labels of the <option>s of the <select name=…> in the page."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no <select name={name!r}> in the page"
    return [re.sub(r"\s+", " ", o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", match.group(1), re.S)]


def far_school() -> School:
    """A school of another directorate, with a location."""
    directorate = Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد", name_en="Irbid Directorate")
    school = School.objects.create(directorate=directorate, code="220001", name_ar="مدرسة اليرموك البعيدة")
    Location.objects.create(school=school, name_ar="مختبر اليرموك", kind="computer_lab")
    return school
