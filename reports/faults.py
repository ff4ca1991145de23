"""The fault figures of a period: outages clipped to it, availability over school hours, MTTR, MTBF.

Only a device's own outages count (`OutageCause.OWN`): an outage recorded as "unreachable via
its parent" is the parent's fault, already counted once at the parent. Availability counts
the checks that mean "the device or its link is down" (`DOWN_CHECKS`: ping, SNMP, a monitored
interface); a slow round trip, packet loss, interface errors or a reboot are faults in the
list but not downtime. A device's outages on several of those checks at once are merged
(their union), so a dead switch that fails ping and SNMP together is down once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.workingtime import Calendars

#: Check names (before ":") whose outages make a device unavailable.
DOWN_CHECKS = frozenset({"icmp", "snmp", "interface"})


@dataclass
class FaultData:
    outages: pd.DataFrame  # own outages, with school_id, cal, asset and grouping columns
    blocks: pd.DataFrame  # per target: merged downtime stretches of the DOWN_CHECKS outages
    targets: pd.DataFrame  # indexed by target id, with `cal` (calendar code)
    calendars: Calendars


def build_faults(outages: pd.DataFrame, targets: pd.DataFrame, *, calendars: Calendars) -> FaultData:
    targets = targets.set_index("id", drop=False)
    targets["cal"] = calendars.codes(targets["school_id"])
    outages = outages[outages["target_id"].isin(targets.index)].copy()
    for column in ("school_id", "asset_id", "asset_tag", "asset_name", "circuit_id", "circuit", "device_class", "cal"):
        outages[column] = targets[column].reindex(outages["target_id"]).to_numpy()
    outages["down"] = outages["check_name"].astype(str).str.split(":").str[0].isin(DOWN_CHECKS).astype(bool)
    return FaultData(outages=outages, targets=targets, blocks=_merge(outages[outages["down"]]), calendars=calendars)


def _merge(outages: pd.DataFrame) -> pd.DataFrame:
    """Per target, the union of its outages as (target_id, start, end) stretches; end NaT: still down."""
    if not len(outages):
        return pd.DataFrame({"target_id": pd.Series(dtype="int64"), "start": pd.Series(dtype="datetime64[ns, UTC]"),
                             "end": pd.Series(dtype="datetime64[ns, UTC]")})  # fmt: skip
    never = pd.Timestamp.max.tz_localize("UTC")
    frame = outages[["target_id", "start", "end"]].copy()
    frame["stop"] = frame["end"].fillna(never)
    frame = frame.sort_values(["target_id", "start"], ignore_index=True)
    # A stretch begins where an outage starts after every earlier outage of the target has ended.
    reach = frame.groupby("target_id")["stop"].cummax()
    reach_before = reach.groupby(frame["target_id"]).shift(1)
    new = reach_before.isna() | (frame["start"] > reach_before)
    frame["block"] = new.cumsum()
    blocks = frame.groupby("block").agg(target_id=("target_id", "first"), start=("start", "min"), stop=("stop", "max"))
    blocks["end"] = blocks["stop"].where(blocks["stop"] < never)
    return blocks[["target_id", "start", "end"]].reset_index(drop=True)


def clip(frame: pd.DataFrame, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """The rows overlapping [start, end), with `from`/`to` clipped to it and `seconds` their length."""
    open_end = frame["end"].isna() | (frame["end"] > end)
    overlapping = frame[(frame["start"] < end) & (frame["end"].isna() | (frame["end"] > start))].copy()
    open_end = open_end.loc[overlapping.index]
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    overlapping["from"] = overlapping["start"].where(overlapping["start"] > start_ts, start_ts)
    overlapping["to"] = overlapping["end"].where(~open_end, end_ts)
    overlapping["seconds"] = (overlapping["to"] - overlapping["from"]).dt.total_seconds()
    overlapping["ongoing"] = open_end
    return overlapping


def in_hours(data: FaultData, frame: pd.DataFrame, codes) -> np.ndarray:
    """Working seconds of each clipped row [from, to) on its calendar."""
    return data.calendars.seconds(codes, frame["from"], frame["to"])


@dataclass
class FaultFigures:
    outages: pd.DataFrame  # own outages overlapping the period, clipped, with in/outside hours seconds
    per_target: pd.DataFrame  # monitored targets: monitored (working and elapsed) and down seconds, failures, repairs
    repairs: pd.DataFrame  # down stretches that ended in the period, with their full length


def period_faults(data: FaultData, start: dt.datetime, end: dt.datetime) -> FaultFigures:
    outages = clip(data.outages, start, end)
    outages["in_hours_s"] = in_hours(data, outages, outages["cal"])
    outages["outside_hours_s"] = np.maximum(outages["seconds"] - outages["in_hours_s"], 0.0)

    blocks = clip(data.blocks, start, end)
    blocks["in_hours_s"] = in_hours(data, blocks, data.targets["cal"].reindex(blocks["target_id"]).to_numpy())

    targets = data.targets
    with_outage = set(data.outages.loc[data.outages["start"] < pd.Timestamp(end), "target_id"])
    monitored = targets[
        (targets["created"] < pd.Timestamp(end)) & (targets["enabled"] | targets["id"].isin(with_outage))
    ].copy()
    start_ts = pd.Timestamp(start)
    # Monitored from its creation — or from its first outage, for a target whose outages were imported
    # from before it was created here.
    first_outage = data.outages.groupby("target_id")["start"].min().reindex(monitored.index)
    since = monitored["created"].where(~(first_outage < monitored["created"]), first_outage)
    monitored["from"] = since.where(since > start_ts, start_ts)
    monitored["to"] = pd.Timestamp(end)
    monitored["monitored_s"] = (monitored["to"] - monitored["from"]).dt.total_seconds()
    monitored["monitored_hours_s"] = in_hours(data, monitored, monitored["cal"])
    down = blocks.groupby("target_id").agg(down_s=("seconds", "sum"), down_hours_s=("in_hours_s", "sum"))
    monitored = monitored.join(down, how="left")
    monitored[["down_s", "down_hours_s"]] = monitored[["down_s", "down_hours_s"]].fillna(0.0)
    started = data.blocks[(data.blocks["start"] >= start_ts) & (data.blocks["start"] < pd.Timestamp(end))]
    monitored["failures"] = started.groupby("target_id").size().reindex(monitored.index).fillna(0).astype(int)
    ended = data.blocks[(data.blocks["end"] >= start_ts) & (data.blocks["end"] < pd.Timestamp(end))].copy()
    ended["duration_s"] = (ended["end"] - ended["start"]).dt.total_seconds()
    ended = ended[ended["target_id"].isin(monitored.index)]
    for column in ("school_id", "circuit", "device_class"):
        ended[column] = targets[column].reindex(ended["target_id"]).to_numpy()
    return FaultFigures(outages=outages, per_target=monitored, repairs=ended)


def group_figures(figures: FaultFigures, by: str | None) -> pd.DataFrame:
    """Availability, downtime, failures, MTTR and MTBF per value of `by` (a target column), or overall with None.

    availability = 1 − downtime in working hours ÷ monitored working hours (device-hours: each monitored
    device weighs the same); MTTR = mean full length of the down stretches that ended in the period;
    MTBF = (monitored elapsed time − downtime) ÷ failures begun in the period.
    """
    targets = figures.per_target
    repairs = figures.repairs
    if by is None:
        targets = targets.assign(_all=0)
        repairs = repairs.assign(_all=0)
        by = "_all"
    targets = targets[targets[by].notna()]
    grouped = targets.groupby(by).agg(
        targets=("id", "size"),
        monitored_s=("monitored_s", "sum"),
        monitored_hours_s=("monitored_hours_s", "sum"),
        down_s=("down_s", "sum"),
        down_hours_s=("down_hours_s", "sum"),
        failures=("failures", "sum"),
    )
    mttr = repairs[repairs[by].notna()].groupby(by)["duration_s"].mean()
    grouped["mttr_s"] = mttr.reindex(grouped.index)
    grouped["availability"] = np.where(
        grouped["monitored_hours_s"] > 0,
        100.0 * (1.0 - grouped["down_hours_s"] / grouped["monitored_hours_s"].where(grouped["monitored_hours_s"] > 0)),
        np.nan,
    )
    grouped["mtbf_s"] = (grouped["monitored_s"] - grouped["down_s"]) / grouped["failures"].where(
        grouped["failures"] > 0
    )
    grouped["outside_s"] = grouped["down_s"] - grouped["down_hours_s"]
    return grouped
