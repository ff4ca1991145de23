"""Ticket photos and files, and the tablet's action photo: size and type by content, clean names, stored under
MEDIA_ROOT, served through the ticket's scope as downloads (photos inline) with nosniff. Each refusal names
its field and says why."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from PIL import Image

from maintenance import services, uploads
from maintenance.models import CorrectiveAction
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english
from tests.maintenance.conftest import docx_bytes, png, png_bytes, upload
from tests.tablet.world import action_payload, open_ticket, seed_sla_policies


def en(user):
    client = client_for(user)
    english(client)
    return client


def image_bytes(fmt: str, size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

REFUSED = [
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("page.html", b"<!doctype html><script>alert(1)</script>"),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),  # HTML renamed to .jpg
    ("setup.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a Windows program renamed to .png
    ("run.pdf", b"#!/bin/sh\nrm -rf /\n"),
    ("fake.jpg", b"\xff\xd8\xff\xe0<script>alert(1)</script>"),  # a JPEG header in front of a script
    ("cut.png", png_bytes()[:30]),  # a PNG cut short
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 100),
]


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_a_file_that_is_not_what_it_says_is_refused_naming_the_field(ticket, tech, name, content):
    r = en(tech).post(reverse("maintenance:ticket_attach", args=[ticket.pk]), {"files": [upload(name, content)]})
    assert r.status_code == 400
    page = text(r)
    assert name in page and ("not an accepted type" in page or "not a valid image" in page)
    assert not ticket.attachments.exists()


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_the_service_refuses_them_on_the_field_it_names(ticket, tech, name, content):
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(ticket=ticket, file=upload(name, content), by=tech)
    assert list(caught.value.message_dict) == ["file"]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("photo.png", image_bytes("PNG"), "image/png"),
        ("photo.webp", image_bytes("WEBP"), "image/webp"),
        ("report.pdf", PDF, "application/pdf"),
        ("notes.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("misnamed.txt", image_bytes("PNG"), "image/png"),  # the content decides, and the stored name follows it
    ],
)
def test_accepted_types_are_stored_by_content_under_media_root(ticket, tech, name, content, content_type):
    attachment = services.attachment_add(ticket=ticket, file=upload(name, content), by=tech)
    assert attachment.content_type == content_type
    path = Path(attachment.file.path)
    assert path.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert path.read_bytes() == content and name not in path.name


def test_the_default_media_root_is_outside_the_code_tree():
    base = Path(django_settings.BASE_DIR).resolve()
    media = Path(django_settings.MEDIA_ROOT).resolve()
    code_dirs = [base / app for app in ("siyana", "core", "assets", "maintenance", "netmon", "reports", "static")]
    assert not any(media.is_relative_to(d) for d in code_dirs)


def test_a_too_big_photo_names_the_field_and_the_limit(ticket, tech, settings):
    settings.MAX_UPLOAD_MB = 1
    big = upload("big.png", png_bytes() + b"\0" * (1024 * 1024))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.attachment_add(ticket=ticket, file=big, by=tech)
    assert "the limit is 1 MB" in caught.value.message_dict["file"][0]


def test_an_empty_file_is_refused(ticket, tech):
    r = en(tech).post(reverse("maintenance:ticket_attach", args=[ticket.pk]), {"files": [upload("empty.png", b"")]})
    assert r.status_code == 400 and not ticket.attachments.exists()


def test_a_decompression_bomb_is_refused(ticket, tech, monkeypatch):
    # Pillow's own limit, lowered so a small picture counts as a bomb (a real one would be gigabytes in memory).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    bomb = upload("bomb.png", image_bytes("PNG", size=(400, 400)))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.attachment_add(ticket=ticket, file=bomb, by=tech)
    assert "not a valid image" in caught.value.message_dict["file"][0]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\huda\\Desktop\\lab.png", "lab.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # a right-to-left override would show it as "exe.png"
        ("a\x00b\r\nc.png", "abc.png"),
        ("صورة المختبر.png", "صورة المختبر.png"),
        ("...", "file"),
        ("x" * 300 + ".png", "x" * 196 + ".png"),
    ],
)
def test_file_names_are_cleaned(given, kept):
    assert uploads.clean_filename(given) == kept


def test_the_kept_name_is_clean_and_the_download_says_so(ticket, tech):
    attachment = services.attachment_add(ticket=ticket, file=upload("../x\u202egnp.pdf", PDF), by=tech)
    assert attachment.name == "xgnp.pdf"
    r = en(tech).get(reverse("maintenance:attachment_download", args=[attachment.pk]))
    assert r.status_code == 200 and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("attachment;") and "xgnp.pdf" in r["Content-Disposition"]
    assert "\u202e" not in r["Content-Disposition"]


def test_photos_show_inline_and_other_files_download(ticket, tech):
    photo = services.attachment_add(ticket=ticket, file=png("p.png"), by=tech)
    document = services.attachment_add(ticket=ticket, file=upload("d.docx", docx_bytes()), by=tech)
    client = en(tech)
    shown = client.get(reverse("maintenance:attachment_download", args=[photo.pk]))
    assert shown["Content-Disposition"].startswith("inline;") and shown["X-Content-Type-Options"] == "nosniff"
    got = client.get(reverse("maintenance:attachment_download", args=[document.pk]))
    assert got["Content-Disposition"].startswith("attachment;") and got["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------------- the tablet's action photo


@pytest.fixture
def assigned(head, tech, school, lab, asset):
    seed_sla_policies()
    return open_ticket(head=head, tech=tech, school=school, location=lab, assets=[asset])


def photo_action(asset, photo):
    return action_payload(asset, idempotency_key="9b4e28ba-2fa1-11d2-883f-0016d3cca427", photo=photo)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("lab.jpg", b"<html><script>alert(1)</script></html>"),
        ("lab.png", b"\x89PNG\r\n\x1a\n<script>"),
        ("report.pdf", PDF),  # a file, but not a photo
        ("lab.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_the_tablet_refuses_a_photo_that_is_not_one_naming_the_photo_field(tech, assigned, asset, name, content):
    r = client_for(tech).post(
        reverse("tablet:action", args=[assigned.pk]), photo_action(asset, upload(name, content)),
        HTTP_ACCEPT="application/json",
    )  # fmt: skip
    assert r.status_code == 400, r.content
    body = json.loads(r.content)
    assert "photo" in body.get("errors", {}) or "photo" in json.dumps(body)
    assert not CorrectiveAction.objects.exists()


def test_the_tablet_photo_name_is_cleaned(tech, assigned, asset):
    r = client_for(tech).post(
        reverse("tablet:action", args=[assigned.pk]),
        photo_action(asset, upload("../../lab\u202egpj.png", image_bytes("PNG"))),
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 201, r.content
    action = CorrectiveAction.objects.get()
    assert action.photo_name == "labgpj.png"
    assert Path(action.photo.path).is_relative_to(Path(django_settings.MEDIA_ROOT))
