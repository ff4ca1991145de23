"""Building blocks for the poller's Django-side tests: targets and probe outcomes."""

from __future__ import annotations

from datetime import datetime

from assets.models import Asset, AssetModel, Manufacturer
from netmon.choices import SnmpVersion, TargetRole
from netmon.cycle import Outcome
from netmon.models import SnmpCredential, Target
from netmon.probes.icmp import PingResult
from netmon.probes.snmp import InterfaceReading, PollResult
from tests.agents import free_udp_port


def make_target(school, location=None, *, tag: str, ip: str, parent=None, role=TargetRole.ACCESS, **config) -> Target:
    maker, _ = Manufacturer.objects.get_or_create(name="Cisco")
    model, _ = AssetModel.objects.get_or_create(
        manufacturer=maker, name="Catalyst 2960-X", defaults={"category": "switch"}
    )
    asset = Asset.objects.create(
        asset_tag=tag, name=tag.lower(), asset_model=model, school=school, location=location, management_ip=ip
    )
    values = {"fail_threshold": 3, "recover_threshold": 2, "school_hours_only": False, **config}
    target = Target(asset=asset, address=ip, parent=parent, role=role, **values)
    target.full_clean()
    target.save()
    return target


def v2c(name: str = "lab", community: str = "public") -> SnmpCredential:
    credential = SnmpCredential(name=name, version=SnmpVersion.V2C)
    credential.set_secret("community", community)
    credential.full_clean()
    credential.save()
    return credential


def silent_snmp_targets(school, location, *, prefix: str, subnet: str, count: int, **config) -> list[Target]:
    """`count` targets <prefix>-1… on <subnet>.1… (loopback: they answer ping) sharing one SNMP
    credential and one closed loopback UDP port as their agent: every SNMP poll times out. No
    retries, reboots off; `config` sets the rest (timeout_s, fail_threshold, interval_s…)."""
    credential = v2c()
    port = free_udp_port()  # nobody listens on it
    values = {
        "snmp_enabled": True,
        "credential": credential,
        "snmp_port": port,
        "retries": 0,
        "recover_threshold": 2,
        "reboot_enabled": False,
        **config,
    }
    return [
        make_target(school, location, tag=f"{prefix}-{i}", ip=f"{subnet}.{i}", **values) for i in range(1, count + 1)
    ]


def ping(target: Target, ok: bool, rtt: float = 0.4) -> PingResult:
    return PingResult(
        address=target.address,
        sent=1,
        received=1 if ok else 0,
        rtt_avg_ms=rtt if ok else None,
        rtt_max_ms=rtt if ok else None,
    )


def interface(
    if_index: int,
    *,
    oper: int = 1,
    admin: int = 1,
    in_octets: int = 0,
    out_octets: int = 0,
    in_errors: int = 0,
    in_packets: int = 0,
    present: bool = True,
) -> InterfaceReading:
    if not present:  # the interface is gone from the table: no counters at all
        admin = oper = in_octets = out_octets = in_errors = in_packets = None
    return InterfaceReading(
        if_index=if_index,
        present=present,
        admin=admin,
        oper=oper,
        in_octets=in_octets,
        out_octets=out_octets,
        octets_bits=64,
        in_errors=in_errors,
        out_errors=0 if present else None,
        in_packets=in_packets,
        packets_bits=64,
    )


def snmp(target: Target, ok: bool = True, *, uptime: int | None = 100_000, interfaces=(), cpu=None) -> PollResult:
    return PollResult(
        key=target.pk,
        address=target.address,
        ok=ok,
        error=None if ok else "timeout",
        uptime_ticks=uptime if ok else None,
        interfaces={i.if_index: i for i in interfaces} if ok else {},
        cpu_load=cpu or {},
        elapsed_ms=3.0,
    )


def outcome(target: Target, at: datetime, *, up: bool | None = True, poll: PollResult | None = None) -> Outcome:
    return Outcome(target_id=target.pk, at=at, ping=None if up is None else ping(target, up), poll=poll)
