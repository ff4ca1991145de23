"""Persist what the probes saw and turn transitions into tickets.

One batch of outcomes is written in ONE transaction: check states, flips, outages,
samples, tickets and the targets' runtime columns commit together or not at all, so a
crash (even SIGKILL) between probing and committing loses nothing — the states stay as
they were and the next poll computes the same transitions again. Each target's row has a
version (`poll_version`) bumped with a conditional UPDATE: when two pollers poll the same
target, the second one's write finds the version moved and is dropped, so nothing is
written twice; tickets are further protected by the database's one-open-ticket rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from maintenance import services as tickets
from maintenance.choices import TicketCategory, TicketPriority
from netmon import engine
from netmon.calendar import Calendar
from netmon.choices import OutageCause, TargetRole, check_label
from netmon.counters import octet_rate_bps
from netmon.cycle import Job, Outcome
from netmon.models import Flip, Outage, Sample, Target, TargetCheck
from netmon.probes.snmp import SnmpTarget

log = logging.getLogger(__name__)

FAILED = {engine.Status.DOWN, engine.Status.FLAPPING, engine.Status.UNREACHABLE}
#: Checks that are events, not states: they raise tickets but make no outage.
EVENT_CHECKS = {engine.CheckKind.REBOOT.value}


@dataclass(frozen=True)
class NetmonSettings:
    self_close_within: timedelta | None
    discovery_every: timedelta
    raw_days: int
    rollup_5m_days: int
    rollup_1h_days: int

    @classmethod
    def load(cls) -> NetmonSettings:
        minutes = settings.NETMON_SELF_CLOSE_MINUTES
        return cls(
            self_close_within=None if minutes == 0 else timedelta(minutes=minutes),
            discovery_every=timedelta(hours=settings.NETMON_DISCOVERY_HOURS),
            raw_days=settings.NETMON_RAW_DAYS,
            rollup_5m_days=settings.NETMON_ROLLUP_5M_DAYS,
            rollup_1h_days=settings.NETMON_ROLLUP_1H_DAYS,
        )


# -- jobs --------------------------------------------------------------------------------


def jobs_for(target_ids: list[int], now: datetime) -> list[Job]:
    """The probe jobs of these targets (enabled ones), with their credentials decrypted in memory."""
    config = NetmonSettings.load()
    jobs = []
    for target in Target.objects.filter(pk__in=target_ids, enabled=True).select_related("credential"):
        snmp = None
        if target.snmp_enabled and target.credential is not None:
            snmp = SnmpTarget(
                key=target.pk,
                address=target.address,
                credentials=target.credential.probe_credentials(),
                port=target.snmp_port,
                timeout=target.timeout_s,
                retries=target.retries,
                interfaces=tuple(target.interfaces or ()),
                processors=tuple(target.processors or ()),
                # error and packet counters cost varbinds: only for an error-rate check
                errors=target.max_errors_per_s is not None or target.max_errors_per_mille is not None,
            )
        discover = snmp is not None and (
            target.discovered_at is None or now - target.discovered_at >= config.discovery_every
        )
        jobs.append(
            Job(
                target_id=target.pk,
                address=target.address,
                icmp=target.icmp_enabled,
                snmp=snmp,
                discover=discover,
                version=target.poll_version,
            )
        )
    return jobs


# -- recording ---------------------------------------------------------------------------


@dataclass
class RecordStats:
    polled: int = 0
    conflicts: int = 0  # written by another poller first
    transitions: int = 0
    tickets_opened: int = 0
    tickets_reused: int = 0
    recoveries: int = 0
    errors: int = 0  # probe-side errors (our own failures, not device silence)
    samples: int = 0
    error_messages: list[str] = field(default_factory=list)


@dataclass
class _Network:
    """Every enabled target's status and parent, for parent suppression."""

    statuses: dict[int, engine.Status]
    parents: dict[int, int | None]
    suspects: set[int]

    @classmethod
    def load(cls) -> _Network:
        statuses, parents, suspects = {}, {}, set()
        for pk, parent, status, suspect in Target.objects.filter(enabled=True).values_list(
            "pk", "parent_id", "status", "suspect"
        ):
            statuses[pk] = engine.Status(status)
            parents[pk] = parent
            if suspect:
                suspects.add(pk)
        return cls(statuses, parents, suspects)

    def resolve(self) -> engine.Resolution[int]:
        return engine.resolve_parents(self.statuses, self.parents, suspect=self.suspects)


