"""The help-desk figures of a period, from the tickets' status history (see `reports` for the definitions).

`TicketHistory` is built once per report from the frames of `reports.selectors` (this
quarter and the previous one together): the tickets, each ticket's status changes in order
with the working time its resolution clock had counted before each change, and each
ticket's first response. `period_figures` then reads any period out of it with vectorised
pandas operations; `maintenance.sla` defines the working time (through `reports.workingtime`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from maintenance.choices import FeedbackKind, TicketStatus
from maintenance.sla import AWAITING_RESPONSE, PAUSED, STOPPED
from reports.workingtime import Calendars

S = TicketStatus
#: Statuses in which a ticket is not (or no longer) waiting for the department's work.
DONE = frozenset({S.RESOLVED, S.CLOSED})
#: Statuses in which the resolution clock stands still: on hold, and resolved or closed (as in maintenance.sla).
NOT_COUNTING = frozenset(PAUSED | STOPPED)


@dataclass
class TicketHistory:
    tickets: pd.DataFrame  # one row per ticket, indexed by id, with `cal` (calendar code) and `responded_at`
    changes: pd.DataFrame  # ticket_id, at, status, previous, elapsed_before (s), ordered per ticket
    calendars: Calendars


@dataclass
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive: the quarter's end, or "now" for the quarter in progress


def _empty_like(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def build_history(
    tickets: pd.DataFrame,
    history: pd.DataFrame,
    replies: pd.DataFrame,
    *,
    calendars: Calendars,
) -> TicketHistory:
    """Order each ticket's status changes and count its resolution clock before each change.

    A ticket with no timeline entry for a resolution or closing its columns record (a ticket
    imported, or written before the timeline recorded every change) gets one at `resolved_at`
    / `closed_at`, so the columns and the history never disagree about what happened.
    """
    tickets = tickets.set_index("id", drop=False)
    tickets["cal"] = calendars.codes(tickets["school_id"])
    changes = history[["ticket_id", "at", "seq", "status"]].copy()
    changes = changes[changes["ticket_id"].isin(tickets.index)]
    extra = []
    for column, status in (("resolved_at", S.RESOLVED), ("closed_at", S.CLOSED)):
        has = set(changes.loc[changes["status"] == status, "ticket_id"])
        missing = tickets[tickets[column].notna() & ~tickets["id"].isin(has)]
        extra.append(
            pd.DataFrame(
                {"ticket_id": missing["id"], "at": missing[column], "seq": np.iinfo(np.int64).max, "status": status}
            )
        )
    opened = pd.DataFrame({"ticket_id": tickets["id"], "at": tickets["opened_at"], "seq": -1, "status": S.NEW})
    changes = pd.concat([opened, changes, *extra], ignore_index=True)
    # cache=False: the cache's look for repeated values iterates the column as Timestamps, one by one
    changes["at"] = pd.to_datetime(changes["at"], utc=True, cache=False)
    changes["seq"] = changes["seq"].astype(np.int64)
    # A change stamped before the opening counts from the opening (as maintenance.sla reads it).
    opened_at = tickets["opened_at"].reindex(changes["ticket_id"])
    opened_at.index = changes.index
    changes["at"] = changes["at"].where(changes["at"] >= opened_at, opened_at)
    changes = changes.sort_values(["ticket_id", "at", "seq"], kind="stable", ignore_index=True)
    by_ticket = changes.groupby("ticket_id", sort=False)
    changes["previous"] = by_ticket["status"].shift(1)
    following = by_ticket["at"].shift(-1)
    counting = ~changes["status"].isin(NOT_COUNTING) & following.notna()
    seconds = np.zeros(len(changes), dtype=np.int64)
    if counting.any():
        rows = np.flatnonzero(counting.to_numpy())
        codes = tickets["cal"].reindex(changes["ticket_id"].iloc[rows]).to_numpy()
        seconds[rows] = calendars.seconds(codes, changes["at"].iloc[rows], following.iloc[rows])
    changes["seconds"] = seconds
    changes["elapsed_before"] = changes.groupby("ticket_id", sort=False)["seconds"].cumsum() - changes["seconds"]

    # First response: the column the services write, the first status past new/assigned, the first staff reply.
    answered = changes[~changes["status"].isin(AWAITING_RESPONSE)].groupby("ticket_id")["at"].min()
    first_reply = (
        replies.set_index("ticket_id")["first_reply"] if len(replies) else pd.Series(dtype="datetime64[ns, UTC]")
    )
    candidates = pd.concat(
        [tickets["first_response_at"], answered.reindex(tickets.index), first_reply.reindex(tickets.index)], axis=1
    )
    responded = candidates.min(axis=1)
    tickets["responded_at"] = pd.to_datetime(
        responded.where(responded >= tickets["opened_at"], tickets["opened_at"]), utc=True, cache=False
    )
    tickets.loc[responded.isna(), "responded_at"] = pd.NaT
    return TicketHistory(tickets=tickets, changes=changes, calendars=calendars)


def status_before(history: TicketHistory, moment: dt.datetime) -> pd.Series:
    """Each ticket's status just before `moment` (only tickets opened before it)."""
    known = history.changes[history.changes["at"] < moment]
    return known.groupby("ticket_id", sort=False)["status"].last()


