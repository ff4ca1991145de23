"""The ministry's record forms that Siyana prints, in one place: code → issue, issue date, title, retention.

QP-70-2 (section 6, "related documents") lists each record by name and code with where it is
kept and for how long; a printed record carries its form's code, issue number and issue date
in the header (core/print/base.html). A new printable form (QF75-13 field visit reports, …)
adds its entry here, and its template reads the header from `FORMS[code]`:

    form = FORMS[QF75_11]
    {"form": form} → {{ form.code }}, {{ form.issue }}, {{ form.issue_date|date:"Y-m-d" }}, {{ form.title }}

The issue number and date are those of the procedure that lists the form (QP-70-2, issue 1,
2021-01-04): when the quality office issues a new edition of a form, change it here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RecordForm:
    code: str
    title: Promise  # translated when shown, in the language of the printed page
    issue: str
    issue_date: date
    retention_years: int | None  # QP-70-2's paper retention; None: kept permanently


QF75_11 = "QF75-11"

FORMS: dict[str, RecordForm] = {
    QF75_11: RecordForm(
        code=QF75_11,
        title=_("Maintenance request (devices, network) – technical report"),
        issue="1",
        issue_date=date(2021, 1, 4),
        retention_years=1,
    ),
}