def record_outcomes(outcomes: list[Outcome], *, clock_jumped_at: datetime | None = None) -> RecordStats:
    """Store one batch of outcomes (see the module notes). Returns what happened.

    `clock_jumped_at`: when the poller saw its wall clock step (NTP, a VM resumed). A
    sysUpTime read before that moment cannot be compared with one read after it — a clock
    stepped an hour forward would make every device look rebooted — so the reboot check
    only takes a new baseline for it."""
    stats = RecordStats()
    if not outcomes:
        return stats
    with transaction.atomic():
        _Recorder(outcomes, stats, clock_jumped_at=clock_jumped_at).run()
    return stats


class _Recorder:
    def __init__(self, outcomes: list[Outcome], stats: RecordStats, *, clock_jumped_at: datetime | None = None) -> None:
        self.clock_jumped_at = clock_jumped_at
        self.outcomes = {o.target_id: o for o in outcomes}
        self.stats = stats
        self.config = NetmonSettings.load()
        self.samples: list[Sample] = []

    def run(self) -> None:
        ids = list(self.outcomes)
        targets = {
            t.pk: t
            for t in Target.objects.filter(pk__in=ids).select_related(
                "asset", "asset__school", "asset__location", "circuit"
            )
        }
        rows: dict[int, dict[str, TargetCheck]] = {pk: {} for pk in targets}
        for row in TargetCheck.objects.filter(target_id__in=ids):
            rows[row.target_id][row.check_name] = row
        self.open_outages: dict[tuple[int, str], Outage] = {
            (o.target_id, o.check_name): o for o in Outage.objects.filter(target_id__in=ids, end__isnull=True)
        }
        times = [o.at for o in self.outcomes.values()]
        self.calendar = Calendar(min(times), max(times))
        network = _Network.load()
        resolution = network.resolve()
        has_children = {parent for parent in network.parents.values() if parent is not None}
        rank = {pk: i for i, pk in enumerate(resolution.order)}
        for pk in sorted(targets, key=lambda pk: rank.get(pk, -1)):
            target = targets[pk]
            before = (network.statuses.get(pk), pk in network.suspects)
            status, suspect = self._record_target(target, rows[pk], parent_down=resolution.is_blocked(pk))
            if status is None:
                continue
            network.statuses[pk] = status
            (network.suspects.add if suspect else network.suspects.discard)(pk)
            if before != (status, suspect) and target.enabled and pk in has_children:
                # a parent changed what it means for its children (resolving costs O(network):
                # only for parents, or a mass outage of 10,000 leaves would cost O(n²))
                resolution = network.resolve()
        Sample.objects.bulk_create(self.samples, batch_size=1000)
        self.stats.samples += len(self.samples)

    # -- one target ----------------------------------------------------------------------

    def _record_target(
        self, target: Target, rows: dict[str, TargetCheck], *, parent_down: bool
    ) -> tuple[engine.Status | None, bool]:
        outcome = self.outcomes[target.pk]
        if outcome.version is not None and outcome.version != target.poll_version:
            # polled from an older version: another poller (or our own later poll) wrote since
            self.stats.conflicts += 1
            return None, False
        now = outcome.at
        config = target.config()
        states = {name: engine.CheckState.from_dict(row.state) for name, row in rows.items()}
        discovery = self._discovery_fields(target, outcome)
        results, samples, errors = self._results(target, config, outcome, states, discovery)
        new_states, transitions = engine.observe_target(states, results, now, config.policy, parent_down=parent_down)
        status = engine.target_status(new_states)
        suspect = engine.target_suspect(new_states)
        runtime: dict[str, Any] = {
            "poll_version": target.poll_version + 1,
            "status": status.value,
            "suspect": suspect,
            "last_poll_at": now,
            "last_error": "; ".join(errors)[:200],
            **discovery,
        }
        if status.value != target.status:
            runtime["status_since"] = now
        # The version check: if another poller wrote this target since we read it, its
        # write stands and ours is dropped — whole, so nothing is stored twice.
        won = Target.objects.filter(pk=target.pk, poll_version=target.poll_version).update(**runtime)
        if not won:
            self.stats.conflicts += 1
            return None, False
        self.stats.polled += 1
        self.stats.errors += len(errors)
        self.stats.error_messages.extend(errors[: max(0, 20 - len(self.stats.error_messages))])
        self._save_checks(target, rows, states, new_states, now)
        for transition in transitions:
            self._apply_transition(target, transition, new_states, rows)
        self._open_deferred_tickets(target, new_states, now)
        self.samples.extend(samples)
        return status, suspect

    def _discovery_fields(self, target: Target, outcome: Outcome) -> dict[str, Any]:
        found = outcome.discovery
        if found is None or not found.ok:
            return {}
        interfaces = {
            str(i.if_index): {
                "name": i.name,
                "descr": i.descr,
                "alias": i.alias,
                "type": i.if_type,
                "speed_bps": i.speed_bps,
                "counters64": i.counters64,
            }
            for i in found.interfaces.values()
        }
        fields = {
            "discovered_at": outcome.at,
            "sys_name": found.sys_name[:255],
            "sys_descr": found.sys_descr,
            "sys_object_id": found.sys_object_id[:255],
            "snmp_interfaces": interfaces,
            "processors": list(found.processors),
        }
        target.snmp_interfaces = interfaces  # the rates below use the speeds just found
        return fields

    def _results(
        self,
        target: Target,
        config: engine.TargetConfig,
        outcome: Outcome,
        states: dict[str, engine.CheckState],
        discovery: dict[str, Any],
    ) -> tuple[dict[str, engine.Evaluation | bool | None], list[Sample], list[str]]:
        now = outcome.at
        results: dict[str, engine.Evaluation | bool | None] = {}
        samples: list[Sample] = []
        errors: list[str] = []

        def sample(metric: str, value: float | None) -> None:
            if value is not None:
                samples.append(Sample(target_id=target.pk, metric=metric, at=now, value=float(value)))

        ping = outcome.ping
        if config.icmp and ping is not None:
            if ping.error:
                errors.append(f"icmp: {ping.error}")  # our failure: no verdict
            else:
                sample_ = engine.IcmpSample(ping.sent, ping.received, ping.rtt_avg_ms, ping.rtt_max_ms)
                results.update(engine.evaluate_icmp(sample_, config.icmp_thresholds))
                if ping.received:
                    sample("rtt_ms", ping.rtt_avg_ms)
        poll = outcome.poll
        if not (config.snmp and poll is not None):
            return results, samples, errors
        results[engine.CheckKind.SNMP.value] = engine.Evaluation(
            poll.ok, {"error": poll.error, "elapsed_ms": round(poll.elapsed_ms, 1)}
        )
        if not poll.ok or poll.uptime_ticks is None:
            return results, samples, errors
        rebooted = False
        if config.reboot:
            previous = states.get(engine.CheckKind.REBOOT.value)
            if (
                self.clock_jumped_at is not None
                and previous is not None
                and previous.last_at is not None
                and previous.last_at < self.clock_jumped_at <= now
            ):
                verdict = engine.Evaluation(None, {"clock_jump": True}, poll.uptime_ticks)  # a new baseline only
            else:
                verdict = engine.evaluate_reboot(previous, poll.uptime_ticks, now)
            results[engine.CheckKind.REBOOT.value] = verdict
            rebooted = verdict.ok is False
            if rebooted:
                discovery.setdefault("discovered_at", None)  # interfaces may have been renumbered
        sample("uptime_s", poll.uptime_ticks / engine.TICKS_PER_SECOND)
        for index, load in poll.cpu_load.items():
            sample(f"cpu:{index}", load)
        known = target.snmp_interfaces or {}
        for if_index in config.interfaces:
            reading = poll.interfaces.get(if_index)
            name = engine.check_name(engine.CheckKind.INTERFACE, if_index)
            if reading is None:
                continue
            if not reading.present:
                results[name] = engine.evaluate_interface(None, None)
                continue
            verdict = engine.evaluate_interface(reading.admin, reading.oper)
            counters = {"in": reading.in_octets, "out": reading.out_octets, "bits": reading.octets_bits}
            results[name] = engine.Evaluation(verdict.ok, verdict.detail, counters)
            previous = states.get(name)
            speed = (known.get(str(if_index)) or {}).get("speed_bps")
            if previous is not None and previous.last_at is not None and isinstance(previous.value, dict):
                elapsed = (now - previous.last_at).total_seconds()
                for direction in ("in", "out"):
                    old, new = previous.value.get(direction), counters[direction]
                    if old is None or new is None or elapsed <= 0 or previous.value.get("bits") != counters["bits"]:
                        continue
                    bps = octet_rate_bps(
                        old, new, bits=counters["bits"], elapsed_s=elapsed, speed_bps=speed, reset=rebooted
                    )
                    sample(f"{direction}_bps:{if_index}", bps)
            if config.error_thresholds is not None and reading.in_errors is not None:
                err_name = engine.check_name(engine.CheckKind.IF_ERRORS, if_index)
                err_state = states.get(err_name)
                cur = {"errors": reading.in_errors}
                if reading.in_packets is not None:
                    cur["packets"] = reading.in_packets
                elapsed = (now - err_state.last_at).total_seconds() if err_state and err_state.last_at else 0.0
                verdict = engine.evaluate_if_errors(
                    err_state.value if err_state and isinstance(err_state.value, dict) else None,
                    cur,
                    elapsed_s=elapsed,
                    thresholds=config.error_thresholds,
                    speed_bps=speed,
                    reset=rebooted,
                    bits={"errors": 32, "packets": reading.packets_bits},
                )
                results[err_name] = verdict
                sample(f"errors_ps:{if_index}", verdict.detail.get("errors_per_s"))
        return results, samples, errors

    def _save_checks(
        self,
        target: Target,
        rows: dict[str, TargetCheck],
        old: dict[str, engine.CheckState],
        new: dict[str, engine.CheckState],
        now: datetime,
    ) -> None:
        for name, state in new.items():
            if old.get(name) is state:
                continue  # no observation this poll
            row = rows.get(name)
            failing_since = row.failing_since if row else None
            passing_since = row.passing_since if row else None
            if state.last_at == now:
                if state.failures == 1:
                    failing_since = now
                elif state.failures == 0:
                    failing_since = None
                if state.successes == 1:
                    passing_since = now
                elif state.successes == 0:
                    passing_since = None
            values = {
                "status": state.status.value,
                "since": state.since,
                "state": state.to_dict(),
                "failing_since": failing_since,
                "passing_since": passing_since,
            }
            if row is None:
                rows[name] = TargetCheck.objects.create(target=target, check_name=name, **values)
            else:
                TargetCheck.objects.filter(pk=row.pk).update(**values)
                for key, value in values.items():
                    setattr(row, key, value)

    # -- transitions: flips, outages, tickets ------------------------------------------------

    def _apply_transition(
        self,
        target: Target,
        t: engine.Transition,
        states: dict[str, engine.CheckState],
        rows: dict[str, TargetCheck],
    ) -> None:
        self.stats.transitions += 1
        Flip.objects.create(
            target=target,
            check_name=t.check,
            seq=t.seq,
            old=t.old.value,
            new=t.new.value,
            at=t.at,
            reason=t.reason,
            detail=t.detail,
        )
        outage = self._track_outage(target, t, rows.get(t.check))
        action = engine.ticket_action(t)
        if action == engine.TicketAction.OPEN:
            self._open_ticket(target, t.check, t.at, outage, detail=t.detail)
        elif action == engine.TicketAction.RESOLVE:
            ticket = tickets.automatic_ticket_recover(
                key=target.monitor_key,
                problem=t.check,
                at=t.at,
                outage=None if outage is None or outage.duration_s is None else outage.duration,
                self_close_within=self.config.self_close_within,
                data={"check": t.check, "outage_id": None if outage is None else outage.pk},
            )
            if ticket is not None:
                self.stats.recoveries += 1

    def _track_outage(self, target: Target, t: engine.Transition, row: TargetCheck | None) -> Outage | None:
        if t.check in EVENT_CHECKS:
            return None
        key = (target.pk, t.check)
        outage = self.open_outages.get(key)
        cause = OutageCause.PARENT if t.new == engine.Status.UNREACHABLE else OutageCause.OWN
        if t.new in FAILED:
            if outage is None:
                start = (row.failing_since if row and row.failing_since else None) or t.at
                outage = Outage.objects.create(
                    target=target,
                    check_name=t.check,
                    status=t.new.value,
                    cause=cause,
                    start=start,
                    context=self.calendar.context(target, start),
                )
                self.open_outages[key] = outage
            else:
                outage.status, outage.cause = t.new.value, cause
                Outage.objects.filter(pk=outage.pk).update(status=outage.status, cause=outage.cause)
            return outage
        if outage is None:
            return None
        end = (row.passing_since if row and row.passing_since else None) or t.at
        end = max(end, outage.start)
        outage.end, outage.duration_s = end, (end - outage.start).total_seconds()
        Outage.objects.filter(pk=outage.pk).update(end=outage.end, duration_s=outage.duration_s)
        del self.open_outages[key]
        return outage

    def _open_ticket(
        self, target: Target, check: str, at: datetime, outage: Outage | None, *, detail: dict[str, Any]
    ) -> None:
        if self.calendar.holds_ticket(target, at):
            return  # recorded in the outage's context; opened when the school day starts
        fault = _fault(target, check)
        ticket, created = tickets.automatic_ticket_open(
            fault,
            at=at,
            data={
                "check": check,
                "outage_id": None if outage is None else outage.pk,
                "observation": detail.get("observation", {}),
            },
        )
        if created:
            self.stats.tickets_opened += 1
        else:
            self.stats.tickets_reused += 1
        if outage is not None and outage.ticket_id != ticket.pk:
            outage.ticket = ticket
            Outage.objects.filter(pk=outage.pk).update(ticket=ticket)

    def _open_deferred_tickets(self, target: Target, states: dict[str, engine.CheckState], now: datetime) -> None:
        """An outage held back (night, holiday, window) that is still on gets its ticket once it may."""
        for (pk, check), outage in list(self.open_outages.items()):
            if pk != target.pk or outage.ticket_id is not None or outage.cause != OutageCause.OWN:
                continue
            state = states.get(check)
            if state is None or state.status not in (engine.Status.DOWN, engine.Status.FLAPPING):
                continue
            if not self.calendar.holds_ticket(target, now):
                self._open_ticket(target, check, now, outage, detail={"deferred_from": outage.start.isoformat()})


