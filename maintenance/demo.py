"""The demo help desk: spare parts with stock, this year's parts budget, and eight people's
tickets, one in each state of the status machine — what `make run` shows besides the tickets
the demo poller raises by itself (netmon/demo.py).

| story | school | status |
|---|---|---|
| printer prints faintly | 110102 | new |
| interactive board ignores touch | 110104 | assigned to the demo technician |
| lab PC keeps restarting | 110101 | in progress: diagnosis, memory replaced |
| projector switches off | 110106 | on hold, waiting for a lamp (out of stock) |
| lab Wi-Fi drops | 110101 | resolved with its technical report, waiting for the requester |
| office PC dead after a power cut | 110103 | closed: the requester accepted and rated it 5 |
| virtual-lab software fails | 110107 | reopened: the requester objected |
| library laptop broken | 110109 | closed, the report recommends disposal |

Everything goes through maintenance.services — numbering, the status machine, stock
drawdown, reports, feedback — so the demo obeys the same rules as people (and queues the
same notices: in `make run` they go to the console backends). Times are relative to now.
Idempotent: a story's ticket carries `{"demo": <key>}` in its "opened" entry and is played
only when no ticket carries that key; parts and the budget are created only when missing,
so a second run changes nothing. Requesters' phone numbers are made up; no e-mail addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext

from assets.models import Asset
from maintenance import demo_fieldwork, notify, services
from maintenance.choices import EntryKind
from maintenance.models import PartBudget, SparePart, Ticket, TicketEntry

#: (code, name, unit, stock received, unit cost)
PARTS = [
    ("RAM-DDR4-8", "ذاكرة DDR4 سعة 8 غيغابايت", "piece", 20, Decimal("18.500")),
    ("PSU-450", "مزود طاقة 450 واط", "piece", 6, Decimal("22.000")),
    ("SSD-256", "قرص SSD سعة 256 غيغابايت", "piece", 10, Decimal("27.000")),
    ("CAT6-M", "كابل شبكة Cat6", "metre", 300, Decimal("0.350")),
    ("RJ45", "رأس شبكة RJ45", "piece", 200, Decimal("0.150")),
    ("TONER-59A", "حبر طابعة HP 59A", "piece", 4, Decimal("38.000")),
    ("LAMP-EBX06", "مصباح جهاز العرض Epson EB-X06", "piece", 0, Decimal("45.000")),
]
BUDGET = Decimal("12000.000")


@dataclass(frozen=True)
class Step:
    """One thing that happened to a demo ticket, `hours` after it was opened."""

    hours: float
    kind: str  # assign | start | action | comment | hold | report | resolve | accept | object | close
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    key: str
    where: tuple[str, str, int]  # school code, asset model name, which of the school's assets of that model
    kind: tuple[str, str, str, str]  # category, type, source, priority
    requester: tuple[str, str]  # name, phone
    title: str
    description: str
    opened: tuple[int, float]  # (days ago, local hour of the day)
    steps: tuple[Step, ...] = ()


def action(hours: float, action_type: str, minutes: int, outcome: str, notes: str, parts=()) -> Step:
    """A corrective action begun `hours` after the ticket opened, lasting `minutes`; parts: ((code, quantity), …)."""
    args = {"action_type": action_type, "minutes": minutes, "outcome": outcome, "notes": notes, "parts": parts}
    return Step(hours, "action", args)


def report(
    hours: float, diagnosis: str, actions_taken: str, result: str, recommendation: str = "none", notes: str = ""
) -> Step:
    args = {"diagnosis": diagnosis, "actions_taken": actions_taken, "result": result}
    return Step(hours, "report", {**args, "recommendation": recommendation, "recommendation_notes": notes})


STORIES = [
    Story(
        "printer-faint",
        where=("110102", "LaserJet Pro M404", 0),
        kind=("device", "fault", "phone", "normal"),
        requester=("سعاد الخطيب", "0790000102"),
        title="الطابعة في الإدارة تطبع صفحات باهتة",
        description="الطابعة في غرفة الإدارة تطبع صفحات باهتة غير مقروءة منذ يومين، ونحتاجها لطباعة كشوف العلامات.",
        opened=(0, 9),
    ),
    Story(
        "board-touch",
        where=("110104", "ActivPanel 75", 0),
        kind=("device", "fault", "email", "high"),
        requester=("أحمد العبادي", "0790000104"),
        title="اللوح التفاعلي في مختبر الحاسوب لا يستجيب للمس",
        description="يعمل العرض على اللوح التفاعلي لكن اللمس متوقف تماماً، وأعدنا تشغيله دون فائدة.",
        opened=(1, 10),
        steps=(Step(1, "assign"),),
    ),
    Story(
        "lab-pc-restarts",
        where=("110101", "ProDesk 400 G7", 2),
        kind=("device", "fault", "portal", "normal"),
        requester=("ريم الحوراني", "0790000101"),
        title="جهاز رقم 3 في مختبر الحاسوب يعيد التشغيل باستمرار",
        description="الجهاز رقم 3 يعيد التشغيل وحده كل بضع دقائق أثناء الحصص، وتظهر أحياناً شاشة زرقاء.",
        opened=(2, 8.5),
        steps=(
            Step(1, "assign"),
            Step(3, "start"),
            action(3, "diagnosis", 60, "done", "فحص الذاكرة أظهر أخطاء في إحدى شريحتي الذاكرة."),
            action(
                4,
                "part_replacement",
                30,
                "follow_up",
                "استُبدلت شريحة الذاكرة، والجهاز تحت المراقبة.",
                parts=(("RAM-DDR4-8", 1),),
            ),
            Step(5, "comment", {"text": "استبدلنا شريحة الذاكرة ونراقب الجهاز حتى نهاية الأسبوع.", "public": True}),
        ),
    ),
    Story(
        "projector-lamp",
        where=("110106", "EB-X06", 0),
        kind=("device", "fault", "letter", "normal"),
        requester=("نهى الزعبي", "0790000106"),
        title="جهاز العرض في القاعة متعددة الأغراض ينطفئ بعد دقائق",
        description="جهاز العرض ينطفئ بعد عشر دقائق من التشغيل ويضيء مؤشر المصباح باللون الأحمر.",
        opened=(5, 10),
        steps=(
            Step(2, "assign"),
            Step(24, "start"),
            action(24, "diagnosis", 45, "follow_up", "المصباح انتهى عمره التشغيلي ويجب استبداله."),
            Step(25, "hold", {"hold_reason": "parts", "reason": "بانتظار وصول مصباح بديل من المورّد."}),
        ),
    ),
    Story(
        "lab-wifi",
        where=("110101", "UniFi U6 Lite", 0),
        kind=("network", "fault", "phone", "high"),
        requester=("ريم الحوراني", "0790000101"),
        title="الشبكة اللاسلكية في مختبر الحاسوب تنقطع",
        description="ينقطع اتصال أجهزة الطالبات بالشبكة اللاسلكية عدة مرات في الحصة الواحدة.",
        opened=(3, 9.5),
        steps=(
            Step(0.5, "assign"),
            Step(1, "start"),
            action(1, "reconfiguration", 40, "partial", "تغيير القناة اللاسلكية وتحديث البرنامج الثابت لنقطة الوصول."),
            action(
                24,
                "cable_repair",
                30,
                "done",
                "استبدال كابل الشبكة التالف بين نقطة الوصول والمبدّل.",
                parts=(("CAT6-M", 15), ("RJ45", 4)),
            ),
            report(
                25,
                "تداخل في القناة اللاسلكية وكابل شبكة تالف.",
                "إعادة ضبط القناة، وتحديث البرنامج الثابت، واستبدال الكابل وتركيب رأسين جديدين.",
                "fixed",
            ),
            Step(26, "resolve", {"reason": "عادت الشبكة اللاسلكية إلى العمل بثبات."}),
        ),
    ),
    Story(
        "office-pc-power",
        where=("110103", "ThinkCentre M70t", 0),
        kind=("device", "fault", "phone", "urgent"),
        requester=("خالد المومني", "0790000103"),
        title="جهاز الإدارة لا يقلع بعد انقطاع الكهرباء",
        description="بعد انقطاع الكهرباء صباحاً لم يعد جهاز الإدارة يعمل، ولا يضيء أي مؤشر عند الضغط على زر التشغيل.",
        opened=(9, 8),
        steps=(
            Step(0.5, "assign"),
            Step(2, "start"),
            action(2, "diagnosis", 30, "done", "مزود الطاقة لا يعطي أي جهد."),
            action(3, "part_replacement", 50, "done", "تركيب مزود طاقة جديد وفحص الجهاز.", parts=(("PSU-450", 1),)),
            report(
                4,
                "تلف مزود الطاقة بسبب انقطاع الكهرباء المفاجئ.",
                "استبدال مزود الطاقة وفحص القرص والذاكرة.",
                "fixed",
                "upgrade",
                "يُنصح بتركيب مزود طاقة غير منقطع (UPS) لأجهزة الإدارة.",
            ),
            Step(5, "resolve"),
            Step(30, "accept", {"rating": 5, "comment": "شكراً على سرعة الاستجابة."}),
        ),
    ),
    Story(
        "virtual-lab-software",
        where=("110107", "ProDesk 400 G7", 0),
        kind=("software", "service_request", "visit", "normal"),
        requester=("سامي القضاة", "0790000107"),
        title="برنامج المختبر الافتراضي يتوقف على أجهزة المختبر",
        description="برنامج المختبر الافتراضي يتوقف عند فتح أي تجربة على أجهزة مختبر الحاسوب.",
        opened=(7, 11),
        steps=(
            Step(1, "assign"),
            Step(22, "start"),
            action(22, "software_reinstall", 90, "done", "إعادة تثبيت البرنامج وتحديث مشغّل بطاقة العرض."),
            report(
                24,
                "ملفات البرنامج تالفة بعد تحديث غير مكتمل.",
                "إعادة تثبيت البرنامج وتحديث مشغّل بطاقة العرض.",
                "fixed",
            ),
            Step(24.5, "resolve"),
            Step(48, "object", {"reason": "البرنامج يعمل على جهاز واحد فقط، وبقية الأجهزة ما زالت تعرض رسالة خطأ."}),
        ),
    ),
    Story(
        "library-laptop",
        where=("110109", "Latitude 3420", 0),
        kind=("device", "fault", "visit", "low"),
        requester=("هالة النسور", "0790000109"),
        title="الحاسوب المحمول في المكتبة مكسور الشاشة",
        description="شاشة الحاسوب المحمول في المكتبة مكسورة والبطارية منتفخة.",
        opened=(20, 10),
        steps=(
            Step(2, "assign"),
            Step(47, "start"),
            action(47, "diagnosis", 20, "done", "الشاشة مكسورة والبطارية منتفخة؛ الجهاز خارج الكفالة."),
            action(48, "recommend_disposal", 10, "done", "كلفة الإصلاح تتجاوز قيمة الجهاز."),
            report(
                49,
                "كسر في الشاشة وانتفاخ في البطارية.",
                "فصل البطارية وحفظ الجهاز بأمان.",
                "not_fixed",
                "disposal",
                "يُحال الجهاز إلى لجنة الإتلاف.",
            ),
            Step(49.5, "resolve", {"reason": "أوصى الفني بإتلاف الجهاز."}),
            Step(96, "close"),
        ),
    ),
]


def load(out) -> None:
    users = _users()
    parts = _parts(users["head"])
    year = timezone.localdate().year
    if not PartBudget.objects.filter(year=year).exists():
        services.part_budget_save(
            budget=PartBudget(year=year, amount=BUDGET, notes="موازنة القسم للصيانة وشراء قطع الغيار"), by=users["head"]
        )
    now = timezone.now()
    with notify.muted():  # invented requesters with made-up phone numbers: never send them anything
        added = [_play(story, users=users, parts=parts, now=now) for story in STORIES if not _exists(story)]
        demo_fieldwork.load(out, users=users)  # visits, plans, needs, disposal (issue 7)
    out.write(
        gettext(
            "Demo help desk ready: %(tickets)d requests (%(added)d added now), %(parts)d spare parts, %(year)s budget."
        )
        % {"tickets": len(STORIES), "added": len(added), "parts": len(PARTS), "year": year}
        + "\n"
    )


def _users() -> dict[str, Any]:
    """The demo users of assets/demo.py: the IT head, the technician and the staff of school 110101."""
    by_name = {u.username: u for u in get_user_model().objects.filter(username__in=["head", "tech", "staff"])}
    return {"head": by_name["head"], "tech": by_name["tech"], "staff": by_name["staff"]}


def _parts(head) -> dict[str, SparePart]:
    parts = {p.code: p for p in SparePart.objects.filter(code__in=[row[0] for row in PARTS])}
    for code, name, unit, stock, cost in PARTS:
        if code in parts:
            continue  # its stock is the demo's history now: never reset it
        part = services.spare_part_save(part=SparePart(code=code, name=name, unit=unit, unit_cost=cost), by=head)
        if stock:
            part = services.spare_part_receive(part=part, quantity=stock, by=head)
        parts[code] = part
    return parts


def _exists(story: Story) -> bool:
    return TicketEntry.objects.filter(kind=EntryKind.CREATED, data__demo=story.key).exists()


def _play(story: Story, *, users: dict[str, Any], parts: dict[str, SparePart], now: datetime) -> Ticket:
    tech, head, staff = users["tech"], users["head"], users["staff"]
    school, model, index = story.where
    category, type_, source, priority = story.kind
    requester, phone = story.requester
    asset = (
        Asset.objects.filter(school__code=school, asset_model__name=model)
        .select_related("school", "location")
        .order_by("asset_tag")[index]
    )
    opened = _opened_at(*story.opened, now=now)
    ticket = services.ticket_create(
        opened_at=opened,
        assets=[asset],
        author=staff if source == "portal" else head,
        entry_data={"demo": story.key},
        title=story.title,
        description=story.description,
        school=asset.school,
        location=asset.location,
        category=category,
        type=type_,
        source=source,
        priority=priority,
        requester_name=requester,
        requester_phone=phone,
    )
    for step in story.steps:
        at = min(opened + timedelta(hours=step.hours), now)
        ticket = _step(ticket, step, at=at, tech=tech, head=head, asset=asset, parts=parts, requester=requester)
    return ticket


def _opened_at(days_ago: int, hour: float, *, now: datetime) -> datetime:
    """`hour` o'clock (local time) `days_ago` days before now, moved back to the school day before
    when that is not yet past or falls on the weekend (Friday, Saturday)."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    opened = midnight - timedelta(days=days_ago) + timedelta(hours=hour)
    while opened > now - timedelta(minutes=30) or opened.weekday() in (4, 5):
        opened -= timedelta(days=1)
    return opened


