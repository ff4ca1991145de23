"""The tablet's one composite write: the technical report and the resolution in one step.

Everything else the tablet writes goes straight to maintenance.services (actions, status moves).
"""

from __future__ import annotations

from django.db import transaction

from maintenance import services
from maintenance.models import TechnicalReport, Ticket


@transaction.atomic
def report_and_resolve(
    *,
    ticket: Ticket | int,
    by,
    expected_version: int,
    diagnosis: str,
    actions_taken: str,
    result: str,
    recommendation: str,
    recommendation_notes: str = "",
    resolve: bool = True,
) -> tuple[TechnicalReport, Ticket]:
    """Write the technical report with the version the technician saw and, with `resolve`, resolve the
    ticket in the same transaction: a refused resolution (or a stale version, `TicketConflict`) keeps
    nothing, so the technician never ends up with half of what they submitted."""
    report = services.report_save(
        ticket=ticket,
        by=by,
        expected_version=expected_version,
        diagnosis=diagnosis,
        actions_taken=actions_taken,
        result=result,
        recommendation=recommendation,
        recommendation_notes=recommendation_notes,
    )
    current = report.ticket
    if resolve:
        # report_save claimed the ticket (its version went up by one): resolve from that version.
        current = services.ticket_resolve(ticket=current, by=by, expected_version=current.version)
    return report, current