def _fault(target: Target, check: str) -> tickets.AutomaticTicket:
    """The automatic ticket's words, in the directorate's language."""
    asset = target.asset
    role = target.role
    category = TicketCategory.FIBER if target.circuit_id else TargetRole.CATEGORY.get(role, TicketCategory.NETWORK)
    priority = _priority(TargetRole.PRIORITY.get(role, TicketPriority.NORMAL), check)
    with translation.override(settings.LANGUAGE_CODE):
        label = _check_display(target, check)
        title = _("%(asset)s: %(problem)s") % {"asset": str(asset), "problem": label}
        lines = [
            _("Opened automatically by the network monitor."),
            _("Device: %(asset)s, address %(address)s, role: %(role)s.")
            % {"asset": str(asset), "address": target.address, "role": TargetRole.label(role)},
            _("School: %(school)s.") % {"school": str(asset.school)},
        ]
        if asset.location_id:
            lines.append(_("Location: %(location)s.") % {"location": str(asset.location)})
        if target.circuit_id:
            lines.append(_("Circuit: %(circuit)s.") % {"circuit": str(target.circuit)})
        lines.append(_("Problem: %(problem)s.") % {"problem": label})
    return tickets.AutomaticTicket(
        key=target.monitor_key,
        problem=check,
        title=title,
        description="\n".join(lines),
        category=category,
        priority=priority,
        school_id=asset.school_id,
        location_id=asset.location_id,
        asset_ids=(asset.pk,),
    )


