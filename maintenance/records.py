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
    issue_date: date | None
    retention_years: int | None  # QP-70-2's paper retention; None: kept permanently


QF75_11 = "QF75-11"
QF75_13 = "QF75-13"
QF70_2_1 = "QF70-2-1"
QF70_2_12 = "QF70-2-12"
#: The disposal statement and the committee's decision are outputs of QP-70-2 (5.2 item 5) without a
#: form code of their own in the procedure: their headers print no code, and they are kept permanently
#: (the committee's decision is what allowed public property to be written off) unless the IT head
#: sets a period on their retention policy (code "DISPOSAL").
DISPOSAL_LIST = "disposal-list"
DISPOSAL_DECISION = "disposal-decision"

#: The procedure's edition that lists the forms: every form below shares it.
_ISSUE, _ISSUE_DATE = "1", date(2021, 1, 4)

FORMS: dict[str, RecordForm] = {
    QF75_11: RecordForm(
        code=QF75_11,
        title=_("Maintenance request (devices, network) – technical report"),
        issue=_ISSUE,
        issue_date=_ISSUE_DATE,
        retention_years=1,
    ),
    QF75_13: RecordForm(
        code=QF75_13, title=_("Field visit report"), issue=_ISSUE, issue_date=_ISSUE_DATE, retention_years=1
    ),
    QF70_2_1: RecordForm(
        code=QF70_2_1, title=_("Field visits programme"), issue=_ISSUE, issue_date=_ISSUE_DATE, retention_years=1
    ),
    QF70_2_12: RecordForm(
        code=QF70_2_12,
        title=_("Surplus / shortage devices list"),
        issue=_ISSUE,
        issue_date=_ISSUE_DATE,
        retention_years=1,
    ),
    DISPOSAL_LIST: RecordForm(
        code="", title=_("List of items to dispose of"), issue="", issue_date=None, retention_years=None
    ),
    DISPOSAL_DECISION: RecordForm(
        code="", title=_("Disposal committee decision"), issue="", issue_date=None, retention_years=None
    ),
}
