"""QR labels: the code decodes to the asset's absolute URL; the location's sheet has one label per asset."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from assets import labels
from assets.models import Asset
from core.roles import Role
from tests.assets.ui_fixtures import client_for, text

zxingcpp = pytest.importorskip("zxingcpp", reason="the test extra installs zxing-cpp to decode QR codes")
Image = pytest.importorskip("PIL.Image", reason="the test extra installs Pillow to read PNGs")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    # LocaleMiddleware leaves the last request's language active in the thread: don't leak it into other tests.
    yield
    translation.deactivate()


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_it_decodes_a_png_to_the_url():
    url = "http://127.0.0.1:8000/assets/42/"
    assert decode(labels.qr_png(url)) == [url]


def test_the_label_png_holds_the_assets_absolute_url(users, asset):
    client = client_for(users[Role.TECHNICIAN])
    r = client.get(reverse("assets:asset_label", args=[asset.pk, "png"]), HTTP_HOST="127.0.0.1:8010")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"] == f'inline; filename="label-{asset.asset_tag}.png"'
    assert decode(r.content) == [f"http://127.0.0.1:8010{asset.get_absolute_url()}"]


def test_the_label_svg_is_valid_and_carries_the_tag(users, asset):
    client = client_for(users[Role.VIEWER])
    r = client.get(reverse("assets:asset_label", args=[asset.pk, "svg"]), {"download": "1"})
    assert r.status_code == 200
    assert r["Content-Type"] == "image/svg+xml"
    assert r["Content-Disposition"].startswith("attachment;")
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == [asset.asset_tag]
    # The same modules as the PNG that decodes: segno drew both from one code.
    path = root.find(".//{http://www.w3.org/2000/svg}path").get("d")
    expected = labels.make_qr(f"http://testserver{asset.get_absolute_url()}").svg_inline(scale=8, border=4)
    assert path in expected


def test_an_unknown_label_format_is_404(users, asset):
    client = client_for(users[Role.VIEWER])
    assert client.get(reverse("assets:asset_label", args=[asset.pk, "gif"])).status_code == 404


def test_the_location_sheet_has_one_label_per_asset(users, asset, lab, other_asset):
    more = [
        Asset.objects.create(asset_tag=f"MOE-1{i:02}", asset_model=asset.asset_model, school=asset.school, location=lab)
        for i in range(11)
    ]
    client = client_for(users[Role.SCHOOL_STAFF])
    r = client.get(reverse("assets:location_labels", args=[lab.pk]))
    assert r.status_code == 200
    html = text(r)
    sheet = html[html.index('class="label-sheet"') :]
    assert sheet.count('class="asset-label"') == 12
    assert len(re.findall(r'<svg[^>]*class="qr"', sheet)) == 12
    for item in [asset, *more]:
        assert f'<div class="asset-label-tag" dir="ltr">{item.asset_tag}</div>' in sheet
    assert other_asset.asset_tag not in html
    assert f"{asset.asset_model.manufacturer.name} {asset.asset_model.name}" in sheet
    assert lab.school.name_ar in sheet and lab.name_ar in sheet
    assert "@page" not in html  # the print rules live in siyana.css
    assert 'href="/static/css/siyana.css"' in html


def test_the_sheets_codes_are_the_assets_urls(users, asset, lab):
    client = client_for(users[Role.IT_HEAD])
    html = text(client.get(reverse("assets:location_labels", args=[lab.pk])))
    path = re.search(r'<svg[^>]*class="qr"[^>]*>.*?<path[^>]*d="([^"]+)"', html, re.S).group(1)
    expected = labels.qr_svg_inline(f"http://testserver{asset.get_absolute_url()}")
    assert f'd="{path}"' in expected


def test_the_sheet_of_a_location_of_another_school_is_404(users, other_lab):
    client = client_for(users[Role.SCHOOL_STAFF])
    assert client.get(reverse("assets:location_labels", args=[other_lab.pk])).status_code == 404


def test_the_print_css_sets_an_a4_page():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/siyana.css"), encoding="utf-8").read()
    assert re.search(r"@page\s*{\s*size:\s*A4;", css)
    assert "@media print" in css
