"""Corrective actions: append-only, idempotent replays, corrections, and the stock of parts they draw."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from maintenance import selectors, services
from maintenance.choices import ActionType, EntryKind
from maintenance.models import CorrectiveAction, PartUsage, SparePart
from tests.maintenance.conftest import T0, png, upload


def log(ticket, tech, **kwargs):
    values = dict(
        ticket=ticket,
        by=tech,
        action_type=ActionType.PART_REPLACEMENT,
        outcome="done",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=40),
        notes="Swapped the RAM",
        at=T0 + timedelta(hours=1),
    )
    values.update(kwargs)
    return services.action_log(**values)


def stock(part) -> int:
    return SparePart.objects.get(pk=part.pk).quantity_on_hand


def test_an_action_draws_its_parts_and_snapshots_the_cost(ticket, tech, parts, asset):
    action, created = log(
        ticket, tech, asset=asset, parts=[(parts["ram"], 2), {"part": parts["cable"].pk, "quantity": 3}]
    )
    assert created and action.technician == tech and action.created_by == tech
    assert stock(parts["ram"]) == 3 and stock(parts["cable"]) == 97
    usage = action.parts.get(part=parts["ram"])
    assert usage.unit_cost == Decimal("18.500") and usage.cost == Decimal("37.000")
    SparePart.objects.filter(pk=parts["ram"].pk).update(unit_cost=Decimal("30"))
    assert action.parts.get(part=parts["ram"]).unit_cost == Decimal("18.500")  # the price at the time stays
    assert ticket.entries.filter(kind=EntryKind.ACTION, data__action=action.pk, public=False).exists()


def test_not_enough_stock_refuses_the_whole_action_and_draws_nothing(ticket, tech, parts):
    with pytest.raises(ValidationError) as refused:
        log(ticket, tech, parts=[(parts["ram"], 1), (parts["psu"], 2)])
    assert "PSU-1" in refused.value.message_dict["parts"][0] and "1" in refused.value.message_dict["parts"][0]
    assert stock(parts["ram"]) == 5 and stock(parts["psu"]) == 1
    assert not CorrectiveAction.objects.exists() and not PartUsage.objects.exists()
    assert not ticket.entries.filter(kind=EntryKind.ACTION).exists()


def test_the_database_refuses_negative_stock(parts):
    with pytest.raises(DatabaseError), transaction.atomic():
        SparePart.objects.filter(pk=parts["psu"].pk).update(quantity_on_hand=-1)


def test_a_replayed_key_returns_the_same_action(ticket, tech, parts):
    first, created = log(ticket, tech, parts=[(parts["ram"], 1)], idempotency_key="tablet-7:42")
    again, created_again = log(
        ticket, tech, parts=[(parts["ram"], 1)], idempotency_key="tablet-7:42", at=T0 + timedelta(hours=3)
    )
    assert created and not created_again and again.pk == first.pk
    assert CorrectiveAction.objects.count() == 1 and stock(parts["ram"]) == 4  # drawn once


def test_a_different_action_under_a_used_key_is_a_conflict(ticket, tech, parts):
    first, _ = log(ticket, tech, idempotency_key="tablet-7:43")
    with pytest.raises(services.IdempotencyConflict) as conflict:
        log(ticket, tech, idempotency_key="tablet-7:43", notes="something else")
    assert conflict.value.action.pk == first.pk and CorrectiveAction.objects.count() == 1


def test_a_correction_is_a_new_row_and_the_original_never_changes(ticket, tech, parts, asset):
    original, _ = log(ticket, tech, asset=asset, parts=[(parts["ram"], 2)])
    snapshot = CorrectiveAction.objects.filter(pk=original.pk).values().get()
    fixed, created = services.action_correct(
        action=original, by=tech, reason="It was one module, not two", parts=[(parts["ram"], 1)], outcome="partial"
    )
    assert created and fixed.corrects == original and fixed.outcome == "partial"
    assert fixed.action_type == original.action_type and fixed.asset == asset and fixed.notes == original.notes
    assert CorrectiveAction.objects.filter(pk=original.pk).values().get() == snapshot
    assert stock(parts["ram"]) == 4  # 2 returned, 1 drawn
    assert list(original.parts.values_list("quantity", flat=True)) == [2]  # the original's rows stay
    # a correction of the correction: the chain, newest first
    again, _ = services.action_correct(action=fixed, by=tech, reason="Ended later", ended_at=T0 + timedelta(hours=2))
    assert [a.pk for a in selectors.action_chain(again)] == [again.pk, fixed.pk, original.pk]
    assert list(again.parts.values_list("part__code", "quantity")) == [("RAM-8", 1)]  # parts kept, no stock move
    assert stock(parts["ram"]) == 4
    current = selectors.ticket_actions(ticket)
    assert [a.pk for a in current] == [again.pk] and [v.pk for v in current[0].versions] == [fixed.pk, original.pk]
    assert [a.pk for a in selectors.current_actions()] == [again.pk]


def test_only_the_latest_version_can_be_corrected(ticket, tech):
    original, _ = log(ticket, tech)
    services.action_correct(action=original, by=tech, reason="typo", notes="Swapped the RAM module")
    with pytest.raises(ValidationError) as refused:
        services.action_correct(action=original, by=tech, reason="again", notes="x")
    assert "corrects" in refused.value.message_dict


def test_a_correction_needs_a_reason(ticket, tech):
    original, _ = log(ticket, tech)
    with pytest.raises(ValidationError):
        services.action_correct(action=original, by=tech, reason=" ")


def test_a_correction_short_of_stock_rolls_back_the_returned_parts_too(ticket, tech, parts):
    original, _ = log(ticket, tech, parts=[(parts["ram"], 1)])
    with pytest.raises(ValidationError, match="PSU-1"):
        services.action_correct(
            action=original, by=tech, reason="also the PSU", parts=[(parts["ram"], 1), (parts["psu"], 5)]
        )
    assert stock(parts["ram"]) == 4 and stock(parts["psu"]) == 1
    assert CorrectiveAction.objects.count() == 1


def test_the_database_refuses_to_update_an_action_or_its_parts(ticket, tech, parts):
    action, _ = log(ticket, tech, parts=[(parts["ram"], 1)])
    with pytest.raises(DatabaseError), transaction.atomic():
        CorrectiveAction.objects.filter(pk=action.pk).update(notes="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        PartUsage.objects.filter(action=action).update(quantity=9)
    assert CorrectiveAction.objects.get(pk=action.pk).notes == "Swapped the RAM"


def test_actions_are_appended_without_the_ticket_version(ticket, tech):
    version = ticket.version
    log(ticket, tech)
    ticket.refresh_from_db()
    assert ticket.version == version  # nobody's open form went stale


def test_an_action_is_checked(ticket, tech, staff, other_asset):
    with pytest.raises(ValidationError) as refused:
        log(ticket, tech, asset=other_asset, ended_at=T0 - timedelta(minutes=1))
    assert {"asset", "ended_at"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        log(ticket, staff)
    assert "technician" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        log(ticket, tech, started_at=T0 + timedelta(days=3), ended_at=None)
    assert "started_at" in refused.value.message_dict


def test_an_action_photo_is_checked_and_kept_by_a_correction(ticket, tech):
    with pytest.raises(ValidationError) as refused:
        log(ticket, tech, photo=upload("photo.jpg", b"#!/bin/sh\necho hi\n"))
    assert "photo" in refused.value.message_dict
    action, _ = log(ticket, tech, photo=png("after.png"))
    assert action.photo.name.endswith(".png") and action.photo_name == "after.png"
    fixed, _ = services.action_correct(action=action, by=tech, reason="typo", notes="RAM")
    assert fixed.photo.name == action.photo.name


def test_spending_counts_current_actions_only(ticket, tech, parts):
    original, _ = log(ticket, tech, parts=[(parts["ram"], 2)])
    assert selectors.parts_spent(2026) == Decimal("37.000")
    services.action_correct(action=original, by=tech, reason="one module", parts=[(parts["ram"], 1)])
    assert selectors.parts_spent(2026) == Decimal("18.500")
    assert selectors.parts_spent(2025) == Decimal("0.000")


def test_receiving_stock_adds_and_a_write_off_cannot_go_below_zero(parts):
    part = services.spare_part_receive(part=parts["psu"], quantity=4)
    assert part.quantity_on_hand == 5
    with pytest.raises(ValidationError):
        services.spare_part_receive(part=parts["psu"], quantity=-6)
    assert stock(parts["psu"]) == 5


def test_editing_a_part_never_overwrites_the_stock(parts, ticket, tech):
    stale = SparePart.objects.get(pk=parts["ram"].pk)  # read before an action draws 2
    log(ticket, tech, parts=[(parts["ram"], 2)])
    stale.name = "RAM 8 GB DDR4 2666"
    services.spare_part_save(part=stale)
    part = SparePart.objects.get(pk=parts["ram"].pk)
    assert part.name == "RAM 8 GB DDR4 2666" and part.quantity_on_hand == 3