@dataclass
class PeriodFigures:
    """Per-ticket flags and per-event rows of one period; the tables are sums of these."""

    received: pd.Series  # bool per ticket
    carried_over: pd.Series
    still_open: pd.Series
    carried_out: pd.Series
    resolutions: pd.DataFrame  # one row per entry into RESOLVED in the period
    closed_unresolved: pd.DataFrame  # one row per closing not after a resolution
    resolved: pd.DataFrame  # per ticket resolved in the period (its last resolution): elapsed_s, target_s, met
    responses: pd.DataFrame  # per ticket first answered in the period: response_s
    objections: int
    ratings: pd.Series


def period_figures(
    history: TicketHistory, period: Period, *, feedback: pd.DataFrame, policies: pd.DataFrame
) -> PeriodFigures:
    tickets, changes = history.tickets, history.changes
    start, end = period.start, period.end
    received = (tickets["opened_at"] >= start) & (tickets["opened_at"] < end)

    at_start = status_before(history, start).reindex(tickets.index)
    at_end = status_before(history, end).reindex(tickets.index)
    carried_over = (tickets["opened_at"] < start) & at_start.notna() & ~at_start.isin(DONE)
    still_open = (tickets["opened_at"] < end) & at_end.notna() & ~at_end.isin(DONE)

    in_period = changes[(changes["at"] >= start) & (changes["at"] < end)]
    resolutions = in_period[in_period["status"] == S.RESOLVED]
    closed_unresolved = in_period[(in_period["status"] == S.CLOSED) & (in_period["previous"] != S.RESOLVED)]
    done_ids = set(resolutions["ticket_id"]) | set(closed_unresolved["ticket_id"])
    carried_out = pd.Series(tickets.index.isin(list(done_ids)), index=tickets.index)

    last = resolutions.groupby("ticket_id", sort=False).tail(1).set_index("ticket_id")
    resolved = pd.DataFrame({"elapsed_s": last["elapsed_before"].astype(np.int64)}, index=last.index)
    resolved["target_s"] = sla_targets(tickets.loc[resolved.index], policies)
    # 1.0 within the target (reaching it exactly is on time), 0.0 late, NaN without a policy
    resolved["met"] = np.where(
        resolved["target_s"].isna(), np.nan, (resolved["elapsed_s"] <= resolved["target_s"]).astype("float64")
    )

    answered = tickets[(tickets["responded_at"] >= start) & (tickets["responded_at"] < end)]
    responses = pd.DataFrame(index=answered.index)
    responses["response_s"] = history.calendars.seconds(
        answered["cal"].to_numpy(), answered["opened_at"], answered["responded_at"]
    )

    fb = feedback[(feedback["at"] >= start) & (feedback["at"] < end) & feedback["ticket_id"].isin(tickets.index)]
    objections = int((fb["kind"] == FeedbackKind.OBJECTED).sum())
    ratings = pd.to_numeric(fb["rating"], errors="coerce").dropna()
    return PeriodFigures(
        received=received,
        carried_over=carried_over,
        still_open=still_open,
        carried_out=carried_out,
        resolutions=resolutions,
        closed_unresolved=closed_unresolved,
        resolved=resolved,
        responses=responses,
        objections=objections,
        ratings=ratings,
    )


def sla_targets(tickets: pd.DataFrame, policies: pd.DataFrame) -> pd.Series:
    """The resolution target (working seconds) of each ticket: its own policy if it names one, else the
    most specific active policy for its priority and category, else its priority's general one; NaN if none."""
    by_id = dict(zip(policies["id"], policies["resolve_seconds"], strict=True))
    active = policies[policies["active"].astype(bool)]
    specific = {
        (p, c): s for p, c, s in zip(active["priority"], active["category"], active["resolve_seconds"], strict=True)
    }
    targets = []
    for policy_id, priority, category in zip(
        tickets["sla_policy_id"], tickets["priority"], tickets["category"], strict=True
    ):
        if pd.notna(policy_id) and int(policy_id) in by_id:
            targets.append(by_id[int(policy_id)])
        else:
            targets.append(specific.get((priority, category), specific.get((priority, ""), np.nan)))
    return pd.Series(targets, index=tickets.index, dtype="float64")


def quantile(seconds: pd.Series, q: float) -> float | None:
    """The q-quantile in hours (linear interpolation between the two nearest ranks); None without values."""
    if not len(seconds):
        return None
    return float(np.quantile(seconds.to_numpy(dtype="float64"), q)) / 3600.0
