"""Disposal by committee end to end: a technical report recommending disposal moves the asset to
"awaiting disposal"; the IT head lists it with others; the committee approves some and refuses
one; approved assets are disposed of on the decision date, the refused one goes back."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from assets import services as asset_services
from assets.choices import AssetStatus
from assets.models import Asset
from maintenance import disposal_services, services
from maintenance.choices import DisposalDecision, DisposalListStatus, Recommendation, TicketStatus
from maintenance.models import DisposalItem, DisposalList
from tests.factories import english
from tests.maintenance.conftest import T0

pytestmark = pytest.mark.django_db
S = TicketStatus
DECISION_DAY = dt.date(2026, 3, 10)
MEMBERS = ["م. سامي الخطيب — رئيس اللجنة", "هالة يوسف — عضو", "خالد العمري — عضو"]


def step(ticket, service, **kwargs):
    ticket.refresh_from_db()
    return service(ticket=ticket, expected_version=ticket.version, **kwargs)


def report(ticket, tech, *, recommendation=Recommendation.RECOMMEND_DISPOSAL, at=T0):
    return step(
        ticket,
        services.report_save,
        by=tech,
        diagnosis="اللوحة الأم تالفة ولا تتوفر قطعة بديلة",
        actions_taken="فحص شامل",
        result="not_fixed",
        recommendation=recommendation,
        recommendation_notes="الجهاز قديم وكلفة إصلاحه أعلى من قيمته" if recommendation != "none" else "",
        at=at,
    )


@pytest.fixture
def worn_out(school, lab, desktop_model):
    """Three more lab PCs: one in service, one spare, one in repair."""
    return [
        Asset.objects.create(
            asset_tag=f"OLD-{n}", asset_model=desktop_model, school=school, location=lab, status=status
        )
        for n, status in enumerate([AssetStatus.IN_SERVICE, AssetStatus.SPARE, AssetStatus.IN_REPAIR], start=1)
    ]


def test_a_report_recommending_disposal_puts_the_asset_forward(ticket, asset, tech):
    report(ticket, tech)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.AWAITING_DISPOSAL
    item = DisposalItem.objects.get(asset=asset)
    assert item.decision == DisposalDecision.PENDING and item.disposal_list is None
    assert item.previous_status == AssetStatus.IN_SERVICE
    assert item.report == ticket.technical_report and item.recommended_by == tech
    assert "كلفة إصلاحه" in item.reason
    # rewriting the report (still recommending) makes no second item
    report(ticket, tech, at=T0 + timedelta(hours=1))
    assert DisposalItem.objects.filter(asset=asset).count() == 1


def test_a_report_that_drops_the_recommendation_takes_the_asset_back(ticket, asset, tech):
    asset_services.asset_change_status(asset, status=AssetStatus.SPARE)
    report(ticket, tech)
    report(ticket, tech, recommendation=Recommendation.NONE, at=T0 + timedelta(hours=1))
    asset.refresh_from_db()
    item = DisposalItem.objects.get(asset=asset)
    assert asset.status == AssetStatus.SPARE
    assert item.decision == DisposalDecision.WITHDRAWN and item.returned_status == AssetStatus.SPARE


def test_the_recommend_disposal_action_names_which_asset(new_ticket, asset, worn_out, tech):
    ticket = new_ticket(assets=[asset, worn_out[0]])
    services.action_log(
        ticket=ticket,
        by=tech,
        asset=worn_out[0],
        action_type="recommend_disposal",
        outcome="done",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=10),
        at=T0,
    )
    report(ticket, tech, at=T0 + timedelta(minutes=20))
    asset.refresh_from_db()
    worn_out[0].refresh_from_db()
    assert asset.status == AssetStatus.IN_SERVICE
    assert worn_out[0].status == AssetStatus.AWAITING_DISPOSAL


def test_the_whole_path_with_a_refused_item(ticket, asset, worn_out, tech, head, directorate):
    report(ticket, tech)  # asset: in service → awaiting disposal
    items = [disposal_services.disposal_recommend(asset=a, by=head, reason="تالف") for a in worn_out]
    # set by hand on the asset's page, with no item: the list takes it all the same
    by_hand = Asset.objects.create(
        asset_tag="OLD-9", asset_model=asset.asset_model, school=asset.school, status=AssetStatus.AWAITING_DISPOSAL
    )
    disposal_list = disposal_services.disposal_list_create(
        directorate=directorate,
        title="قائمة الإتلاف الأولى 2026",
        by=head,
        items=[DisposalItem.objects.get(asset=asset), *items],
        assets=[by_hand],
    )
    assert disposal_list.items.count() == 5
    disposal_services.disposal_list_submit(disposal_list=disposal_list, by=head, at=T0)
    with pytest.raises(ValidationError):  # frozen once with the committee
        disposal_services.disposal_list_remove(disposal_list=disposal_list, item=items[0], by=head)
    spare_item = items[1]  # worn_out[1] was spare: the committee refuses it
    in_repair_item = items[2]  # was in repair: refused too, and goes back into service
    approved = [i.pk for i in disposal_list.items.all() if i.pk not in (spare_item.pk, in_repair_item.pk)]
    disposal_services.disposal_decision_record(
        disposal_list=disposal_list,
        by=head,
        decision_number="ت/12/2026",
        decision_date=DECISION_DAY,
        members=MEMBERS,
        approved=approved,
        refused={spare_item.pk: "الجهاز صالح للاستخدام", in_repair_item.pk: ""},
        notes="تُتلف الأجهزة وفق الأصول",
        at=dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC),
    )
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.DECIDED
    assert disposal_list.members == MEMBERS and disposal_list.decision_number == "ت/12/2026"
    for a in [asset, worn_out[0], by_hand]:
        a.refresh_from_db()
        assert a.status == AssetStatus.DISPOSED and a.disposed_on == DECISION_DAY
    for a, status in [(worn_out[1], AssetStatus.SPARE), (worn_out[2], AssetStatus.IN_SERVICE)]:
        a.refresh_from_db()
        assert a.status == status and a.disposed_on is None
    spare_item.refresh_from_db()
    assert spare_item.decision == DisposalDecision.REFUSED
    assert spare_item.returned_status == AssetStatus.SPARE and spare_item.decision_note == "الجهاز صالح للاستخدام"
    assert spare_item.decided_on == DECISION_DAY
    assert set(DisposalItem.objects.filter(decision=DisposalDecision.APPROVED).values_list("asset", flat=True)) == {
        asset.pk,
        worn_out[0].pk,
        by_hand.pk,
    }
    # the asset's journal says why its status changed
    from core.selectors import journal_for

    assert "ت/12/2026" in journal_for(worn_out[1]).first().comments


def test_every_item_must_be_decided(asset, head, directorate):
    item = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    disposal_list = disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[item])
    with pytest.raises(ValidationError) as not_sent, translation.override("en"):
        disposal_services.disposal_decision_record(
            disposal_list=disposal_list,
            by=head,
            decision_number="1",
            decision_date=DECISION_DAY,
            members=MEMBERS,
            approved=[item.pk],
        )
    assert "Send the list to the committee" in str(not_sent.value)
    disposal_services.disposal_list_submit(disposal_list=disposal_list, by=head, at=T0)
    for kwargs, field in [
        ({"approved": []}, "items"),
        ({"approved": [item.pk], "refused": [item.pk]}, "items"),
        ({"approved": [item.pk], "members": []}, "committee_members"),
        ({"approved": [item.pk], "decision_number": " "}, "decision_number"),
        ({"approved": [item.pk], "decision_date": dt.date(2099, 1, 1)}, "decision_date"),
        ({"approved": [item.pk], "decision_date": dt.date(2026, 2, 1)}, "decision_date"),  # before it was sent
    ]:
        values = dict(decision_number="1", decision_date=DECISION_DAY, members=MEMBERS, approved=[], refused=[])
        values.update(kwargs)
        with pytest.raises(ValidationError) as refused:
            disposal_services.disposal_decision_record(disposal_list=disposal_list, by=head, **values)
        assert field in refused.value.message_dict
    asset.refresh_from_db()
    assert asset.status == AssetStatus.AWAITING_DISPOSAL


def test_one_pending_item_per_asset_and_disposed_is_final(asset, head):
    first = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    assert disposal_services.disposal_recommend(asset=asset, by=head, reason="مرة ثانية") == first
    with pytest.raises(IntegrityError), transaction.atomic():
        DisposalItem.objects.create(asset=asset, reason="x", recommended_at=T0)
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.DISPOSED)
    DisposalItem.objects.filter(pk=first.pk).update(decision=DisposalDecision.WITHDRAWN)
    with pytest.raises(ValidationError):
        disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")


def test_a_list_takes_only_pending_items_of_its_directorate(asset, head, directorate):
    from tests.assets.ui_fixtures import far_school

    school = far_school()
    far_asset = Asset.objects.create(asset_tag="FAR-1", asset_model=asset.asset_model, school=school)
    far_item = disposal_services.disposal_recommend(asset=far_asset, by=head, reason="تالف")
    with pytest.raises(ValidationError):
        disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[far_item])
    assert not DisposalList.objects.exists()  # all or nothing
    with pytest.raises(ValidationError):  # not awaiting disposal
        disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, assets=[asset])


def test_an_asset_moved_out_of_awaiting_disposal_by_hand_cannot_be_approved(asset, head, directorate):
    item = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    disposal_list = disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[item])
    disposal_services.disposal_list_submit(disposal_list=disposal_list, by=head, at=T0)
    asset_services.asset_change_status(Asset.objects.get(pk=asset.pk), status=AssetStatus.IN_SERVICE)
    with pytest.raises(ValidationError) as refused:
        disposal_services.disposal_decision_record(
            disposal_list=disposal_list,
            by=head,
            decision_number="1",
            decision_date=DECISION_DAY,
            members=MEMBERS,
            approved=[item.pk],
        )
    assert asset.asset_tag in str(refused.value)
    disposal_list.refresh_from_db()
    assert disposal_list.status == DisposalListStatus.SUBMITTED  # nothing half-done


def test_withdrawing_an_item(asset, head, directorate):
    item = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    disposal_list = disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[item])
    disposal_services.disposal_withdraw(item=item, by=head, reason="أُصلح الجهاز")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_SERVICE
    assert not disposal_list.items.exists()
    with pytest.raises(ValidationError):
        disposal_services.disposal_list_submit(disposal_list=disposal_list, by=head)


# --------------------------------------------------------------------------- pages


def en(user):
    from tests.assets.ui_fixtures import client_for

    client = client_for(user)
    english(client)
    return client


def test_the_pages_from_report_to_printed_decision(ticket, asset, worn_out, tech, head, staff, directorate):
    from django.urls import reverse

    from tests.assets.ui_fixtures import text

    report(ticket, tech)
    spare = disposal_services.disposal_recommend(asset=worn_out[1], by=head, reason="قديم")
    client = en(head)
    items = client.get(reverse("maintenance:disposalitem_list") + "?decision=pending")
    assert items.status_code == 200 and asset.asset_tag in text(items) and worn_out[1].asset_tag in text(items)
    first = DisposalItem.objects.get(asset=asset)
    response = client.post(
        reverse("maintenance:disposallist_add"),
        {"directorate": directorate.pk, "title": "قائمة آذار", "items": [first.pk, spare.pk]},
    )
    assert response.status_code == 302
    disposal_list = DisposalList.objects.get()
    assert client.post(reverse("maintenance:disposallist_submit", args=[disposal_list.pk])).status_code == 302
    page = client.get(disposal_list.get_absolute_url())
    assert "Record the committee's decision" in text(page)
    refused = client.post(
        reverse("maintenance:disposallist_decision", args=[disposal_list.pk]),
        {"decision_number": "", "decision_date": "2026-03-10", "committee_members": "أ"},
    )
    assert refused.status_code == 400
    response = client.post(
        reverse("maintenance:disposallist_decision", args=[disposal_list.pk]),
        {
            "decision_number": "ت/3",
            "decision_date": timezone.localdate().isoformat(),  # sent to the committee today
            "committee_members": "\n".join(MEMBERS),
            "decision_notes": "",
            f"item-{first.pk}": "approve",
            f"item-{first.pk}-note": "",
            f"item-{spare.pk}": "refuse",
            f"item-{spare.pk}-note": "صالح",
        },
    )
    assert response.status_code == 302, re.findall(
        r"(?:invalid-feedback[^>]*>|alert-danger[^>]*>)([^<]*(?:<div>[^<]*)?)", text(response)
    )
    asset.refresh_from_db()
    worn_out[1].refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED and worn_out[1].status == AssetStatus.SPARE
    printed_list = client.get(reverse("maintenance:disposallist_print", args=[disposal_list.pk]))
    assert printed_list.status_code == 200 and 'dir="rtl"' in text(printed_list)
    assert asset.asset_tag in text(printed_list) and "قائمة آذار" in text(printed_list)
    decision = client.get(reverse("maintenance:disposaldecision_print", args=[disposal_list.pk]))
    body = text(decision)
    assert decision.status_code == 200 and "ت/3" in body and MEMBERS[0] in body and "صالح" in body
    pdf = client.get(reverse("maintenance:disposaldecision_pdf", args=[disposal_list.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # roles: school staff see their school's items, never the lists; technicians read, do not decide
    assert en(staff).get(reverse("maintenance:disposallist_list")).status_code == 403
    assert en(staff).get(reverse("maintenance:disposalitem_list")).status_code == 200
    assert en(tech).get(disposal_list.get_absolute_url()).status_code == 200
    assert en(tech).post(reverse("maintenance:disposallist_submit", args=[disposal_list.pk])).status_code == 403
    assert en(tech).get(reverse("maintenance:disposal_recommend")).status_code == 403


def test_the_decision_prints_only_once_decided(asset, head, directorate):
    from django.urls import reverse

    item = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    disposal_list = disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[item])
    assert en(head).get(reverse("maintenance:disposaldecision_print", args=[disposal_list.pk])).status_code == 404
    assert en(head).get(reverse("maintenance:disposallist_print", args=[disposal_list.pk])).status_code == 200