_LOWER = {
    TicketPriority.URGENT: TicketPriority.HIGH,
    TicketPriority.HIGH: TicketPriority.NORMAL,
    TicketPriority.NORMAL: TicketPriority.LOW,
    TicketPriority.LOW: TicketPriority.LOW,
}


def _priority(role_priority: str, check: str) -> str:
    """The role's priority when the device or a monitored port is down; one step lower when
    it is only degraded (slow, lossy, errors) or SNMP alone fails; a reboot is normal."""
    kind, _sep, _index = check.partition(":")
    if kind in (engine.CheckKind.ICMP, engine.CheckKind.INTERFACE):
        return role_priority
    if kind == engine.CheckKind.REBOOT:
        return TicketPriority.NORMAL
    return _LOWER[role_priority]


def _check_display(target: Target, check: str) -> str:
    """The problem in words: "Ping not answering", "Interface 3 (Gi0/3) down", …"""
    kind, _sep, index = check.partition(":")
    info = (target.snmp_interfaces or {}).get(index) if index else None
    label = check_label(check)
    if info and info.get("name") and info["name"] != index:
        label = f"{label} ({info['name']})"
    if kind in engine.REACHABILITY_CHECKS:
        return _("%(check)s not answering") % {"check": label}
    if kind == engine.CheckKind.INTERFACE:
        return _("%(check)s down") % {"check": label}
    if kind == engine.CheckKind.REBOOT:
        return _("the device restarted")
    return _("%(check)s over its threshold") % {"check": label}


