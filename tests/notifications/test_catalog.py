"""The notices render in Arabic and English, from plain context keys, for each channel."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from notifications.catalog import NOTICES, render
from notifications.choices import Channel

CONTEXTS = {
    "ticket_received": {
        "number": "2026-000123",
        "title": "Printer & scanner <lab 1>",
        "school": "Al-Amal Girls School",
        "lookup_url": "http://127.0.0.1:8000/track/",
    },
    "ticket_status": {
        "number": "2026-000123",
        "status": "On hold",
        "public_reply": "Waiting for the toner to arrive.",
        "lookup_url": "http://127.0.0.1:8000/track/",
    },
    "ticket_resolved": {
        "number": "2026-000123",
        "title": "Printer",
        "public_reply": "Replaced the fuser.",
        "feedback_url": "http://127.0.0.1:8000/track/feedback/abc/",
    },
    "ticket_escalated": {
        "number": "2026-000123",
        "level": "IT head",
        "due_at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        "ticket_url": "http://127.0.0.1:8000/tickets/7/",
        "school": "Al-Amal Girls School",
        "title": "Printer",
    },
    "ticket_assigned": {
        "number": "2026-000123",
        "title": "Printer",
        "school": "Al-Amal Girls School",
        "ticket_url": "http://127.0.0.1:8000/tickets/7/",
    },
    "ticket_objected": {
        "number": "2026-000123",
        "reason": "The printer still jams on every page.",
        "title": "Printer",
        "school": "Al-Amal Girls School",
        "ticket_url": "http://127.0.0.1:8000/tickets/7/",
    },
    "ticket_urgent": {
        "number": "2026-000123",
        "title": "Core switch of the directorate does not answer ping",
        "school": "Al-Amal Girls School",
        "ticket_url": "http://127.0.0.1:8000/tickets/7/",
    },
}
ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF]")
LRM = "\u200e"


def test_every_notice_has_an_example_here():
    assert set(CONTEXTS) == set(NOTICES)


@pytest.mark.parametrize("key", sorted(NOTICES))
@pytest.mark.parametrize("language", ["ar", "en"])
def test_each_notice_renders_for_both_channels_in_both_languages(key, language):
    context = CONTEXTS[key]
    email = render(template=key, channel=Channel.EMAIL, language=language, context=context)
    sms = render(template=key, channel=Channel.SMS, language=language, context=context)
    for text in (email.subject, email.body, sms.body):
        assert context["number"] in text
        assert "{%" not in text and "{{" not in text
        assert bool(ARABIC_LETTERS.search(text)) is (language == "ar")
    assert "\n" not in email.subject
    assert "\n\n\n" not in email.body
    assert sms.subject == "" and sms.html == ""
    for url_key in ("lookup_url", "feedback_url", "ticket_url"):
        if url_key in context:
            assert context[url_key] in email.body
            assert f'href="{context[url_key]}"' in email.html
    assert len(sms.body) <= 160


def test_an_arabic_email_is_right_to_left_and_an_english_one_left_to_right():
    arabic = render(
        template="ticket_received", channel=Channel.EMAIL, language="ar", context=CONTEXTS["ticket_received"]
    )
    english = render(
        template="ticket_received", channel=Channel.EMAIL, language="en", context=CONTEXTS["ticket_received"]
    )
    assert '<html lang="ar" dir="rtl">' in arabic.html and "text-align:right" in arabic.html
    assert '<html lang="en" dir="ltr">' in english.html
    assert arabic.subject == f"تم استلام طلبك: البلاغ رقم {LRM}2026-000123{LRM}"
    assert english.subject == "Your request was received: ticket 2026-000123"


def test_left_to_right_values_keep_their_order_in_an_arabic_message():
    """Digits after Arabic words are Arabic numbers to the bidi algorithm: without the marks
    "2026-000123" shows as "000123-2026", and a link's final slash jumps to its start."""
    context = CONTEXTS["ticket_received"]
    arabic = render(template="ticket_received", channel=Channel.EMAIL, language="ar", context=context)
    sms = render(template="ticket_received", channel=Channel.SMS, language="ar", context=context)
    english = render(template="ticket_received", channel=Channel.EMAIL, language="en", context=context)
    for text in (arabic.subject, arabic.body, sms.body):
        assert f"{LRM}2026-000123{LRM}" in text
    assert f"{LRM}http://127.0.0.1:8000/track/{LRM}" in arabic.body
    assert '<a dir="ltr" href="http://127.0.0.1:8000/track/" rel="nofollow">http://127.0.0.1:8000/track/</a>' in (
        arabic.html
    )
    assert f"{LRM}2026-000123{LRM}" in arabic.html
    assert arabic.context == context  # stored as given, without the marks
    assert LRM not in english.subject + english.body + english.html


def test_text_is_not_html_escaped_but_the_html_version_is():
    email = render(
        template="ticket_received", channel=Channel.EMAIL, language="en", context=CONTEXTS["ticket_received"]
    )
    assert "Printer & scanner <lab 1>" in email.body
    assert "Printer &amp; scanner &lt;lab 1&gt;" in email.html
    assert "<lab 1>" not in email.html


def test_optional_keys_leave_no_trace_when_absent():
    email = render(
        template="ticket_status",
        channel=Channel.EMAIL,
        language="en",
        context={"number": "2026-000123", "status": "In progress"},
    )
    assert email.body.startswith("The status of ticket 2026-000123 is now: In progress.")
    assert "The IT department's reply" not in email.body and "http" not in email.body
    sms = render(
        template="ticket_status", channel=Channel.SMS, language="en", context={"number": "2026-000123", "status": "New"}
    )
    assert sms.body == "Ticket 2026-000123: New."


def test_times_are_shown_in_the_sites_time_zone_and_the_recipients_language(settings):
    settings.TIME_ZONE = "Asia/Amman"
    english = render(
        template="ticket_escalated", channel=Channel.EMAIL, language="en", context=CONTEXTS["ticket_escalated"]
    )
    assert "12:30 p.m." in english.body  # 09:30 UTC is 12:30 in Amman
    arabic = render(
        template="ticket_escalated", channel=Channel.EMAIL, language="ar", context=CONTEXTS["ticket_escalated"]
    )
    assert "مارس" in arabic.body or "آذار" in arabic.body


def test_a_lazy_label_comes_out_in_the_recipients_language_whatever_the_callers():
    context = {"number": "2026-000123", "status": gettext_lazy("Sent")}  # a label translated in the catalog
    with translation.override("en"):
        arabic = render(template="ticket_status", channel=Channel.SMS, language="ar", context=context)
    with translation.override("ar"):
        english = render(template="ticket_status", channel=Channel.SMS, language="en", context=context)
    assert "Sent" in english.body and english.context["status"] == "Sent"
    assert "Sent" not in arabic.body and arabic.context["status"] != "Sent"
    assert arabic.context["status"] in arabic.body


def test_the_sms_of_a_long_title_is_kept_short():
    context = {**CONTEXTS["ticket_assigned"], "title": "A very long description of a problem " * 5}
    sms = render(template="ticket_assigned", channel=Channel.SMS, language="en", context=context)
    assert len(sms.body) < 140
