"""Fixtures of the ticket tests: a ticket at `school`, technicians, spare parts, uploads in a temporary MEDIA_ROOT."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from maintenance import services
from maintenance.models import SparePart
from tests.factories import make_user

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tech(users):
    return users[Role.TECHNICIAN]


@pytest.fixture
def head(users):
    return users[Role.IT_HEAD]


@pytest.fixture
def staff(users):
    return users[Role.SCHOOL_STAFF]


@pytest.fixture
def tech2(directorate):
    return make_user("tech2", Role.TECHNICIAN, directorate=directorate)


@pytest.fixture
def new_ticket(school, lab, asset, head):
    def make(**fields):
        values = dict(
            opened_at=T0,
            title="PC does not boot",
            description="Lab PC 3 shows a black screen.",
            category="device",
            source="phone",
            school=school,
            location=lab,
            requester_name="Huda",
            requester_phone="0790000001",
            author=head,
        )
        values.update(fields)
        return services.ticket_create(**values)

    return make


@pytest.fixture
def ticket(new_ticket, asset):
    return new_ticket(assets=[asset])


@pytest.fixture
def parts(db):
    return {
        "ram": SparePart.objects.create(
            code="RAM-8", name="RAM 8 GB DDR4", quantity_on_hand=5, unit_cost=Decimal("18.500")
        ),
        "psu": SparePart.objects.create(
            code="PSU-1", name="Power supply 450 W", quantity_on_hand=1, unit_cost=Decimal("22")
        ),
        "cable": SparePart.objects.create(
            code="CAT6", name="Cat6 cable", unit="metre", quantity_on_hand=100, unit_cost=Decimal("0.350")
        ),
    }


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png(name: str = "screen.png") -> SimpleUploadedFile:
    return upload(name, png_bytes(), "image/png")
