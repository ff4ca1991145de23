"""The inventory's server-rendered pages: who sees and edits what, forms through services, history, lists."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import types
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import translation

from assets.choices import AssetStatus
from assets.models import Asset, Location, School
from core.models import JournalEntry, ObjectChange
from core.roles import Role
from tests.assets.ui_fixtures import client_for, far_school, select_options, text
from tests.factories import english

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    # LocaleMiddleware leaves the last request's language active in the thread: don't leak it into other tests.
    yield
    translation.deactivate()


DETAIL_MODELS = ["directorate", "school", "location", "asset", "fibersite", "circuit"]
ALL_MODELS = [*DETAIL_MODELS, "manufacturer", "assetmodel", "provider"]


@pytest.fixture
def world(school, other_school, lab, other_lab, asset, other_asset, circuits, users):
    """Two schools of one directorate, each with a lab, an asset, a fiber site and a circuit."""
    c1, c2 = circuits
    return {
        "school": school,
        "other_school": other_school,
        "lab": lab,
        "other_lab": other_lab,
        "asset": asset,
        "other_asset": other_asset,
        "circuit": c1,
        "other_circuit": c2,
        "users": users,
    }


def as_role(world, role: str):
    return client_for(world["users"][role])


def objects_of(world) -> dict[str, object]:
    return {
        "directorate": world["school"].directorate,
        "school": world["school"],
        "location": world["lab"],
        "asset": world["asset"],
        "fibersite": world["circuit"].termination_z,
        "circuit": world["circuit"],
        "manufacturer": world["asset"].asset_model.manufacturer,
        "assetmodel": world["asset"].asset_model,
        "provider": world["circuit"].provider,
    }


# --------------------------------------------------------------------------- anonymous


def test_it_sends_anonymous_users_to_the_login_page(world, client):
    asset, lab = world["asset"], world["lab"]
    urls = [
        reverse("assets:dashboard"),
        reverse("assets:import"),
        reverse("assets:asset_status", args=[asset.pk]),
        reverse("assets:asset_label", args=[asset.pk, "png"]),
        reverse("assets:location_labels", args=[lab.pk]),
    ]
    for name, obj in objects_of(world).items():
        urls += [
            reverse(f"assets:{name}_list"),
            reverse(f"assets:{name}_add"),
            reverse(f"assets:{name}_edit", args=[obj.pk]),
            reverse(f"assets:{name}_delete", args=[obj.pk]),
        ]
        if name in DETAIL_MODELS:
            urls.append(reverse(f"assets:{name}_detail", args=[obj.pk]))
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302, url
        assert r["Location"].startswith(reverse("login") + "?next="), url
    r = client.post(reverse("assets:school_add"), {"code": "X1"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert not School.objects.filter(code="X1").exists()


def test_the_login_page_signs_in_and_goes_to_the_dashboard(world, client):
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert 'name="username"' in text(r)
    r = client.post(reverse("login"), {"username": "head", "password": "pw-head"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("assets:dashboard")
    assert "assets-by-status" in text(r)


def test_a_user_without_a_role_is_refused(world, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(reverse("assets:school_list")).status_code == 403


# --------------------------------------------------------------------------- every page renders, per role


@pytest.mark.parametrize("role", [Role.IT_HEAD, Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER])
def test_every_page_renders_for_every_role(world, role):
    client = as_role(world, role)
    assert client.get(reverse("assets:dashboard")).status_code == 200
    for name, obj in objects_of(world).items():
        r = client.get(reverse(f"assets:{name}_list"))
        assert r.status_code == 200, name
        if name in DETAIL_MODELS:
            expected = 404 if role == Role.SCHOOL_STAFF and name == "directorate" else 200
            r = client.get(reverse(f"assets:{name}_detail", args=[obj.pk]))
            assert r.status_code == expected, (name, r.status_code)


def test_the_dashboard_counts_only_what_the_user_sees(world):
    head = text(as_role(world, Role.IT_HEAD).get(reverse("assets:dashboard")))
    staff = text(as_role(world, Role.SCHOOL_STAFF).get(reverse("assets:dashboard")))
    stat = re.compile(r'<span class="stat-value">(\d+)</span><span class="text-body-secondary">([^<]+)</span>')
    assert [int(n) for n, _ in stat.findall(head)] == [2, 2, 2, 3, 2]  # schools, locations, assets, sites, circuits
    assert [int(n) for n, _ in stat.findall(staff)] == [1, 1, 1, 1, 1]
    assert f"{reverse('assets:asset_list')}?status=in_service" in head


# --------------------------------------------------------------------------- school staff: their school only


def test_school_staff_get_404_on_another_schools_pages(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    mine = [
        reverse("assets:school_detail", args=[world["school"].pk]),
        reverse("assets:location_detail", args=[world["lab"].pk]),
        reverse("assets:asset_detail", args=[world["asset"].pk]),
        reverse("assets:circuit_detail", args=[world["circuit"].pk]),
        reverse("assets:location_labels", args=[world["lab"].pk]),
        reverse("assets:asset_label", args=[world["asset"].pk, "png"]),
    ]
    theirs = [
        reverse("assets:school_detail", args=[world["other_school"].pk]),
        reverse("assets:location_detail", args=[world["other_lab"].pk]),
        reverse("assets:asset_detail", args=[world["other_asset"].pk]),
        reverse("assets:circuit_detail", args=[world["other_circuit"].pk]),
        reverse("assets:fibersite_detail", args=[world["other_circuit"].termination_z.pk]),
        reverse("assets:location_labels", args=[world["other_lab"].pk]),
        reverse("assets:asset_label", args=[world["other_asset"].pk, "png"]),
        reverse("assets:asset_label", args=[world["other_asset"].pk, "svg"]),
    ]
    for url in mine:
        assert client.get(url).status_code == 200, url
    for url in theirs:
        assert client.get(url).status_code == 404, url


def test_school_staff_do_not_see_other_schools_in_lists_or_dropdowns(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    other = world["other_school"]
    pages = {
        "school_list": [world["school"].code],
        "location_list": [world["lab"].name_ar],
        "asset_list": [world["asset"].asset_tag],
        "circuit_list": [world["circuit"].cid],
        "fibersite_list": [world["circuit"].termination_z.code],
    }
    hidden = [
        other.name_ar,
        other.code,
        world["other_asset"].asset_tag,
        world["other_lab"].name_ar,
        world["other_circuit"].cid,
    ]
    for name, shown in pages.items():
        html = text(client.get(reverse(f"assets:{name}")))
        for value in shown:
            assert value in html, (name, value)
        for value in hidden:
            assert value not in html, (name, value)
    # The filter dropdowns too: the school filter offers their school only.
    html = text(client.get(reverse("assets:asset_list")))
    assert [o for o in select_options(html, "school") if o != "---------"] == [world["school"].name_ar]
    assert all(other.name_ar not in o for o in select_options(html, "location"))
    html = text(client.get(reverse("assets:circuit_list")))
    assert [o for o in select_options(html, "school") if o != "---------"] == [world["school"].name_ar]


def test_school_staff_cannot_widen_a_list_with_another_schools_filter(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    html = text(client.get(reverse("assets:asset_list"), {"school": world["other_school"].pk}))
    assert world["other_asset"].asset_tag not in html


def test_form_dropdowns_offer_only_the_users_directorate(world):
    far = far_school()
    client = as_role(world, Role.TECHNICIAN)  # limited to the first directorate
    html = text(client.get(reverse("assets:asset_add")))
    schools = select_options(html, "school")
    assert world["school"].name_ar in schools and far.name_ar not in schools
    assert all(far.name_ar not in o for o in select_options(html, "location"))
    r = client.post(
        reverse("assets:asset_add"),
        {
            "asset_tag": "MOE-FAR",
            "asset_model": world["asset"].asset_model_id,
            "school": far.pk,
            "status": "in_service",
        },
    )
    assert r.status_code == 400
    assert not Asset.objects.filter(asset_tag="MOE-FAR").exists()
    # And a far school's page is a 404 for them.
    assert client.get(reverse("assets:school_detail", args=[far.pk])).status_code == 404


def test_location_options_follow_the_chosen_school(world):
    client = as_role(world, Role.TECHNICIAN)
    r = client.get(reverse("assets:location_options"), {"school": world["school"].pk})
    assert world["lab"].name_ar in text(r) and world["other_lab"].name_ar not in text(r)
    staff = as_role(world, Role.SCHOOL_STAFF)
    assert staff.get(reverse("assets:location_options"), {"school": world["other_school"].pk}).status_code == 404


# --------------------------------------------------------------------------- writes per role


@pytest.mark.parametrize("name", ALL_MODELS)
def test_a_viewer_gets_403_on_every_write(world, name):
    client = as_role(world, Role.VIEWER)
    obj = objects_of(world)[name]
    for url in (
        reverse(f"assets:{name}_add"),
        reverse(f"assets:{name}_edit", args=[obj.pk]),
        reverse(f"assets:{name}_delete", args=[obj.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert client.get(reverse("assets:asset_status", args=[world["asset"].pk])).status_code == 403


def test_buttons_follow_the_role(world):
    detail = reverse("assets:asset_detail", args=[world["asset"].pk])
    edit = reverse("assets:asset_edit", args=[world["asset"].pk])
    delete = reverse("assets:asset_delete", args=[world["asset"].pk])
    head = text(as_role(world, Role.IT_HEAD).get(detail))
    tech = text(as_role(world, Role.TECHNICIAN).get(detail))
    viewer = text(as_role(world, Role.VIEWER).get(detail))
    assert edit in head and delete in head
    assert edit in tech and delete not in tech
    assert edit not in viewer and delete not in viewer
    assert reverse("assets:asset_add") not in text(as_role(world, Role.VIEWER).get(reverse("assets:asset_list")))


def test_a_technician_edits_assets_but_not_schools(world):
    client = as_role(world, Role.TECHNICIAN)
    assert client.get(reverse("assets:asset_add")).status_code == 200
    assert client.get(reverse("assets:school_add")).status_code == 403
    assert client.get(reverse("assets:school_edit", args=[world["school"].pk])).status_code == 403
    assert client.get(reverse("assets:asset_delete", args=[world["asset"].pk])).status_code == 403
    assert client.get(reverse("assets:circuit_edit", args=[world["circuit"].pk])).status_code == 200
    assert client.get(reverse("assets:circuit_add")).status_code == 403


def test_school_staff_add_journal_notes_but_edit_nothing(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    asset = world["asset"]
    assert client.get(reverse("assets:asset_edit", args=[asset.pk])).status_code == 403
    r = client.post(
        reverse("assets:asset_detail", args=[asset.pk]),
        {"journal-kind": "warning", "journal-comments": "الشاشة لا تعمل منذ الأحد"},
    )
    assert r.status_code == 302
    html = text(client.get(reverse("assets:asset_detail", args=[asset.pk])))
    assert "الشاشة لا تعمل منذ الأحد" in html
    entry = JournalEntry.objects.get()
    assert entry.created_by.username == "staff" and entry.kind == "warning"
    # …but not on another school's asset, and not as a viewer.
    other = reverse("assets:asset_detail", args=[world["other_asset"].pk])
    assert client.post(other, {"journal-kind": "info", "journal-comments": "x"}).status_code == 404
    viewer = as_role(world, Role.VIEWER)
    assert (
        viewer.post(
            reverse("assets:asset_detail", args=[asset.pk]), {"journal-kind": "info", "journal-comments": "x"}
        ).status_code
        == 403
    )
    assert JournalEntry.objects.count() == 1


# --------------------------------------------------------------------------- forms through services, history


def test_creating_a_school_through_the_form_logs_a_change_shown_on_its_page(world):
    client = as_role(world, Role.IT_HEAD)
    r = client.post(
        reverse("assets:school_add"),
        {
            "directorate": world["school"].directorate_id,
            "code": "110077",
            "name_ar": "مدرسة الفجر الجديدة",
            "working_days": ["6", "0", "1", "2", "3"],
            "day_start": "07:30",
            "day_end": "13:45",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    school = School.objects.get(code="110077")
    assert r["Location"] == school.get_absolute_url()
    assert school.working_days == [6, 0, 1, 2, 3]
    change = ObjectChange.objects.get(changed_object_id=school.pk, action="create", changed_object_type__model="school")
    assert change.user.username == "head"
    html = text(client.get(school.get_absolute_url()))
    assert 'id="history"' in html and "head" in html
    assert "مدرسة الفجر الجديدة" in html


def test_editing_an_asset_shows_before_and_after_in_its_history(world):
    client = as_role(world, Role.TECHNICIAN)
    asset = world["asset"]
    url = reverse("assets:asset_edit", args=[asset.pk])
    form = text(client.get(url))
    assert 'name="status"' not in form  # status changes go through the lifecycle page
    r = client.post(
        url,
        {
            "asset_tag": asset.asset_tag,
            "asset_model": asset.asset_model_id,
            "school": asset.school_id,
            "location": asset.location_id,
            "serial": asset.serial,
            "custodian": "أ. ريم العبداللات",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    asset.refresh_from_db()
    assert asset.custodian == "أ. ريم العبداللات"
    html = text(client.get(asset.get_absolute_url()))
    history = html[html.index('id="history"') : html.index('id="journal"')]
    assert 'class="diff-after"><bdi>أ. ريم العبداللات</bdi>' in history
    assert "tech" in history


def test_a_services_validation_error_lands_on_the_form(world):
    client = as_role(world, Role.IT_HEAD)
    english(client)  # the UI speaks the language the user chose
    asset = world["asset"]
    # The same serial for the same manufacturer: the form cannot see it (manufacturer is not on the form), the
    # service's full_clean does, and the page says so.
    r = client.post(
        reverse("assets:asset_add"),
        {
            "asset_tag": "MOE-0100",
            "asset_model": asset.asset_model_id,
            "school": asset.school_id,
            "serial": asset.serial,
            "status": "in_service",
        },
    )
    assert r.status_code == 400
    assert "This manufacturer already has an asset with this serial number." in text(r)
    # A location of another school is refused on the location field.
    r = client.post(
        reverse("assets:asset_add"),
        {
            "asset_tag": "MOE-0101",
            "asset_model": asset.asset_model_id,
            "school": asset.school_id,
            "location": world["other_lab"].pk,
            "status": "in_service",
        },
    )
    assert r.status_code == 400
    assert re.search(r'name="location"[^>]*is-invalid|is-invalid[^>]*name="location"', text(r))
    assert "The location must belong to the asset&#x27;s school." in text(r)
    assert not Asset.objects.filter(asset_tag__in=["MOE-0100", "MOE-0101"]).exists()


def test_the_add_form_is_prefilled_from_the_query_string(world):
    client = as_role(world, Role.IT_HEAD)
    html = text(client.get(reverse("assets:location_add"), {"school": world["school"].pk}))
    assert re.search(rf'<option value="{world["school"].pk}" selected>', html)


# --------------------------------------------------------------------------- status lifecycle


def test_the_status_form_offers_only_allowed_transitions(world):
    client = as_role(world, Role.TECHNICIAN)
    asset = world["asset"]
    html = text(client.get(reverse("assets:asset_status", args=[asset.pk])))
    offered = set(re.findall(r'name="status" value="([a-z_]+)"', html))
    assert offered == AssetStatus.TRANSITIONS[AssetStatus.IN_SERVICE]
    assert "disposed" not in offered


def test_a_disallowed_transition_is_refused_if_posted(world):
    client = as_role(world, Role.TECHNICIAN)
    asset = world["asset"]
    r = client.post(reverse("assets:asset_status", args=[asset.pk]), {"status": "disposed", "reason": "قديم"})
    assert r.status_code == 400
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_SERVICE


def test_an_allowed_transition_changes_the_status_and_notes_the_reason(world):
    client = as_role(world, Role.TECHNICIAN)
    asset = world["asset"]
    r = client.post(
        reverse("assets:asset_status", args=[asset.pk]), {"status": "in_repair", "reason": "القرص الصلب معطل"}
    )
    assert r.status_code == 302
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REPAIR
    html = text(client.get(asset.get_absolute_url()))
    assert "القرص الصلب معطل" in html
    # From "in repair", "surplus" is not a next step.
    html = text(client.get(reverse("assets:asset_status", args=[asset.pk])))
    assert set(re.findall(r'name="status" value="([a-z_]+)"', html)) == AssetStatus.TRANSITIONS["in_repair"]


def test_a_disposed_asset_offers_no_transition(world):
    asset = world["asset"]
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.DISPOSED)
    client = as_role(world, Role.IT_HEAD)
    html = text(client.get(reverse("assets:asset_status", args=[asset.pk])))
    assert 'name="status"' not in html
    assert (
        client.post(
            reverse("assets:asset_status", args=[asset.pk]), {"status": "in_service", "reason": "x"}
        ).status_code
        == 400
    )


# --------------------------------------------------------------------------- delete


def test_deleting_a_school_with_assets_shows_why_it_stays(world):
    client = as_role(world, Role.IT_HEAD)
    english(client)  # the UI speaks the language the user chose
    school = world["school"]
    r = client.post(reverse("assets:school_delete", args=[school.pk]))
    assert r.status_code == 409
    assert "cannot be deleted: it is still used by" in text(r)
    assert School.objects.filter(pk=school.pk).exists()


def test_deleting_an_unused_location_goes_back_to_the_list(world):
    client = as_role(world, Role.IT_HEAD)
    empty = Location.objects.create(school=world["school"], name_ar="غرفة فارغة", kind="office")
    assert "غرفة فارغة" in text(client.get(reverse("assets:location_delete", args=[empty.pk])))
    r = client.post(reverse("assets:location_delete", args=[empty.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("assets:location_list")
    assert not Location.objects.filter(pk=empty.pk).exists()
    assert ObjectChange.objects.filter(changed_object_id=empty.pk, action="delete").exists()


# --------------------------------------------------------------------------- lists: search, sort, queries


def test_the_search_box_finds_arabic_text(world):
    client = as_role(world, Role.VIEWER)
    html = text(client.get(reverse("assets:school_list"), {"q": "الأمل"}))
    assert world["school"].code in html and world["other_school"].code not in html
    html = text(client.get(reverse("assets:location_list"), {"q": "العلوم"}))
    assert world["other_lab"].name_ar in html and world["lab"].name_ar not in html
    html = text(client.get(reverse("assets:asset_list"), {"q": "النور"}))  # the other school's name
    assert world["other_asset"].asset_tag in html and world["asset"].asset_tag not in html


def test_lists_sort_by_a_column_and_ignore_unknown_sorts(world):
    client = as_role(world, Role.IT_HEAD)
    html = text(client.get(reverse("assets:asset_list"), {"sort": "-asset_tag"}))
    assert html.index("MOE-0002") < html.index("MOE-0001")
    assert client.get(reverse("assets:asset_list"), {"sort": "password"}).status_code == 200


def test_the_asset_list_costs_the_same_queries_for_3_or_40_rows(world, django_assert_max_num_queries):
    client = as_role(world, Role.IT_HEAD)
    asset = world["asset"]
    client.get(reverse("assets:asset_list"))  # warm the caches (content types, sessions)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("assets:asset_list"))
    for i in range(40):
        Asset.objects.create(
            asset_tag=f"BULK-{i:03}", asset_model=asset.asset_model, school=asset.school, location=asset.location
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(reverse("assets:asset_list"))
    assert "BULK-039" in text(r)


# --------------------------------------------------------------------------- export


def test_list_pages_link_to_exports_of_the_current_filter(world):
    client = as_role(world, Role.IT_HEAD)
    html = text(client.get(reverse("assets:asset_list"), {"q": "النور", "page": "1"}))
    assert "?q=%D8%A7%D9%84%D9%86%D9%88%D8%B1&amp;export=csv" in html
    assert "?q=%D8%A7%D9%84%D9%86%D9%88%D8%B1&amp;export=xlsx" in html
    assert "export=" not in text(client.get(reverse("assets:manufacturer_list")))


@pytest.mark.skipif(importlib.util.find_spec("assets.exports") is None, reason="assets.exports is not there yet")
@pytest.mark.parametrize("url_name", ["school_list", "location_list", "asset_list", "fibersite_list", "circuit_list"])
def test_exports_return_the_filtered_list(world, url_name):
    client = as_role(world, Role.IT_HEAD)
    url = reverse(f"assets:{url_name}")
    r = client.get(url, {"export": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    r = client.get(url, {"export": "xlsx"})
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    assert client.get(url, {"export": "pdf"}).status_code == 400


@pytest.mark.skipif(importlib.util.find_spec("assets.exports") is None, reason="assets.exports is not there yet")
def test_an_export_holds_the_filtered_and_scoped_rows_only(world):
    client = as_role(world, Role.IT_HEAD)
    body = client.get(reverse("assets:asset_list"), {"q": "النور", "export": "csv"}).content.decode("utf-8-sig")
    assert world["other_asset"].asset_tag in body and world["asset"].asset_tag not in body
    rows = list(csv.reader(io.StringIO(body)))
    assert len([r for r in rows if world["other_asset"].asset_tag in r]) == 1
    staff = as_role(world, Role.SCHOOL_STAFF)
    body = staff.get(reverse("assets:asset_list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert world["asset"].asset_tag in body and world["other_asset"].asset_tag not in body
    from openpyxl import load_workbook

    r = staff.get(reverse("assets:school_list"), {"export": "xlsx"})
    values = {c.value for row in load_workbook(io.BytesIO(r.content)).active.iter_rows() for c in row}
    assert world["school"].code in values and world["other_school"].code not in values


# --------------------------------------------------------------------------- import


@dataclass
class FakeRowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class FakeResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@pytest.fixture
def fake_import(monkeypatch):
    """Stands in for assets.imports.import_file and records its calls: the page, not the importer, is tested."""
    calls = []
    result = {"value": FakeResult()}

    def import_file(fileobj, filename, *, user, dry_run):
        calls.append({"filename": filename, "user": user, "dry_run": dry_run, "data": fileobj.read()})
        result["value"].dry_run = dry_run
        return result["value"]

    module = types.ModuleType("assets.imports")
    module.import_file = import_file
    module.ORDER = ["schools", "locations", "fiber_sites", "assets", "circuits"]
    module.ENCODINGS = {"auto": "Detect", "utf-8": "UTF-8"}  # the form's choices
    monkeypatch.setitem(sys.modules, "assets.imports", module)
    return calls, result


def test_only_importers_reach_the_import_page(world):
    assert as_role(world, Role.IT_HEAD).get(reverse("assets:import")).status_code == 200
    for role in (Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER):
        assert as_role(world, role).get(reverse("assets:import")).status_code == 403
        assert as_role(world, role).post(reverse("assets:import"), {}).status_code == 403


def test_the_import_page_shows_counts_of_a_dry_run(world, fake_import):
    from django.core.files.uploadedfile import SimpleUploadedFile

    calls, result = fake_import
    result["value"] = FakeResult(created={"assets": 12, "schools": 1}, updated={"assets": 3})
    upload = SimpleUploadedFile("جرد.csv", b"asset_tag\nMOE-1\n", content_type="text/csv")
    r = as_role(world, Role.IT_HEAD).post(reverse("assets:import"), {"file": upload, "dry_run": "on"})
    assert r.status_code == 200
    assert calls[0]["dry_run"] is True and calls[0]["filename"] == "جرد.csv"
    assert calls[0]["user"].username == "head" and calls[0]["data"].startswith(b"asset_tag")
    counts = text(r)[text(r).index('id="import-counts"') :]
    assert "<td>schools</td><td>1</td><td>0</td><td>0</td>" in counts
    assert "<td>assets</td><td>12</td><td>3</td><td>0</td>" in counts
    assert counts.index("<td>schools</td>") < counts.index("<td>assets</td>")


def test_the_import_page_lists_every_bad_row(world, fake_import):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _calls, result = fake_import
    result["value"] = FakeResult(
        errors=[
            FakeRowError("assets", 4, "school", "Unknown school “999”."),
            FakeRowError("assets", 9, "asset_tag", "An asset with this tag already exists."),
        ]
    )
    upload = SimpleUploadedFile("inv.xlsx", b"PK...", content_type="application/octet-stream")
    r = as_role(world, Role.IT_HEAD).post(reverse("assets:import"), {"file": upload})
    assert r.status_code == 400
    table = text(r)[text(r).index('id="import-errors"') :]
    assert "<td>assets</td><td>4</td><td>school</td><td>Unknown school “999”.</td>" in table
    assert "<td>9</td><td>asset_tag</td>" in table


def test_the_import_page_runs_the_real_importer_all_or_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    directorate = world["school"].directorate.code
    good = f"code,name_ar,directorate_code\n110099,مدرسة الربيع,{directorate}\n".encode()
    client = as_role(world, Role.IT_HEAD)
    english(client)  # the UI speaks the language the user chose
    r = client.post(
        reverse("assets:import"),
        {"file": SimpleUploadedFile("schools.csv", good), "dry_run": "on"},
    )
    assert r.status_code == 200, text(r)[:3000]
    assert 'id="import-counts"' in text(r) and "<td>1</td>" in text(r)
    assert not School.objects.filter(code="110099").exists()  # a dry run saves nothing
    r = client.post(reverse("assets:import"), {"file": SimpleUploadedFile("schools.csv", good)})
    assert r.status_code == 200
    assert School.objects.get(code="110099").name_ar == "مدرسة الربيع"
    bad = f"code,name_ar,directorate_code\n110098,مدرسة,{directorate}\n110097,مدرسة أخرى,NOPE\n".encode()
    r = client.post(reverse("assets:import"), {"file": SimpleUploadedFile("schools.csv", bad)})
    assert r.status_code == 400
    table = text(r)[text(r).index('id="import-errors"') :]
    assert re.search(r"<td>[^<]*</td><td>3</td><td>directorate_code</td>", table), table[:2000]
    assert not School.objects.filter(code__in=["110098", "110097"]).exists()


def test_the_import_page_refuses_other_file_types(world, fake_import):
    from django.core.files.uploadedfile import SimpleUploadedFile

    calls, _result = fake_import
    upload = SimpleUploadedFile("inv.pdf", b"%PDF", content_type="application/pdf")
    r = as_role(world, Role.IT_HEAD).post(reverse("assets:import"), {"file": upload})
    assert r.status_code == 400 and not calls


# --------------------------------------------------------------------------- language, direction, static files


def test_pages_are_arabic_rtl_by_default_and_english_ltr_after_switching(world):
    client = as_role(world, Role.VIEWER)
    html = text(client.get(reverse("assets:dashboard")))
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html
    r = client.post(reverse("set_language"), {"language": "en", "next": reverse("assets:school_list")})
    assert r.status_code == 302 and r["Location"] == reverse("assets:school_list")
    html = text(client.get(reverse("assets:school_list")))
    assert '<html lang="en" dir="ltr">' in html
    assert "bootstrap.min.css" in html and "bootstrap.rtl.min.css" not in html
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in text(client.get(reverse("assets:school_list")))


def test_the_language_switch_and_logout_are_post_forms(world):
    html = text(as_role(world, Role.VIEWER).get(reverse("assets:dashboard")))
    assert re.search(rf'<form action="{reverse("set_language")}" method="post"', html)
    assert re.search(rf'<form action="{reverse("logout")}" method="post"', html)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_static_file_of_the_base_template_is_served(world, language, client):
    viewer = as_role(world, Role.VIEWER)
    viewer.post(reverse("set_language"), {"language": language, "next": "/"})
    html = text(viewer.get(reverse("assets:dashboard")))
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(urls) >= 4
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert len(body) > 100, url
        assert b"sourceMappingURL" not in body, url
    css = client.get("/static/css/siyana.css")
    body = b"".join(css.streaming_content).decode()
    for font in re.findall(r'url\("\.\./(vendor/fonts/[^"]+)"\)', body):
        assert client.get(f"/static/{font}").status_code == 200, font
    assert "Noto Naskh Arabic" in body
    assert "cdn" not in html.lower()
