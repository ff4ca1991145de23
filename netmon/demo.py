"""The demo network: every network device of the demo schools is a monitored target.

Each school hangs off its fiber terminal (ONT, on the school's circuit) → router → switch
→ access points and UPS. Addresses are the assets' loopback ones (127.0.<school>.<host>),
so the demo poller never sends a packet off this machine. `manage.py demo_snmp_agent`
serves two recorded real devices (snmpsim-data) on the switches' and UPSes' addresses:

- every switch answers SNMP as a D-Link DES-3200; its port 2 is the monitored uplink;
- school 110105's switch also monitors port 1, which the recording has admin-up and
  oper-down: an interface fault, and an automatic ticket within a minute or two;
- school 110103's UPS has no agent behind its address: "SNMP not answering", another one.

Demo targets poll every 30 s and go down after 2 failures, so the tickets come quickly.
Infrastructure is watched around the clock (school_hours_only=False); access points only
matter in school hours and keep the default.
"""

from __future__ import annotations

from django.utils.translation import gettext

from assets.models import Asset, Circuit
from netmon.choices import SnmpVersion, TargetRole
from netmon.models import SnmpCredential, Target

#: Where `demo_snmp_agent` listens, and with which recorded device (community = recording).
AGENT_PORT = 1161
SWITCH_RECORDING = ("network/switch/dlink-des3200.snmprec.bz2", "dlink-des3200")
UPS_RECORDING = ("UPS/apc-8641.snmprec", "apc-8641")
SILENT_UPS_SCHOOL = 3  # 127.0.3.5: no agent
INTERFACE_FAULT_SCHOOL = 5  # switch port 1: admin up, oper down

# host number in 127.0.<school>.<host> → (role, name prefix)
ROLES = {
    "ont": TargetRole.FIBER,
    "gw": TargetRole.UPLINK,
    "sw": TargetRole.DISTRIBUTION,
    "ap": TargetRole.ACCESS_POINT,
    "ups": TargetRole.UPS,
}


def agent_endpoints(schools: int = 10) -> list[str]:
    """The loopback addresses the demo agent answers on."""
    endpoints = []
    for number in range(1, schools + 1):
        endpoints.append(f"127.0.{number}.1")
        if number != SILENT_UPS_SCHOOL:
            endpoints.append(f"127.0.{number}.5")
    return endpoints


def load(out) -> None:
    switch_cred = _credential("demo-switches", SWITCH_RECORDING[1])
    ups_cred = _credential("demo-ups", UPS_RECORDING[1])
    devices = (
        Asset.objects.filter(management_ip__startswith="127.0.", name__regex=r"^(ont|gw|sw|ap|ups)-")
        .select_related("school")
        .order_by("school__code", "management_ip")
    )
    by_school: dict[int, dict[str, list[Asset]]] = {}
    for asset in devices:
        prefix = asset.name.split("-", 1)[0]
        by_school.setdefault(asset.school_id, {}).setdefault(prefix, []).append(asset)
    count = 0
    for kit in by_school.values():
        ont = kit["ont"][0]
        school_no = int(ont.management_ip.split(".")[2])
        circuit = Circuit.objects.filter(termination_z__school=ont.school).first()
        ont_t = _target(ont, "ont", circuit=circuit)
        gw_t = _target(kit["gw"][0], "gw", parent=ont_t)
        interfaces = [1, 2] if school_no == INTERFACE_FAULT_SCHOOL else [2]
        sw_t = _target(kit["sw"][0], "sw", parent=gw_t, credential=switch_cred, interfaces=interfaces)
        count += 3
        for ap in kit.get("ap", []):
            _target(ap, "ap", parent=sw_t)
            count += 1
        for ups in kit.get("ups", []):
            _target(ups, "ups", parent=sw_t, credential=ups_cred)
            count += 1
    out.write(
        gettext("Demo monitoring ready: %(targets)d targets; start the simulated agents with demo_snmp_agent.")
        % {"targets": count}
        + "\n"
    )


def _credential(name: str, community: str) -> SnmpCredential:
    credential = SnmpCredential.objects.filter(name=name).first() or SnmpCredential(name=name)
    credential.version = SnmpVersion.V2C
    if not credential.has_secret("community") or credential.get_secret("community") != community:
        credential.set_secret("community", community)
    credential.full_clean()
    credential.save()
    return credential


def _target(asset: Asset, prefix: str, *, parent=None, circuit=None, credential=None, interfaces=()) -> Target:
    defaults = {
        "address": asset.management_ip,
        "role": ROLES[prefix],
        "parent": parent,
        "circuit": circuit,
        "interval_s": 30,
        "timeout_s": 1.0,
        "retries": 1,
        "fail_threshold": 2,
        "recover_threshold": 2,
        "snmp_enabled": credential is not None,
        "credential": credential,
        "snmp_port": AGENT_PORT,
        "interfaces": list(interfaces),
        "school_hours_only": prefix == "ap",
    }
    target, created = Target.objects.get_or_create(asset=asset, defaults=defaults)
    if not created:
        for field, value in defaults.items():
            setattr(target, field, value)
    target.full_clean()
    target.save()
    return target
