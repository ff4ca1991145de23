"""The demo directorate: ten schools with labs, about 300 assets, ten fiber circuits, users.

Idempotent: every object is found by its natural key and refreshed, never duplicated.
Network devices get loopback management addresses (127.0.x.y) only, so a poller run
against the demo never sends a packet off this machine.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Location,
    Manufacturer,
    Profile,
    Provider,
    School,
)
from core.models import Tag
from core.roles import Role

DEMO_PASSWORD = "siyana-demo"

SCHOOLS = [
    ("110101", "مدرسة الأمل الثانوية للبنات", "Al-Amal Secondary School for Girls"),
    ("110102", "مدرسة النور الأساسية المختلطة", "Al-Noor Basic Mixed School"),
    ("110103", "مدرسة الحسين بن علي الثانوية للبنين", "Al-Hussein bin Ali Secondary School for Boys"),
    ("110104", "مدرسة رقية بنت الرسول الأساسية", "Ruqayya Basic School"),
    ("110105", "مدرسة عمر بن الخطاب الثانوية", "Omar bin Al-Khattab Secondary School"),
    ("110106", "مدرسة الزهراء الأساسية للبنات", "Al-Zahraa Basic School for Girls"),
    ("110107", "مدرسة صلاح الدين الأيوبي الثانوية", "Salah Al-Din Secondary School"),
    ("110108", "مدرسة خولة بنت الأزور الثانوية", "Khawla bint Al-Azwar Secondary School"),
    ("110109", "مدرسة الكرامة الأساسية المختلطة", "Al-Karama Basic Mixed School"),
    ("110110", "مدرسة الملكة رانيا العبدالله النموذجية", "Queen Rania Model School"),
]

LOCATIONS = [
    ("computer_lab", "مختبر الحاسوب", "Computer lab", "101"),
    ("science_lab", "مختبر العلوم", "Science lab", "102"),
    ("library", "المكتبة", "Library", "201"),
    ("multipurpose", "القاعة متعددة الأغراض", "Multipurpose room", "001"),
    ("server_room", "غرفة الشبكة", "Network room", "003"),
    ("office", "الإدارة", "Administration", "002"),
]

MODELS = [
    ("HP", "ProDesk 400 G7", "desktop"),
    ("Lenovo", "ThinkCentre M70t", "desktop"),
    ("Dell", "Latitude 3420", "laptop"),
    ("HP", "LaserJet Pro M404", "printer"),
    ("Epson", "EB-X06", "projector"),
    ("Promethean", "ActivPanel 75", "interactive_board"),
    ("Olympus", "CX23 Microscope", "science_equipment"),
    ("Vernier", "LabQuest 3", "lab_instrument"),
    ("Cisco", "Catalyst 2960-X", "switch"),
    ("MikroTik", "RB4011", "router"),
    ("Ubiquiti", "UniFi U6 Lite", "access_point"),
    ("APC", "Smart-UPS 1500", "ups"),
    ("Huawei", "OptiX OSN 500", "fiber_terminal"),
]

# (model name, location kind, how many per school, name prefix or "")
SCHOOL_KIT = [
    ("ProDesk 400 G7", "computer_lab", 13, ""),
    ("ThinkCentre M70t", "office", 2, ""),
    ("Latitude 3420", "library", 2, ""),
    ("LaserJet Pro M404", "office", 1, ""),
    ("EB-X06", "multipurpose", 1, ""),
    ("ActivPanel 75", "computer_lab", 1, ""),
    ("CX23 Microscope", "science_lab", 3, ""),
    ("LabQuest 3", "science_lab", 1, ""),
    ("Catalyst 2960-X", "server_room", 1, "sw"),
    ("RB4011", "server_room", 1, "gw"),
    ("UniFi U6 Lite", "computer_lab", 2, "ap"),
    ("Smart-UPS 1500", "server_room", 1, "ups"),
    ("OptiX OSN 500", "server_room", 1, "ont"),
]

STATUS_MIX = ["in_service"] * 24 + ["in_repair", "spare", "surplus", "awaiting_disposal"]

USERS = [
    ("head", Role.IT_HEAD, "رئيس القسم", None),
    ("tech", Role.TECHNICIAN, "فني الصيانة", None),
    ("staff", Role.SCHOOL_STAFF, "منسق المدرسة", "110101"),
    ("viewer", Role.VIEWER, "مطالع", None),
]


def load(out) -> None:
    rng = random.Random(2026)  # the same demo every time
    directorate, _ = Directorate.objects.update_or_create(
        code="AMM-QASABA",
        defaults={
            "name_ar": "مديرية التربية والتعليم للواء قصبة عمان",
            "name_en": "Qasabat Amman Education Directorate",
            "address": "عمان — جبل اللويبدة",
            "phone": "+962 6 000 0000",
        },
    )
    manufacturers = {name: Manufacturer.objects.get_or_create(name=name)[0] for name, _m, _c in MODELS}
    models = {}
    for maker, name, category in MODELS:
        model, _ = AssetModel.objects.update_or_create(
            manufacturer=manufacturers[maker], name=name, defaults={"category": category}
        )
        models[name] = model
    tag_lab, _ = Tag.objects.get_or_create(slug="smart-lab", defaults={"name": "مختبر ذكي", "color": "#0d6efd"})
    tag_grant, _ = Tag.objects.get_or_create(
        slug="eu-grant", defaults={"name": "منحة الاتحاد الأوروبي", "color": "#198754"}
    )

    provider, _ = Provider.objects.update_or_create(
        name="الشبكة الوطنية للألياف الضوئية",
        defaults={"contact_name": "مركز الدعم", "contact_phone": "+962 6 111 1111", "account": "NBN-EDU-01"},
    )
    hq, _ = FiberSite.objects.update_or_create(
        code="HQ-QASABA",
        defaults={
            "kind": "directorate",
            "directorate": directorate,
            "name_ar": "مبنى المديرية",
            "name_en": "Directorate building",
            "status": "active",
        },
    )

    asset_count = 0
    for number, (code, name_ar, name_en) in enumerate(SCHOOLS, start=1):
        school, _ = School.objects.update_or_create(
            code=code,
            defaults={
                "directorate": directorate,
                "name_ar": name_ar,
                "name_en": name_en,
                "address": f"عمان — حي {number}",
                "phone": f"+962 6 {500 + number:03d} 0000",
                "latitude": Decimal("31.95") + Decimal(number) / 100,
                "longitude": Decimal("35.91") + Decimal(number) / 100,
            },
        )
        locations = {}
        for kind, loc_ar, loc_en, room in LOCATIONS:
            locations[kind], _ = Location.objects.update_or_create(
                school=school, name_ar=loc_ar, defaults={"name_en": loc_en, "kind": kind, "room": room}
            )
        host = 1
        serial_no = 0
        for model_key, kind, count, prefix in SCHOOL_KIT:
            model = models[model_key]
            for i in range(1, count + 1):
                serial_no += 1
                tag = f"{code}-{serial_no:03d}"
                network = model.is_network_device
                ip = f"127.0.{number}.{host}" if network else None
                host += 1 if network else 0
                status = "in_service" if network else rng.choice(STATUS_MIX)
                purchase = dt.date(2018 + rng.randrange(6), rng.randrange(1, 13), rng.randrange(1, 28))
                fields = {
                    "asset_model": model,
                    "school": school,
                    "location": locations[kind],
                    "name": f"{prefix}-{code}-{i}" if prefix else "",
                    "serial": f"SN{code}{model.pk:02d}{i:03d}",
                    "custodian": "أمين المختبر" if kind.endswith("lab") else "",
                    "purchase_date": purchase,
                    "warranty_end": purchase + dt.timedelta(days=3 * 365),
                    "purchase_cost": Decimal(rng.randrange(150, 1500)),
                    "supplier": "شركة التقنية الحديثة",
                    "funding": "عطاء 12/2021" if number % 2 else "مشروع المختبرات الذكية",
                    "management_ip": ip,
                }
                # The status only when the asset is made: after that it is the asset's history (the demo
                # help desk's technical report sends a laptop to disposal, the committee decides…).
                asset, _ = Asset.objects.update_or_create(
                    asset_tag=tag, defaults=fields, create_defaults={**fields, "status": status}
                )
                if kind == "computer_lab":
                    asset.tags.set([tag_lab, tag_grant] if number % 3 == 0 else [tag_lab])
                asset_count += 1
        site, _ = FiberSite.objects.update_or_create(
            code=f"FS-{code}",
            defaults={
                "kind": "school",
                "directorate": directorate,
                "school": school,
                "name_ar": name_ar,
                "name_en": name_en,
                "status": "active",
                "commissioned_on": dt.date(2019, 9, 1),
            },
        )
        Circuit.objects.update_or_create(
            cid=f"NBN-QAS-{number:03d}",
            defaults={
                "provider": provider,
                "type": "fiber_p2p" if number % 4 else "gpon",
                "status": "active",
                "bandwidth_mbps": 100 if number % 2 else 50,
                "install_date": dt.date(2019, 9, 1),
                "termination_a": hq,
                "port_a": f"ODF-1/{number}",
                "termination_z": site,
                "port_z": "ODF-1/1",
                "provider_contact": "+962 6 111 1111",
            },
        )

    User = get_user_model()
    schools = {s.code: s for s in School.objects.filter(code__in=[u[3] for u in USERS if u[3]])}
    for username, role, first_name, school_code in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "school": schools.get(school_code),
                "directorate": directorate if role != Role.SCHOOL_STAFF else None,
            },
        )
    out.write(
        gettext("Demo directorate ready: %(schools)d schools, %(assets)d assets, %(circuits)d fiber circuits.")
        % {"schools": len(SCHOOLS), "assets": asset_count, "circuits": len(SCHOOLS)}
        + "\n"
        + gettext("Demo users (password “%(password)s”): %(users)s")
        % {"password": DEMO_PASSWORD, "users": ", ".join(f"{u[0]} ({u[1].label})" for u in USERS)}
        + "\n"
    )
