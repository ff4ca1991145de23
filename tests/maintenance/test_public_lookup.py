"""The public look-up (/track/): number + phone, public entries only, one answer for every
miss, rate limits (429), CSRF, Arabic right to left and English."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from maintenance import public, services
from maintenance.choices import TicketStatus
from tests.factories import english
from tests.maintenance.conftest import png
from tests.maintenance.requester import work_and_resolve
from tests.netmon.celery_workers import BROKER_URL
from tests.netmon.processes import ROOT

S = TicketStatus
LOOKUP = "/track/"
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token: differs on every page


@pytest.fixture(autouse=True)
def _fresh_limits(settings, fresh_cache):
    settings.PUBLIC_LOOKUP_PER_IP = 10
    settings.PUBLIC_LOOKUP_PER_NUMBER = 5
    settings.PUBLIC_LOOKUP_WINDOW_SECONDS = 600
    settings.TRUSTED_PROXY_COUNT = 0


def look_up(client: Client, number: str, phone: str, *, ip: str = "198.51.100.7", **extra):
    return client.post(LOOKUP, {"number": number, "phone": phone}, REMOTE_ADDR=ip, **extra)


def page(response) -> str:
    return response.content.decode()


def without_csrf(html: str) -> str:
    return CSRF_TOKEN.sub("<csrf>", html)


def test_the_url_is_track():
    assert reverse("maintenance:public_lookup") == LOOKUP


def test_a_match_shows_status_and_public_entries_and_nothing_internal(ticket, tech, school):
    tech.first_name, tech.last_name, tech.username = "Khaled", "Haddad", "khaled.haddad"
    tech.save()
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version)
    services.ticket_comment(ticket=ticket, by=tech, text="INTERNAL NOTE: spare PSU in the Zarqa store")
    services.ticket_comment(ticket=ticket, by=tech, text="We will visit the lab on Sunday.", public=True)
    services.attachment_add(ticket=ticket, file=png("public-photo.png"), by=tech, public=True)
    services.attachment_add(ticket=ticket, file=png("internal-photo.png"), by=tech)
    ticket = work_and_resolve(ticket, tech, reply="Reseated the power cable.")
    client = english()
    response = look_up(client, ticket.number, "0790000001")
    assert response.status_code == 302 and response["Location"] == f"/track/{ticket.number}/"
    html = page(client.get(response["Location"]))
    # what the requester may read
    for shown in (
        ticket.number,
        "PC does not boot",
        "Lab PC 3 shows a black screen.",  # their own description
        "Device",  # category
        "Al-Amal Girls School",
        "We will visit the lab on Sunday.",
        "Reseated the power cable.",
        "Status: Resolved",
        "IT department",
    ):
        assert shown in html, shown
    # never: internal notes, the technical report, technicians, files, the requester's contacts
    for hidden in (
        "INTERNAL NOTE",
        "Zarqa",
        "Loose power cable",  # the technical report's diagnosis
        "khaled",
        "Khaled",
        "Haddad",
        "public-photo.png",
        "internal-photo.png",
        "/attachments/",
        "0790000001",
        "Huda",
    ):
        assert hidden not in html, hidden
    # resolved and unanswered: the answer link is offered
    assert f'href="{public.feedback_path(ticket)}"' in html


def test_an_unknown_number_and_a_wrong_phone_get_the_same_answer(ticket, new_ticket):
    automatic_like = new_ticket(requester_phone="", title="No phone")  # a ticket with no phone matches nothing
    client = english()
    client.get(LOOKUP)
    wrong_phone = look_up(client, ticket.number, "0799999999")
    unknown = look_up(client, "2026-999999", "0790000001")
    no_phone = look_up(client, automatic_like.number, "0790000001")
    assert wrong_phone.status_code == unknown.status_code == no_phone.status_code == 404
    pages = [
        without_csrf(page(response)).replace(typed, "<typed number>")  # the form keeps what was typed
        for response, typed in (
            (wrong_phone, ticket.number),
            (unknown, "2026-999999"),
            (no_phone, automatic_like.number),
        )
    ]
    assert pages[0] == pages[1] == pages[2]
    assert "No request matches this ticket number and phone number" in page(unknown)
    assert dict(wrong_phone.headers) == dict(unknown.headers) == dict(no_phone.headers)
    assert "PC does not boot" not in page(wrong_phone)
    # and no session grant: the ticket page sends back to the form
    assert client.get(f"/track/{ticket.number}/")["Location"] == f"{LOOKUP}?number={ticket.number}"


@pytest.mark.parametrize(
    "typed_number, typed_phone",
    [
        ("{number}", "+962 79 000 0001"),
        ("{number}", "00962790000001"),
        ("{number}", "079-000-0001"),
        ("{arabic_number}", "٠٧٩٠٠٠٠٠٠١"),  # Arabic-Indic digits, as an Arabic keyboard types them
        ("{short_number}", "962790000001"),  # "2026-1" for "2026-000001"
    ],
)
def test_phone_and_number_are_compared_normalised(ticket, typed_number, typed_phone):
    arabic = ticket.number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    year, seq = ticket.number.split("-")
    typed = typed_number.format(number=ticket.number, arabic_number=arabic, short_number=f"{year}-{int(seq)}")
    response = look_up(english(), typed, typed_phone)
    assert response.status_code == 302 and response["Location"] == f"/track/{ticket.number}/"


def test_phone_matching_rules():
    assert public.phone_key("+962 (79) 000-0001") == "790000001"
    assert public.phones_match("0790000001", "00962790000001")
    assert public.phones_match("06 555 1234", "+962 6 555 1234")  # a landline: 8 significant digits
    assert not public.phones_match("0790000002", "0790000001")
    assert not public.phones_match("0001", "0790000001")  # a few digits match nothing
    assert not public.phones_match("", "")
    assert not public.phones_match("0790000001", "")


def test_too_many_tries_from_one_address_get_429(ticket):
    client = english()
    for i in range(10):  # ten numbers: the address's limit, not a number's
        assert look_up(client, f"2026-99990{i}", "0790000009").status_code == 404
    refused = look_up(client, ticket.number, "0790000001")  # even the right phone: the address is spent
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "Too many attempts" in page(refused)
    assert look_up(client, ticket.number, "0790000001", ip="198.51.100.8").status_code == 302  # another address


def test_too_many_failed_tries_on_one_number_get_429_from_any_address(ticket):
    client = english()
    for i in range(5):
        assert look_up(client, ticket.number, "0799999999", ip=f"203.0.113.{i}").status_code == 404
    refused = look_up(client, ticket.number, "0790000001", ip="203.0.113.200")
    assert refused.status_code == 429
    assert look_up(client, "2026-999999", "0790000001", ip="203.0.113.201").status_code == 404  # other numbers


def test_the_requester_may_look_up_their_own_ticket_often(ticket):
    client = english()
    for i in range(8):  # successes do not use up the number's allowance (addresses differ: a school's NAT)
        assert look_up(client, ticket.number, "0790000001", ip=f"192.0.2.{i}").status_code == 302


def test_the_429_is_in_arabic_by_default(ticket, settings):
    settings.PUBLIC_LOOKUP_PER_IP = 1
    client = Client()
    look_up(client, ticket.number, "0799999999")
    refused = look_up(client, ticket.number, "0799999999")
    assert refused.status_code == 429
    html = page(refused)
    assert '<html lang="ar" dir="rtl">' in html and "Too many attempts" not in html
    assert re.search(r'role="alert" id="lookup-refused">\s*[\u0600-\u06ff]', html)


def test_behind_a_trusted_proxy_the_forwarded_client_counts(ticket, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PUBLIC_LOOKUP_PER_IP = 2
    client = english()
    for i in range(3):  # three clients behind one proxy address: each has its own allowance
        forwarded = f"10.9.9.9, 192.0.2.{i}"  # the first hop is whatever the client claimed
        response = look_up(client, "2026-999997", "0790000009", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 404
    spoofed = [
        look_up(client, "2026-999997", "0790000009", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 192.0.2.0")
        for i in range(2)
    ]
    assert [r.status_code for r in spoofed] == [404, 429]  # a made-up first hop does not buy more tries


def test_csrf_is_enforced(ticket):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOOKUP, {"number": ticket.number, "phone": "0790000001"}).status_code == 403
    form = client.get(LOOKUP)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(form)).group(1)
    response = client.post(LOOKUP, {"number": ticket.number, "phone": "0790000001", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_badly_typed_number_is_a_form_error_not_a_lookup(ticket):
    response = look_up(english(), "123", "0790000001")
    assert response.status_code == 400 and "e.g. 2026-000123" in page(response)
    response = look_up(english(), ticket.number, "12")
    assert response.status_code == 400 and "whole phone number" in page(response)


def test_the_form_is_prefilled_from_the_link_in_the_message(ticket):
    html = page(english().get(f"{LOOKUP}?number={ticket.number}"))
    assert f'value="{ticket.number}"' in html and 'dir="ltr"' in html


def test_the_pages_are_arabic_and_right_to_left_by_default(ticket):
    client = Client()
    html = page(client.get(LOOKUP))
    assert '<html lang="ar" dir="rtl">' in html and "bootstrap.rtl.min.css" in html
    look_up(client, ticket.number, "0790000001")
    html = page(client.get(f"/track/{ticket.number}/"))
    assert '<html lang="ar" dir="rtl">' in html and f'<bdi dir="ltr">{ticket.number}</bdi>' in html
    assert "Status" not in html and "PC does not boot" in html


def test_the_session_grant_is_for_the_looked_up_ticket_only(ticket, new_ticket):
    other = new_ticket(title="Other request", requester_phone="0790000001")
    client = english()
    look_up(client, ticket.number, "0790000001")
    assert client.get(f"/track/{ticket.number}/").status_code == 200
    assert client.get(f"/track/{other.number}/").status_code == 302
    assert english().get(f"/track/{ticket.number}/").status_code == 302  # another browser


def test_with_redis_every_web_process_counts_the_same_tries(ticket, redis_cache, tmp_path):
    # another web process — its own Python, configured by REDIS_URL — spends 9 of the address's 10 tries
    spend = (
        "import django; django.setup(); from maintenance import public; "
        "print(sum(public.try_lookup(ip='198.51.100.9', number=f'2026-99990{i}') for i in range(9)))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="siyana.settings", DATA_DIR=str(tmp_path), REDIS_URL=BROKER_URL)
    run = subprocess.run([sys.executable, "-c", spend], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "9"
    client = english()
    assert look_up(client, "2026-999998", "0790000009", ip="198.51.100.9").status_code == 404  # the 10th
    assert look_up(client, ticket.number, "0790000001", ip="198.51.100.9").status_code == 429
    assert 0 < redis_cache.ttl("siyana:1:siyana:public:ip:198.51.100.9") <= 600  # the window lives in Redis


def test_the_sign_in_page_leads_requesters_to_the_look_up():
    html = page(english().get(reverse("login")))
    assert f'href="{LOOKUP}"' in html and "Follow a maintenance request" in html


def test_the_pages_are_not_kept_in_the_browsers_cache(ticket):
    client = english()
    found = look_up(client, ticket.number, "0790000001")
    for response in (client.get(LOOKUP), found, client.get(found["Location"])):
        assert "no-store" in response["Cache-Control"]