def _step(ticket: Ticket, step: Step, *, at, tech, head, asset, parts, requester) -> Ticket:
    ticket.refresh_from_db()
    version = ticket.version
    args = step.args
    if step.kind == "assign":
        services.ticket_assign(ticket=ticket, assignee=tech, by=head, expected_version=version, at=at)
    elif step.kind == "start":
        services.ticket_transition(ticket=ticket, to="in_progress", by=tech, expected_version=version, at=at)
    elif step.kind == "action":
        ended = at + timedelta(minutes=args["minutes"])
        services.action_log(
            ticket=ticket,
            by=tech,
            asset=asset,
            action_type=args["action_type"],
            outcome=args["outcome"],
            started_at=at,
            ended_at=ended,
            notes=args["notes"],
            parts=[(parts[code], quantity) for code, quantity in args["parts"]],
            at=ended,
        )
    elif step.kind == "comment":
        services.ticket_comment(ticket=ticket, by=tech, text=args["text"], public=args["public"], at=at)
    elif step.kind == "hold":
        services.ticket_transition(
            ticket=ticket,
            to="on_hold",
            by=tech,
            expected_version=version,
            hold_reason=args["hold_reason"],
            reason=args["reason"],
            at=at,
        )
    elif step.kind == "report":
        services.report_save(ticket=ticket, by=tech, expected_version=version, at=at, **args)
    elif step.kind == "resolve":
        services.ticket_resolve(ticket=ticket, by=tech, expected_version=version, reason=args.get("reason", ""), at=at)
    elif step.kind == "accept":
        services.feedback_accept(
            ticket=ticket, by_name=requester, rating=args["rating"], comment=args["comment"], at=at
        )
    elif step.kind == "object":
        services.feedback_object(ticket=ticket, by_name=requester, reason=args["reason"], at=at)
    elif step.kind == "close":
        services.ticket_transition(ticket=ticket, to="closed", by=head, expected_version=version, at=at)
    else:
        raise ValueError(f"unknown demo step {step.kind!r}")
    ticket.refresh_from_db()
    return ticket
