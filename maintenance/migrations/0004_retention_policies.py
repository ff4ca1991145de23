"""Seed the retention policies from QP-70-2's records table (section 6, "related documents"):
number, name, code, where kept and for how long ("سنة" = 1 year, "دائم" = permanent). The disposal
statement and decision have no row there: they are seeded as permanent under the code DISPOSAL.
Existing rows are left as they are (the IT head may have changed a period)."""

from django.db import migrations

RECORDS = [
    # (position, code, Arabic name, English name, kept at, years or None for permanent)
    (1, "QF70-2-1", "برنامج الزيارات الميدانية", "Field visits programme", "department", 1),
    (2, "QF70-2-3", "نموذج التقرير الشهري للمكتبة المدرسية", "School library monthly report", "department", 1),
    (3, "QF70-2-7", "طلب صيانة الأجهزة التعليمية", "Educational device maintenance request", "department", 1),
    (4, "QF70-2-8", "سجل استئناف الأشرطة التعليمية", "Educational tapes register", "department", None),
    (5, "QF70-2-9", "تقرير زيارة مسؤول المكتبات", "Libraries officer's visit report", "department", 1),
    (6, "QF70-2-12", "قائمة الأجهزة الزائدة/الناقصة", "Surplus / shortage devices list", "department", 1),
    (7, "QF70-2-17", "تقرير الزيارة الميدانية للمختبر المدرسي", "School lab field visit report", "department", 1),
    (8, "QF70-2-18", "الخطة التنفيذية لأنشطة التجارب المخبرية", "Lab experiments execution plan", "school", 1),
    (9, "QF70-2-19", "إحصائية المختبرات المدرسية نموذج (أ)", "School labs statistics, form (A)", "school", 1),
    (10, "QF70-2-22", "التقرير الشهري للعمل المخبري", "Monthly lab work report", "school", 1),
    (11, "QF70-2-27", "سجل العمل المخبري اليومي", "Daily lab work register", "school", 1),
    (12, "QF70-2-28", "الخطة السنوية العامة للمختبر المدرسي", "School lab annual plan", "school", 1),
    (13, "QF70-2-40", "تقرير المتابعة الميدانية (الوسائل)", "Field follow-up report (teaching aids)", "department", 1),
    (14, "QF70-2-43", "سجل إنتاج الوسائل التعليمية", "Teaching aids production register", "school", 1),
    (15, "QF75-11", "نموذج طلب صيانة (أجهزة، شبكة) تقرير فني",
     "Maintenance request (devices, network) – technical report", "department", 1),
    (16, "QF75-13", "تقرير زيارة ميدانية", "Field visit report", "department", 1),
    (17, "DISPOSAL", "قائمة المواد المراد إتلافها وقرار لجنة الإتلاف",
     "List of items to dispose of and the committee's decision", "department", None),
]


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("maintenance", "RetentionPolicy")
    for position, code, name_ar, name_en, kept_at, years in RECORDS:
        RetentionPolicy.objects.get_or_create(
            code=code,
            defaults={
                "position": position,
                "name_ar": name_ar,
                "name_en": name_en,
                "kept_at": kept_at,
                "retention_years": years,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0003_issue7_fieldwork")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