# -- samples: roll-ups and pruning -------------------------------------------------------------

_BUCKET_SQL = {
    "postgresql": "to_timestamp(floor(extract(epoch from {col}) / {res}) * {res})",
    # "%%" because the query carries parameters: the driver's placeholder style is %s
    "sqlite": "strftime('%%Y-%%m-%%d %%H:%%M:%%S', (CAST(strftime('%%s', {col}) AS INTEGER) / {res}) * {res}, "
    "'unixepoch')",
}


def _bucket(col: str, res: int) -> str:
    from django.db import connection

    try:
        return _BUCKET_SQL[connection.vendor].format(col=col, res=int(res))
    except KeyError:
        raise NotImplementedError(f"roll-ups are written for SQLite and PostgreSQL, not {connection.vendor}") from None


def _floor(at: datetime, res: int) -> datetime:
    epoch = int(at.timestamp()) // res * res
    return datetime.fromtimestamp(epoch, tz=at.tzinfo)


def rollup_samples(now: datetime, *, lookback: timedelta = timedelta(hours=2)) -> int:
    """Summarise raw samples into 5-minute buckets and 5-minute ones into hours: the complete buckets from
    the last one already rolled up (its high-water mark, read from the roll-up table per resolution) to `now`.

    Each run does only new work: it redoes the last bucket it rolled (samples the poller wrote late land
    there) and adds the buckets completed since. A run that was missed or comes late catches up from the
    mark; `lookback` bounds how far back that goes (and serves the first run, with no mark yet). A mark
    outside [now - lookback, now) — older, or ahead after the clock stepped back — counts as none.
    Re-running is harmless: rows are upserted.

    The hourly step needs no mark of the 5-minute step: the last rolled hour's 5-minute rows are all
    there once it is rolled, so the 5-minute step never rewrites a bucket before the last rolled hour,
    and redoing that hour takes any late sample in."""
    from django.db import connection

    written = 0
    steps = (
        ("netmon_sample", 300, "value", "1", "value", "value"),
        ("netmon_samplerollup", 3600, "avg * count", "count", "min", "max"),
    )
    for source, res, weighted, weight, low, high in steps:
        until = _floor(now, res)
        floor = _floor(now - lookback, res)
        col = "at" if source == "netmon_sample" else "bucket"
        # The mark in the same statement: one round trip, and the INSERT stays the run's first statement.
        mark = (
            f"COALESCE((SELECT MAX(bucket) FROM netmon_samplerollup WHERE resolution_s = {res} "
            "AND bucket >= %s AND bucket < %s), %s)"
        )
        where = f"{col} >= {mark} AND {col} < %s" + ("" if source == "netmon_sample" else " AND resolution_s = 300")
        sql = f"""
            INSERT INTO netmon_samplerollup (target_id, metric, resolution_s, bucket, count, avg, min, max)
            SELECT target_id, metric, {res}, {_bucket(col, res)}, SUM({weight}), SUM({weighted}) / SUM({weight}),
                   MIN({low}), MAX({high})
            FROM {source} WHERE {where}
            GROUP BY target_id, metric, {_bucket(col, res)}
            ON CONFLICT (target_id, metric, resolution_s, bucket) DO UPDATE SET
                count = excluded.count, avg = excluded.avg, min = excluded.min, max = excluded.max
        """
        with connection.cursor() as cursor:
            adapt = connection.ops.adapt_datetimefield_value
            since, until = adapt(floor), adapt(until)
            cursor.execute(sql, [since, until, since, until])
            written += max(cursor.rowcount, 0)
    return written


def prune_samples(now: datetime) -> dict[str, int]:
    """Drop what is past its retention: raw, 5-minute and hourly samples."""
    from netmon.models import SampleRollup

    config = NetmonSettings.load()
    raw = Sample.objects.filter(at__lt=now - timedelta(days=config.raw_days)).delete()[0]
    five = SampleRollup.objects.filter(
        resolution_s=300, bucket__lt=now - timedelta(days=config.rollup_5m_days)
    ).delete()[0]
    hour = SampleRollup.objects.filter(
        resolution_s=3600, bucket__lt=now - timedelta(days=config.rollup_1h_days)
    ).delete()[0]
    return {"raw": raw, "5m": five, "1h": hour}


def rollup_and_prune(now: datetime) -> dict[str, int]:
    with transaction.atomic():
        rolled = rollup_samples(now)
        pruned = prune_samples(now)
    return {"rolled_up": rolled, **pruned}
