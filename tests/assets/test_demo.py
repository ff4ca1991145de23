from __future__ import annotations

import ipaddress
from io import StringIO

import pytest
from django.core.management import call_command

from assets.models import Asset, Circuit, Location, School
from core.models import ObjectChange

pytestmark = pytest.mark.django_db


def test_load_demo_builds_a_directorate_and_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    counts = (School.objects.count(), Location.objects.count(), Asset.objects.count(), Circuit.objects.count())
    assert counts[0] == 10 and counts[2] >= 250 and counts[3] == 10
    assert Location.objects.filter(kind="computer_lab").count() == 10
    changes = ObjectChange.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert (School.objects.count(), Location.objects.count(), Asset.objects.count(), Circuit.objects.count()) == counts
    assert ObjectChange.objects.count() == changes, "a second run changes nothing"


def test_demo_network_devices_have_loopback_addresses_only():
    call_command("load_demo", stdout=StringIO())
    addresses = list(Asset.objects.exclude(management_ip=None).values_list("management_ip", flat=True))
    assert len(addresses) >= 40
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses)
    assert len(set(addresses)) == len(addresses)
