"""Bulk import of the inventory from CSV or XLSX: all rows are written, or none.

One file holds one kind (CSV) or several kinds, one sheet each (XLSX). Every row is
validated and saved through `assets.services` inside one transaction, so the model
rules, the status lifecycle and the change log apply exactly as in the UI; every error
of every row is collected, and if there is any (or on a dry run) the transaction is
rolled back: nothing is written, not even change-log rows.

The columns are the ones `assets.exports` writes, so an export re-imports unchanged.
Headers may be the column keys (`asset_tag`), or their English or Arabic titles.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import (
    AssetCategory,
    AssetStatus,
    CircuitStatus,
    CircuitType,
    FiberSiteKind,
    FiberSiteStatus,
    LocationKind,
)
from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Location,
    Manufacturer,
    Provider,
    School,
)
from assets.services import asset_save, inventory_save
from core.changelog import change_context, current_context
from core.choices import ChoiceSet
from core.models import Tag
from core.spreadsheets import formula_unescape

# --------------------------------------------------------------------------- the file format


@dataclass(frozen=True)
class Column:
    key: str
    title: Any  # English title, lazily translated for the UI
    title_ar: str  # fixed Arabic title: a file format must not change when a translation is reworded
    required: bool = False


def _c(key: str, title: Any, title_ar: str, required: bool = False) -> Column:
    return Column(key, title, title_ar, required)


_CODE = _c("code", gettext_lazy("Code"), "الرمز", True)
_NAME_AR = _c("name_ar", gettext_lazy("Arabic name"), "الاسم بالعربية", True)
_NAME_EN = _c("name_en", gettext_lazy("English name"), "الاسم بالإنجليزية")
_DIRECTORATE = _c("directorate_code", gettext_lazy("Directorate code"), "رمز المديرية", True)
_SCHOOL = _c("school_code", gettext_lazy("School code"), "رمز المدرسة")
_ADDRESS = _c("address", gettext_lazy("Address"), "العنوان")
_STATUS = _c("status", gettext_lazy("Status"), "الحالة")
_TAGS = _c("tags", gettext_lazy("Tags"), "الوسوم")
_COMMENTS = _c("comments", gettext_lazy("Comments"), "ملاحظات")

COLUMNS: dict[str, list[Column]] = {
    "schools": [
        _c("code", gettext_lazy("National school code"), "الرقم الوطني للمدرسة", True),
        _NAME_AR,
        _NAME_EN,
        _DIRECTORATE,
        _ADDRESS,
        _c("phone", gettext_lazy("Phone"), "الهاتف"),
        _c("email", gettext_lazy("E-mail"), "البريد الإلكتروني"),
        _c("latitude", gettext_lazy("Latitude"), "خط العرض"),
        _c("longitude", gettext_lazy("Longitude"), "خط الطول"),
        _c("working_days", gettext_lazy("Working days"), "أيام الدوام"),
        _c("day_start", gettext_lazy("Working day starts"), "بداية الدوام"),
        _c("day_end", gettext_lazy("Working day ends"), "نهاية الدوام"),
        _COMMENTS,
    ],
    "locations": [
        _c("school_code", gettext_lazy("School code"), "رمز المدرسة", True),
        _NAME_AR,
        _NAME_EN,
        _c("kind", gettext_lazy("Kind"), "النوع", True),
        _c("room", gettext_lazy("Room"), "الغرفة"),
        _COMMENTS,
    ],
    "fiber_sites": [
        _c("code", gettext_lazy("Site code"), "رمز الموقع", True),
        _NAME_AR,
        _NAME_EN,
        _c("kind", gettext_lazy("Kind"), "النوع", True),
        _DIRECTORATE,
        _SCHOOL,
        _STATUS,
        _c("commissioned_on", gettext_lazy("Commissioned on"), "تاريخ التشغيل"),
        _ADDRESS,
        _COMMENTS,
    ],
    "assets": [
        _c("asset_tag", gettext_lazy("Asset tag"), "رقم الأصل", True),
        _c("name", gettext_lazy("Name"), "الاسم"),
        _c("manufacturer", gettext_lazy("Manufacturer"), "الشركة المصنعة", True),
        _c("model", gettext_lazy("Model"), "الطراز", True),
        _c("category", gettext_lazy("Category"), "الفئة"),
        _c("serial", gettext_lazy("Serial number"), "الرقم التسلسلي"),
        _c("school_code", gettext_lazy("School code"), "رمز المدرسة", True),
        _c("location", gettext_lazy("Location"), "الموقع"),
        _STATUS,
        _c("custodian", gettext_lazy("Custodian"), "أمين العهدة"),
        _c("purchase_date", gettext_lazy("Purchase date"), "تاريخ الشراء"),
        _c("purchase_cost", gettext_lazy("Purchase cost"), "كلفة الشراء"),
        _c("supplier", gettext_lazy("Supplier"), "المورد"),
        _c("funding", gettext_lazy("Funding project / tender"), "مشروع التمويل / العطاء"),
        _c("warranty_end", gettext_lazy("Warranty end"), "نهاية الكفالة"),
        _c("management_ip", gettext_lazy("Management IP"), "عنوان IP للإدارة"),
        _c("disposed_on", gettext_lazy("Disposed on"), "تاريخ الإتلاف"),
        _TAGS,
        _COMMENTS,
    ],
    "circuits": [
        _c("cid", gettext_lazy("Circuit ID"), "رقم الدارة", True),
        _c("provider", gettext_lazy("Provider"), "مزود الخدمة", True),
        _c("type", gettext_lazy("Type"), "النوع", True),
        _STATUS,
        _c("bandwidth_mbps", gettext_lazy("Bandwidth (Mbit/s)"), "السرعة (ميغابت/ث)"),
        _c("install_date", gettext_lazy("Install date"), "تاريخ التركيب"),
        _c("site_a", gettext_lazy("A end site"), "موقع الطرف A", True),
        _c("port_a", gettext_lazy("A end port / ODF"), "منفذ الطرف A"),
        _c("site_z", gettext_lazy("Z end site"), "موقع الطرف Z"),
        _c("port_z", gettext_lazy("Z end port / ODF"), "منفذ الطرف Z"),
        _c("provider_contact", gettext_lazy("Provider contact"), "جهة الاتصال لدى المزود"),
        _c("description", gettext_lazy("Description"), "الوصف"),
        _TAGS,
        _COMMENTS,
    ],
}

# Dependency order: a row may name anything on a sheet processed before it.
ORDER = ["schools", "locations", "fiber_sites", "assets", "circuits"]

SHEET_TITLES: dict[str, tuple[Any, str]] = {
    "schools": (gettext_lazy("Schools"), "المدارس"),
    "locations": (gettext_lazy("Locations"), "المواقع"),
    "fiber_sites": (gettext_lazy("Fiber sites"), "مواقع الألياف"),
    "assets": (gettext_lazy("Assets"), "الأصول"),
    "circuits": (gettext_lazy("Circuits"), "الدارات"),
}

# Short English day names as written in files, Monday = 0 like Python and School.working_days.
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

_DAY_ALIASES = {
    0: ["monday", "الاثنين", "الإثنين", "اثنين"],
    1: ["tuesday", "tues", "الثلاثاء", "ثلاثاء"],
    2: ["wednesday", "الأربعاء", "الاربعاء", "أربعاء"],
    3: ["thursday", "thur", "thurs", "الخميس", "خميس"],
    4: ["friday", "الجمعة", "جمعة"],
    5: ["saturday", "السبت", "سبت"],
    6: ["sunday", "الأحد", "الاحد", "أحد"],
}

# Arabic names a person is likely to type for each choice, accepted besides the value and the
# label in every UI language (which come from the translation catalog at run time).
_CHOICE_ALIASES: dict[type[ChoiceSet], dict[str, list[str]]] = {
    LocationKind: {
        "computer_lab": ["مختبر حاسوب", "مختبر الحاسوب", "مختبر الحاسوب الآلي"],
        "science_lab": ["مختبر علوم", "مختبر العلوم"],
        "library": ["مكتبة", "المكتبة"],
        "multipurpose": ["قاعة متعددة الأغراض", "غرفة متعددة الأغراض", "متعددة الأغراض"],
        "office": ["مكتب", "المكتب"],
        "server_room": ["غرفة الخوادم", "غرفة الشبكة", "غرفة الخوادم / الشبكة", "غرفة السيرفر"],
    },
    AssetCategory: {
        "desktop": ["حاسوب مكتبي", "جهاز حاسوب مكتبي", "حاسوب"],
        "laptop": ["حاسوب محمول", "لابتوب"],
        "printer": ["طابعة"],
        "projector": ["جهاز عرض", "بروجكتر", "داتا شو"],
        "interactive_board": ["لوح تفاعلي", "سبورة تفاعلية", "لوح ذكي", "سبورة ذكية"],
        "switch": ["محول", "مبدل", "سويتش", "محول شبكة"],
        "router": ["موجه", "راوتر"],
        "access_point": ["نقطة وصول", "نقطة وصول لاسلكية"],
        "firewall": ["جدار حماية", "جدار ناري"],
        "ups": ["مزود طاقة غير منقطعة", "وحدة طاقة غير منقطعة"],
        "server": ["خادم", "سيرفر"],
        "lab_instrument": ["جهاز مختبر", "أداة مختبر"],
        "science_equipment": ["معدات علمية", "أجهزة علمية"],
        "fiber_terminal": ["جهاز طرفي للألياف", "معدات طرفية للألياف الضوئية"],
        "other": ["أخرى", "آخر"],
    },
    AssetStatus: {
        "in_service": ["في الخدمة", "قيد الخدمة", "قيد الاستخدام"],
        "in_repair": ["قيد الإصلاح", "قيد الصيانة", "في الصيانة"],
        "spare": ["احتياطي", "احتياط"],
        "surplus": ["فائض"],
        "awaiting_disposal": ["بانتظار الإتلاف", "بانتظار الشطب"],
        "disposed": ["متلف", "تم إتلافه", "تم الإتلاف", "مشطوب", "تم الشطب"],
    },
    FiberSiteKind: {
        "school": ["مدرسة"],
        "directorate": ["مكتب المديرية", "مديرية", "المديرية"],
        "node": ["عقدة شبكة", "عقدة"],
    },
    FiberSiteStatus: {
        "planned": ["مخطط", "مخطط له"],
        "active": ["فعال", "نشط", "عامل"],
        "decommissioned": ["خارج الخدمة", "ملغى"],
    },
    CircuitType: {
        "fiber_p2p": ["ألياف نقطة إلى نقطة", "ألياف ضوئية من نقطة إلى نقطة"],
        "metro_ethernet": ["مترو إيثرنت"],
        "dark_fiber": ["ألياف معتمة", "ألياف غير مضاءة"],
        "leased_line": ["خط مؤجر", "خط مستأجر"],
        "wireless": ["وصلة لاسلكية", "لاسلكي"],
    },
    CircuitStatus: {
        "planned": ["مخطط", "مخطط له"],
        "provisioning": ["قيد التجهيز", "قيد التركيب"],
        "active": ["فعال", "نشط"],
        "offline": ["غير متصل", "منقطع"],
        "decommissioned": ["خارج الخدمة", "ملغى"],
    },
}

# --------------------------------------------------------------------------- results


@dataclass
class RowError:
    sheet: str
    row: int  # as the user sees it: the header is row 1, the first data row is row 2; 0 = the whole file
    column: str  # the column's header as written in the file; "" when the error is not about one column
    message: str


@dataclass
class ImportResult:
    created: dict[str, int]
    updated: dict[str, int]
    errors: list[RowError]
    dry_run: bool
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Raised inside the import's transaction to undo everything it wrote."""


class _FileError(Exception):
    """The file as a whole cannot be imported; the errors say why."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


class _RowFailed(Exception):
    """Stops one row; its errors are already recorded."""


# --------------------------------------------------------------------------- matching text

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def normalize(text: object) -> str:
    """A loose form of a header, sheet name or choice label for matching, never for storing.

    Case, spacing, `_`/`-`, Arabic diacritics, tatweel, hamza and alef forms and the
    article "ال" do not matter: "Computer_lab", "computer lab" and "مختبر الحاسوب" /
    "مختبر حاسوب" each match.
    """
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = _ARABIC_MARKS.sub("", value).translate(_ARABIC_LETTERS)
    value = re.sub(r"[\s_\-]+", " ", value).strip()
    return " ".join(word[2:] if word.startswith("ال") and len(word) > 3 else word for word in value.split(" "))


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _in_every_language(text: Any) -> set[str]:
    names = set()
    for language in _languages():
        with translation.override(language):
            names.add(normalize(text))
    return names


def _tiered(tiers: Iterable[Iterable[tuple[str, Any]]]) -> dict[str, Any]:
    """normalized name -> meaning. An earlier tier wins over a later one (a key over a title, a
    title over a built-in alias); a name that means two things within one tier is left out."""
    aliases: dict[str, Any] = {}
    for tier in tiers:
        found: dict[str, set[Any]] = {}
        for name, meaning in tier:
            if name not in aliases:
                found.setdefault(name, set()).add(meaning)
        aliases.update({name: meanings.pop() for name, meanings in found.items() if len(meanings) == 1})
    return aliases


def column_aliases(kind: str) -> dict[str, str]:
    """normalized header -> column key, for every header the importer accepts for `kind`."""
    columns = COLUMNS[kind]
    return _tiered([
        [(normalize(c.key), c.key) for c in columns],
        [(normalize(c.title_ar), c.key) for c in columns],
        [(name, c.key) for c in columns for name in _in_every_language(c.title)],
    ])  # fmt: skip


def sheet_aliases() -> dict[str, str]:
    titles = SHEET_TITLES.items()
    return _tiered([
        [(normalize(kind), kind) for kind, _t in titles],
        [(normalize(title_ar), kind) for kind, (_t, title_ar) in titles],
        [(name, kind) for kind, (title, _a) in titles for name in _in_every_language(title)],
    ])  # fmt: skip


def choice_aliases(choices: type[ChoiceSet]) -> dict[str, str]:
    """normalized value, label (in every UI language) or built-in Arabic alias -> value."""
    built_in = _CHOICE_ALIASES.get(choices, {})
    return _tiered([
        [(normalize(value), value) for value in choices.values()],
        [(name, value) for value, label, _colour in choices.CHOICES for name in _in_every_language(label)],
        [(normalize(alias), value) for value in choices.values() for alias in built_in.get(value, [])],
    ])  # fmt: skip


def _day_aliases() -> dict[str, int]:
    from assets.choices import Weekday

    aliases: dict[str, int] = {}
    for number, short in enumerate(DAY_NAMES):
        aliases[normalize(short)] = number
        aliases[str(number)] = number
        for alias in _DAY_ALIASES[number]:
            aliases[normalize(alias)] = number
    for value, label, _colour in Weekday.CHOICES:
        for name in _in_every_language(label):
            aliases.setdefault(name, int(value))
    return aliases


def format_days(days: Iterable[int]) -> str:
    """Working days as files write them: `Sun,Mon,Tue,Wed,Thu` (in the stored order)."""
    return ",".join(DAY_NAMES[d] if isinstance(d, int) and 0 <= d <= 6 else str(d) for d in days)


def format_time(value: dt.time | None) -> str:
    if value is None:
        return ""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


# --------------------------------------------------------------------------- reading files


@dataclass
class _Sheet:
    kind: str
    title: str  # the sheet's name in the workbook, or the kind for a CSV file
    headers: list[str]  # as written
    keys: list[str | None]  # the column key of each position; None for a column without a header
    rows: list[tuple[int, list[Any]]]  # (row number, cells)

    def header_of(self, key: str) -> str:
        """The column's name as the file writes it (errors name columns the way the user sees them)."""
        if key in self.keys:
            return self.headers[self.keys.index(key)]
        return key


def _cell(value: Any) -> Any:
    """A cell as the importer handles it: stripped text, or a typed XLSX value; empty is None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(_cell(c) is None for c in cells)


def _unescape_csv(value: str) -> str:
    # exports.py writes text that Excel would run as a formula as '=… ; read it back as written.
    return formula_unescape(value)


#: The encodings a user may name for a CSV file ("auto": UTF-8 with or without BOM, UTF-16 with a BOM,
#: else Arabic Windows-1256 when the text reads as Arabic). Excel's "CSV" on an Arabic Windows is 1256.
ENCODINGS: dict[str, Any] = {
    "auto": gettext_lazy("Detect (UTF-8, UTF-16 with BOM, or Arabic Windows-1256)"),
    "utf-8": gettext_lazy("UTF-8 (“CSV UTF-8” in Excel)"),
    "windows-1256": gettext_lazy("Arabic Windows-1256 (“CSV” in Arabic Excel)"),
    "utf-16": gettext_lazy("UTF-16 (“Unicode Text” in Excel)"),
}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")


def _line_of(data: bytes | str, position: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data[:position].count(newline) + 1  # type: ignore[arg-type]


def _looks_misdecoded(text: str) -> bool:
    """UTF-8 Arabic read as Windows-1256 turns every letter into ط or ظ plus a symbol ("ظ…ط¯ط±ط³ط©"):
    in real Arabic text those two letters are rare, in such mojibake they are every other letter."""
    letters = _ARABIC_LETTER.findall(text)
    if len(letters) < 4:
        return False
    return sum(1 for c in letters if c in "طظ") > len(letters) * 0.3


def _reads_as_arabic(text: str) -> bool:
    """Windows-1256 also maps bytes to Latin letters and symbols: a French or junk file would "decode"
    too. Guess 1256 only when nearly every non-ASCII character is Arabic (letters, marks, punctuation)."""
    other = [c for c in text if not c.isascii()]
    if not other or not _ARABIC_LETTER.search(text):
        return False
    arabic = sum(1 for c in other if "\u0600" <= c <= "\u06ff" or c in _ARABIC_EXTRAS)
    return arabic >= len(other) * 0.95


_ARABIC_EXTRAS = "\u00a0\u00ab\u00bb\u200c\u200d\u200e\u200f\u2013\u2014\u2026"


def _file_error(message: str, row: int = 0) -> _FileError:
    return _FileError([RowError("", row, "", message)])


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """The CSV file's text; a _FileError (naming the line) when it is not text in that encoding.

    Never returns mojibake silently: a Windows-1256 guess must read as Arabic, and a file
    named as Windows-1256 that is really UTF-8 (or the other way round) is refused.
    """
    encoding = encoding or "auto"
    if encoding not in ENCODINGS:
        raise _file_error(
            _("Unknown encoding “%(encoding)s”. Use one of: %(encodings)s.")
            % {"encoding": encoding, "encodings": ", ".join(ENCODINGS)}
        )
    utf16_bom = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if encoding == "utf-16" or (encoding == "auto" and utf16_bom):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            # exc.start is a byte offset: the line is 1 + the line breaks of the text decoded before it
            line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise _file_error(_("The file is not UTF-16 text (line %(line)d).") % {"line": line}, row=line) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return _checked_text(text)
    if b"\x00" in data:
        line = _line_of(data, data.index(b"\x00"))
        raise _file_error(
            _(
                "Line %(line)d holds a NUL byte: this is not a CSV text file (or it is UTF-16 without a BOM: "
                "choose UTF-16)."
            )
            % {"line": line},
            row=line,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error: UnicodeDecodeError | None = exc
    else:
        utf8_error = None
        if encoding == "windows-1256" and not text.isascii():
            raise _file_error(_("The file is UTF-8 text, not Windows-1256: choose UTF-8 (or Detect)."))
        return _checked_text(text)
    if encoding == "utf-8":
        line = _line_of(data, utf8_error.start)
        raise _file_error(
            _("The file is not UTF-8 text (line %(line)d). In Excel, save it as “CSV UTF-8”, or choose its encoding.")
            % {"line": line},
            row=line,
        )
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError as exc:  # cp1256 leaves no byte undefined today, but a codec may change
        line = _line_of(data, exc.start)
        raise _file_error(_("The file is not Windows-1256 text (line %(line)d).") % {"line": line}, row=line) from None
    if _looks_misdecoded(text) or _CONTROL.search(text) or (encoding == "auto" and not _reads_as_arabic(text)):
        raise _file_error(
            _(
                "The file is not UTF-8 text, and it does not read as Arabic Windows-1256 either. In Excel, "
                "save it as “CSV UTF-8”, or choose its encoding."
            )
        )
    return _checked_text(text)


def _checked_text(text: str) -> str:
    if "\x00" in text:
        line = _line_of(text, text.index("\x00"))
        raise _file_error(_("Line %(line)d holds a NUL character: the file is damaged.") % {"line": line}, row=line)
    if _looks_misdecoded(text):
        first = _ARABIC_LETTER.search(text)
        sample = text[first.start() : first.start() + 12] if first else ""
        raise _file_error(
            _(
                "The Arabic text in this file looks garbled (“%(sample)s”): it was saved or converted with the "
                "wrong encoding. Choose the file's encoding, or save it again as “CSV UTF-8”."
            )
            % {"sample": sample}
        )
    return text


def max_import_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_MB", 10)) * 1024 * 1024


def max_import_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 50_000))


def _too_many_rows() -> _FileError:
    return _file_error(
        _("The file has more than %(limit)s rows; the limit is %(limit)s. Split it into smaller files.")
        % {"limit": max_import_rows()}
    )


def _read_csv(data: bytes, encoding: str | None = None) -> list[tuple[str | None, list[tuple[int, list[Any]]]]]:
    text = decode_text(data, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    limit = max_import_rows() + 1  # and the header
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if len(rows) >= limit:
                raise _too_many_rows()
            rows.append((reader.line_num, [_unescape_csv(c) for c in record]))
    except csv.Error as exc:
        line = reader.line_num
        raise _file_error(
            _("The CSV file could not be read at line %(line)d: %(error)s") % {"line": line, "error": exc}, row=line
        ) from None
    # Row numbers are records (the header is row 1), as a spreadsheet shows them, not physical lines.
    return [(None, [(number, cells) for number, (_line, cells) in enumerate(rows, start=1)])]


def _read_xlsx(data: bytes) -> list[tuple[str | None, list[tuple[int, list[Any]]]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors alike: the file is not a workbook we can read
        raise _FileError([RowError("", 0, "", _("The file could not be read as an XLSX workbook."))]) from None
    sheets = []
    read, limit = 0, max_import_rows() + len(workbook.worksheets)  # and a header per sheet
    try:
        for worksheet in workbook.worksheets:
            if hasattr(worksheet, "reset_dimensions"):
                # Some tools write a wrong <dimension>; without this, read-only mode stops there.
                worksheet.reset_dimensions()
            rows = []
            for number, cells in enumerate(worksheet.iter_rows(values_only=True), 1):
                read += 1
                if read > limit:
                    raise _too_many_rows()
                rows.append((number, list(cells)))
            sheets.append((worksheet.title, rows))
    except _FileError:
        raise
    except Exception:
        raise _FileError([RowError("", 0, "", _("The file could not be read as an XLSX workbook."))]) from None
    finally:
        workbook.close()
    return sheets


def _match_headers(kind: str, headers: list[Any]) -> tuple[list[str | None], list[str]]:
    """(column key per position, headers that are no column of `kind`)."""
    aliases = column_aliases(kind)
    keys: list[str | None] = []
    unknown: list[str] = []
    for header in headers:
        if _cell(header) is None:
            keys.append(None)
            continue
        key = aliases.get(normalize(header))
        keys.append(key)
        if key is None:
            unknown.append(str(header).strip())
    return keys, unknown


def _infer_kind(headers: list[Any]) -> str | None:
    """The kind whose columns the header row names best; None when it is not clear."""
    scores = []
    for kind in ORDER:
        keys, unknown = _match_headers(kind, headers)
        found = {k for k in keys if k}
        if not found:
            continue
        required = {c.key for c in COLUMNS[kind] if c.required}
        scores.append(((required <= found, len(found), -len(unknown)), kind))
    if not scores:
        return None
    scores.sort(reverse=True)
    if len(scores) > 1 and scores[0][0] == scores[1][0]:
        return None
    return scores[0][1]


def _prepare_sheet(kind: str, title: str, rows: list[tuple[int, list[Any]]]) -> _Sheet:
    (header_row, header_cells), body = rows[0], rows[1:]
    headers = ["" if _cell(h) is None else str(h).strip() for h in header_cells]
    keys, unknown = _match_headers(kind, header_cells)
    errors = [
        RowError(
            title, header_row, name, _("Unknown column “%(column)s” for %(kind)s.") % {"column": name, "kind": kind}
        )
        for name in unknown
    ]
    seen: dict[str, str] = {}
    for header, key in zip(headers, keys, strict=True):
        if key is None:
            continue
        if key in seen:
            errors.append(
                RowError(
                    title,
                    header_row,
                    header,
                    _("Column “%(column)s” appears twice (as “%(first)s”).") % {"column": header, "first": seen[key]},
                )
            )
        seen.setdefault(key, header)
    missing = [c.key for c in COLUMNS[kind] if c.required and c.key not in seen]
    if missing:
        errors.append(
            RowError(
                title, header_row, "", _("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        )
    data_rows = [(n, cells) for n, cells in body if not _is_blank(cells)]
    if not errors and not data_rows:
        errors.append(RowError(title, 0, "", _("There are no rows to import under the header.")))
    if errors:
        raise _FileError(errors)
    return _Sheet(kind=kind, title=title, headers=headers, keys=keys, rows=data_rows)


def _kind_error(kind: str) -> RowError:
    return RowError(
        "", 0, "", _("Unknown kind “%(kind)s”. Use one of: %(kinds)s.") % {"kind": kind, "kinds": ", ".join(ORDER)}
    )


def read_sheets(data: bytes, filename: str, kind: str | None = None, encoding: str | None = None) -> list[_Sheet]:
    """The file's sheets with their kinds, in dependency order; raises _FileError when the file is unusable."""
    if kind is not None and kind not in COLUMNS:
        raise _FileError([_kind_error(kind)])
    extension = PurePath(filename or "").suffix.lower()
    if extension not in {".csv", ".xlsx"}:
        message = _("Unsupported file type “%(ext)s”. Upload a .csv or .xlsx file.") % {"ext": extension or filename}
        if extension == ".xls":
            message = _("Old Excel .xls files are not supported. In Excel, save the file as .xlsx.")
        raise _FileError([RowError("", 0, "", message)])
    if not data or not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise _FileError([RowError("", 0, "", _("The file is empty."))])
    if len(data) > max_import_bytes():
        raise _file_error(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": max_import_bytes() // 1024 // 1024}
        )
    raw = _read_csv(data, encoding) if extension == ".csv" else _read_xlsx(data)
    # Sheets with nothing on them (Excel's spare "Sheet2") are ignored.
    raw = [(title, rows) for title, rows in raw if any(not _is_blank(cells) for _n, cells in rows)]
    if not raw:
        raise _FileError([RowError("", 0, "", _("The file is empty."))])

    names = sheet_aliases()
    found: list[tuple[str, str, list[tuple[int, list[Any]]]]] = []
    errors: list[RowError] = []
    for title, rows in raw:
        # The header is the first row that is not blank.
        while rows and _is_blank(rows[0][1]):
            rows = rows[1:]
        sheet_kind = names.get(normalize(title)) if title is not None else None
        if sheet_kind is None and (title is None or len(raw) == 1):
            # A CSV file, or a workbook with one sheet whatever its name: --kind, or the header row, tells.
            sheet_kind = kind or _infer_kind(rows[0][1])
            if sheet_kind is None:
                errors.append(
                    RowError(
                        title or "",
                        1,
                        "",
                        _("Cannot tell what this file holds from its header row. Name the kind (%(kinds)s).")
                        % {"kinds": ", ".join(ORDER)},
                    )
                )
                continue
        elif sheet_kind is None:
            errors.append(
                RowError(
                    title,
                    0,
                    "",
                    _("Unknown sheet “%(sheet)s”. Name each sheet after what it holds: %(kinds)s.")
                    % {"sheet": title, "kinds": ", ".join(ORDER)},
                )
            )
            continue
        if kind is not None and sheet_kind != kind:
            continue
        if any(k == sheet_kind for k, _t, _r in found):
            errors.append(
                RowError(title or sheet_kind, 0, "", _("The file has two sheets of %(kind)s.") % {"kind": sheet_kind})
            )
            continue
        found.append((sheet_kind, title or sheet_kind, rows))
    if not errors and not found:
        errors.append(RowError("", 0, "", _("The file has no sheet of %(kind)s.") % {"kind": kind}))
    sheets = []
    for sheet_kind, title, rows in sorted(found, key=lambda f: ORDER.index(f[0])):
        try:
            sheets.append(_prepare_sheet(sheet_kind, title, rows))
        except _FileError as exc:
            errors.extend(exc.errors)
    if errors:
        raise _FileError(errors)
    return sheets


# --------------------------------------------------------------------------- one row

_MISSING = object()  # the file has no such column: leave the field as it is
_INVALID = object()  # the cell could not be read; the error is recorded


class _Row:
    def __init__(self, sheet: _Sheet, number: int, cells: list[Any]):
        self.sheet = sheet
        self.number = number
        self.values: dict[str, Any] = {}
        self.errors: list[RowError] = []
        for position, value in enumerate(cells):
            key = sheet.keys[position] if position < len(sheet.keys) else None
            value = _cell(value)
            if key is not None and isinstance(value, str) and _CONTROL.search(value):
                char = _CONTROL.search(value).group()
                self.errors.append(
                    RowError(
                        sheet.title,
                        number,
                        sheet.headers[position],
                        _("The cell holds a control character (U+%(code)04X); remove it.") % {"code": ord(char)},
                    )
                )
                value = None
            if key is not None:
                self.values[key] = value
            elif value is not None:
                self.errors.append(
                    RowError(
                        sheet.title,
                        number,
                        "",
                        _("Column %(number)d has a value but no header.") % {"number": position + 1},
                    )
                )
        for key in sheet.keys:
            if key is not None:
                self.values.setdefault(key, None)

    def has(self, key: str) -> bool:
        return key in self.values

    def error(self, key: str, message: str) -> None:
        column = self.sheet.header_of(key) if key else ""
        self.errors.append(RowError(self.sheet.title, self.number, column, str(message)))

    def raw(self, key: str) -> Any:
        return self.values.get(key, _MISSING)

    # Readers: the cell as a Python value, _MISSING when the column is absent, _INVALID after an error.

    def text(self, key: str) -> Any:
        value = self.raw(key)
        if value is _MISSING:
            return _MISSING
        return _as_text(value)

    def choice(self, key: str, choices: type[ChoiceSet], aliases: dict[str, str]) -> Any:
        value = self.text(key)
        if value is _MISSING or value == "":
            return value
        found = aliases.get(normalize(value))
        if found is None:
            self.error(
                key,
                _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": ", ".join(choices.values())},
            )
            return _INVALID
        return found

    def date(self, key: str) -> Any:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _as_text(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        self.error(key, _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text})
        return _INVALID

    def time(self, key: str) -> Any:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return value
        if isinstance(value, dt.datetime):
            return value.time()
        if isinstance(value, dt.time):
            return value
        text = _as_text(value)
        match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
        if match:
            try:
                return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
            except ValueError:
                pass
        self.error(key, _("“%(value)s” is not a time; write it as HH:MM.") % {"value": text})
        return _INVALID

    def decimal(self, key: str) -> Any:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return value
        if isinstance(value, bool):
            value = str(value)
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(key, _("“%(value)s” is not a number.") % {"value": value})
            return _INVALID
        return number

    def integer(self, key: str) -> Any:
        number = self.decimal(key)
        if number is _MISSING or number is None or number is _INVALID:
            return number
        if number != number.to_integral_value():
            self.error(key, _("“%(value)s” is not a whole number.") % {"value": self.raw(key)})
            return _INVALID
        return int(number)

    def days(self, key: str, aliases: dict[str, int]) -> Any:
        value = self.text(key)
        if value is _MISSING:
            return _MISSING
        if value == "":
            return None
        days, bad = [], []
        for token in re.split(r"[,;،؛\s]+", value):
            if not token:
                continue
            day = aliases.get(normalize(token))
            if day is None and token.isdigit():
                day = int(token) if int(token) <= 6 else None  # also Arabic-Indic digits
            if day is None:
                bad.append(token)
            else:
                days.append(day)
        if bad:
            self.error(
                key, _("Unknown weekday: %(days)s. Write days like Sun,Mon,Tue,Wed,Thu.") % {"days": ", ".join(bad)}
            )
            return _INVALID
        return days

    def names(self, key: str) -> Any:
        """A `;`-separated list (tags)."""
        value = self.text(key)
        if value is _MISSING:
            return value
        names: list[str] = []
        for name in re.split(r"[;؛]", value):
            name = name.strip()
            if name and name not in names:
                names.append(name)
        return names


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns the code 10234 into 10234.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


# --------------------------------------------------------------------------- the importer


class _Changes:
    """Sets fields on an object and remembers whether any value differed."""

    def __init__(self, obj: Model):
        self.obj = obj
        self.changed = obj.pk is None

    def set(self, name: str, value: Any, *, keep_when_empty: bool = False) -> None:
        if value is _MISSING or value is _INVALID:
            return
        if value is None and keep_when_empty:
            return  # an empty cell keeps the stored value (or the field's default on a new row)
        model_field = self.obj._meta.get_field(name)
        if model_field.is_relation:
            # Compare ids: reading a foreign key that is not set yet would raise.
            differs = getattr(self.obj, model_field.attname) != (value.pk if value is not None else None)
        else:
            differs = getattr(self.obj, name) != value
        if differs:
            setattr(self.obj, name, value)
            self.changed = True


# Model field -> column, where the names differ, per kind; plus the column that answers for each
# constraint (by the end of its name), since Django reports those as non-field errors.
_FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "schools": {"directorate": "directorate_code"},
    "locations": {"school": "school_code"},
    "fiber_sites": {"directorate": "directorate_code", "school": "school_code"},
    "assets": {"asset_model": "model", "school": "school_code"},
    "circuits": {"termination_a": "site_a", "termination_z": "site_z"},
}
_CONSTRAINT_COLUMNS: dict[str, str] = {
    "_day_order": "day_end",
    "_unique_school_name": "name_ar",
    "_school_site_has_school": "school_code",
    "_unique_manufacturer_serial": "serial",
    "_distinct_ends": "site_z",
    "_unique_manufacturer_name": "model",
}


class _Importer:
    def __init__(self, *, user, result: ImportResult, filename: str):
        self.user = user
        self.result = result
        self.reason = _("Imported from %(file)s") % {"file": PurePath(filename).name}
        self.aliases = {choices: choice_aliases(choices) for choices in _CHOICE_ALIASES}
        self.day_aliases = _day_aliases()
        self.directorates = {d.code: d for d in Directorate.objects.all()}
        self.schools: dict[str, School] = {}
        self.locations: dict[tuple[int, str], Location] = {}
        self.sites: dict[str, FiberSite] = {}
        self.manufacturers: dict[str, Manufacturer] = {}
        self.models: dict[tuple[int, str], AssetModel] = {}
        self.providers: dict[str, Provider] = {}
        self.tags: dict[str, Tag] = {}
        self.existing: dict[str, Model] = {}  # the rows of the current sheet already in the database
        self.seen: dict[str, dict[Any, int]] = {kind: {} for kind in ORDER}  # natural key -> row in this file
        self.failed: dict[str, dict[Any, int]] = {kind: {} for kind in ORDER}  # natural key -> its bad row

    # ---- a sheet

    def run(self, sheet: _Sheet) -> None:
        handler: Callable[[_Row], None] = getattr(self, f"_{sheet.kind}")
        self.result.created.setdefault(sheet.kind, 0)
        self.result.updated.setdefault(sheet.kind, 0)
        self.result.unchanged.setdefault(sheet.kind, 0)
        self._prefetch(sheet)
        for number, cells in sheet.rows:
            row = _Row(sheet, number, cells)
            try:
                handler(row)
            except _RowFailed:
                pass
            # A row's errors in the order of its columns, whatever step found them.
            order = {header: position for position, header in enumerate(sheet.headers)}
            self.result.errors.extend(sorted(row.errors, key=lambda e: order.get(e.column, len(order))))

    def _prefetch(self, sheet: _Sheet) -> None:
        """Load the existing rows a sheet names in a few queries instead of one per row."""
        self.existing = {}
        key_column = {"schools": "code", "fiber_sites": "code", "assets": "asset_tag", "circuits": "cid"}
        if sheet.kind not in key_column or key_column[sheet.kind] not in sheet.keys:
            return
        position = sheet.keys.index(key_column[sheet.kind])
        keys = sorted({_as_text(cells[position]) for _n, cells in sheet.rows if position < len(cells)} - {""})
        querysets = {
            "schools": (School.objects.all(), "code"),
            "fiber_sites": (FiberSite.objects.all(), "code"),
            "assets": (
                Asset.objects.select_related("asset_model__manufacturer", "school", "location").prefetch_related(
                    "tags"
                ),
                "asset_tag",
            ),
            "circuits": (Circuit.objects.select_related("provider").prefetch_related("tags"), "cid"),
        }
        queryset, field_name = querysets[sheet.kind]
        for start in range(0, len(keys), 500):
            for obj in queryset.filter(**{f"{field_name}__in": keys[start : start + 500]}):
                self.existing[getattr(obj, field_name)] = obj

    # ---- shared steps

    def _key(self, row: _Row, kind: str, column: str, key: Any, shown: str) -> bool:
        """Record a row's natural key; False (with an error) when an earlier row of the file has it."""
        if not shown:
            row.error(column, _("This field is required."))
            return False
        earlier = self.seen[kind].get(key)
        if earlier is not None:
            row.error(
                column, _("“%(value)s” is already in row %(row)d of this sheet.") % {"value": shown, "row": earlier}
            )
            return False
        self.seen[kind][key] = row.number
        return True

    def _unknown(self, row: _Row, column: str, kind: str, key: Any, message: str) -> None:
        bad_row = self.failed.get(kind, {}).get(key)
        if bad_row is not None:
            message = _("“%(value)s” is in row %(row)d of %(kind)s, which has errors.") % {
                "value": key if isinstance(key, str) else key[-1],
                "row": bad_row,
                "kind": kind,
            }
        row.error(column, message)

    def _save(
        self, row: _Row, kind: str, key: Any, changes: _Changes, save: Callable[[], None], columns: dict[str, str]
    ) -> bool:
        """Run `save` in a savepoint; count the row, or turn what went wrong into the row's errors."""
        if row.errors:
            self.failed[kind][key] = row.number
            raise _RowFailed
        obj = changes.obj
        adding = obj.pk is None
        if not changes.changed:
            self.result.unchanged[kind] += 1
            return False
        try:
            with transaction.atomic():
                save()
        except ValidationError as exc:
            self._validation_errors(row, obj, exc, columns)
        except _RowFailed:
            pass
        except DatabaseError as exc:
            row.error("", _("The row could not be saved: %(error)s") % {"error": exc})
        if row.errors:
            if adding:
                obj.pk = None
                obj._state.adding = True
            self.failed[kind][key] = row.number
            raise _RowFailed
        (self.result.created if adding else self.result.updated)[kind] += 1
        return True

    def _validation_errors(self, row: _Row, obj: Model, exc: ValidationError, columns: dict[str, str]) -> None:
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                row.error("", message)
            return
        constraint_columns = {
            str(c.violation_error_message): next(
                (col for end, col in _CONSTRAINT_COLUMNS.items() if c.name.endswith(end)), ""
            )
            for c in obj._meta.constraints
        }
        for name, messages in exc.message_dict.items():
            for message in messages:
                if name == NON_FIELD_ERRORS:
                    row.error(constraint_columns.get(message, ""), message)
                else:
                    row.error(columns.get(name, name), message)

    def _save_dependency(self, row: _Row, obj: Model, columns: dict[str, str]) -> None:
        """Create a manufacturer, model, provider or tag that a row names; its errors are the row's."""
        try:
            inventory_save(obj)
        except ValidationError as exc:
            self._validation_errors(row, obj, exc, columns)
            raise _RowFailed from None

    def _by_code(
        self,
        row: _Row,
        column: str,
        *,
        cache: dict[str, Any],
        model: type[Model],
        kind: str,
        unknown: str,
        required: bool = True,
    ) -> Any:
        """The directorate, school or fiber site a row names by code: from this file or the database."""
        code = row.text(column)
        if code is _MISSING:
            return _MISSING
        if not code:
            if required:
                row.error(column, _("This field is required."))
                return _INVALID
            return None
        obj = cache.get(code)
        if obj is None:
            obj = model.objects.filter(code=code).first()
            if obj is None:
                self._unknown(row, column, kind, code, unknown % {"value": code})
                return _INVALID
            cache[code] = obj
        return obj

    def _directorate(self, row: _Row) -> Any:
        # Directorates are not imported: only the database can hold the one a row names.
        return self._by_code(
            row,
            "directorate_code",
            cache=self.directorates,
            model=Directorate,
            kind="directorates",
            unknown=_("Unknown directorate code “%(value)s”."),
        )

    def _school(self, row: _Row, column: str = "school_code", *, required: bool = True) -> Any:
        return self._by_code(
            row,
            column,
            cache=self.schools,
            model=School,
            kind="schools",
            required=required,
            unknown=_("Unknown school code “%(value)s”."),
        )

    def _site(self, row: _Row, column: str, *, required: bool) -> Any:
        return self._by_code(
            row,
            column,
            cache=self.sites,
            model=FiberSite,
            kind="fiber_sites",
            required=required,
            unknown=_("Unknown fiber site code “%(value)s”."),
        )

    def _tags(self, row: _Row) -> Any:
        names = row.names("tags")
        if names is _MISSING:
            return _MISSING
        tags = []
        for name in names:
            tag = self.tags.get(name.casefold())
            if tag is None:
                slug = slugify(name, allow_unicode=True)
                tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.filter(slug=slug).first()
                if tag is None:
                    tag = Tag(name=name, slug=slug)
                elif tag.name.casefold() != name.casefold():
                    row.error(
                        "tags",
                        _("The tag “%(name)s” has the same short name as the tag “%(other)s”.")
                        % {"name": name, "other": tag.name},
                    )
                    continue
            tags.append(tag)
        return tags

    def _save_tags(self, row: _Row, tags: list[Tag]) -> list[Tag]:
        for tag in tags:
            if tag.pk is None:
                self._save_dependency(row, tag, {"name": "tags", "slug": "tags"})
        return tags

    def _remember_tags(self, tags: Any) -> None:
        if isinstance(tags, list):
            for tag in tags:
                self.tags[tag.name.casefold()] = tag

    @staticmethod
    def _tags_changed(obj: Model, tags: Any) -> bool:
        if tags is _MISSING or tags is _INVALID:
            return False
        if obj.pk is None:
            return bool(tags)
        return {t.pk for t in tags} != {t.pk for t in obj.tags.all()}

    # ---- the kinds

    def _schools(self, row: _Row) -> None:
        code = row.text("code")
        self._key(row, "schools", "code", code, code)
        school = self.existing.get(code) or School(code=code)
        changes = _Changes(school)
        changes.set("directorate", self._directorate(row))
        for name in ("name_ar", "name_en", "address", "phone", "email", "comments"):
            changes.set(name, row.text(name))
        changes.set("latitude", row.decimal("latitude"))
        changes.set("longitude", row.decimal("longitude"))
        changes.set("working_days", row.days("working_days", self.day_aliases), keep_when_empty=True)
        changes.set("day_start", row.time("day_start"), keep_when_empty=True)
        changes.set("day_end", row.time("day_end"), keep_when_empty=True)
        self._save(row, "schools", code, changes, lambda: inventory_save(school), _FIELD_COLUMNS["schools"])
        self.schools[code] = school

    def _locations(self, row: _Row) -> None:
        school = self._school(row)
        name = row.text("name_ar")
        key = (school.code if isinstance(school, School) else row.text("school_code"), name)
        self._key(row, "locations", "name_ar", key, name)
        location = None
        if isinstance(school, School):
            location = self._find_location(school, name) or Location(school=school, name_ar=name)
        else:
            location = Location(name_ar=name)  # only to read the other cells: the row has an error already
        changes = _Changes(location)
        for field_name in ("name_en", "room", "comments"):
            changes.set(field_name, row.text(field_name))
        changes.set("kind", row.choice("kind", LocationKind, self.aliases[LocationKind]))
        self._save(row, "locations", key, changes, lambda: inventory_save(location), _FIELD_COLUMNS["locations"])
        self.locations[(location.school_id, name)] = location

    def _find_location(self, school: School, name: str) -> Location | None:
        location = self.locations.get((school.pk, name))
        if location is None and school.pk is not None:
            location = Location.objects.filter(school=school, name_ar=name).first()
            if location is not None:
                self.locations[(school.pk, name)] = location
        return location

    def _fiber_sites(self, row: _Row) -> None:
        code = row.text("code")
        self._key(row, "fiber_sites", "code", code, code)
        site = self.existing.get(code) or FiberSite(code=code)
        changes = _Changes(site)
        for name in ("name_ar", "name_en", "address", "comments"):
            changes.set(name, row.text(name))
        changes.set("kind", row.choice("kind", FiberSiteKind, self.aliases[FiberSiteKind]))
        changes.set("directorate", self._directorate(row))
        changes.set("school", self._school(row, required=False))
        changes.set(
            "status", row.choice("status", FiberSiteStatus, self.aliases[FiberSiteStatus]) or None, keep_when_empty=True
        )
        changes.set("commissioned_on", row.date("commissioned_on"))
        self._save(row, "fiber_sites", code, changes, lambda: inventory_save(site), _FIELD_COLUMNS["fiber_sites"])
        self.sites[code] = site

    def _assets(self, row: _Row) -> None:
        tag = row.text("asset_tag")
        self._key(row, "assets", "asset_tag", tag, tag)
        asset = self.existing.get(tag) or Asset(asset_tag=tag)
        changes = _Changes(asset)
        school = self._school(row)
        changes.set("school", school)
        for name in ("name", "serial", "custodian", "supplier", "funding", "comments"):
            changes.set(name, row.text(name))
        changes.set(
            "status", row.choice("status", AssetStatus, self.aliases[AssetStatus]) or None, keep_when_empty=True
        )
        for name in ("purchase_date", "warranty_end"):
            changes.set(name, row.date(name))
        changes.set("purchase_cost", row.decimal("purchase_cost"))
        changes.set("management_ip", (row.text("management_ip") or None) if row.has("management_ip") else _MISSING)
        disposed_on = row.date("disposed_on")
        if asset.pk is None and disposed_on not in (None, _MISSING, _INVALID):
            # Carries a disposal's date over (e.g. to another server); the service dates new disposals itself.
            asset.disposed_on = disposed_on

        location = _MISSING
        name = row.text("location")
        if name is not _MISSING and isinstance(school, School):
            location = self._find_location(school, name) if name else None
            if name and location is None:
                location = Location.objects.filter(school=school, name_en__iexact=name).first()
            if name and location is None:
                self._unknown(
                    row,
                    "location",
                    "locations",
                    (school.code, name),
                    _("The school “%(school)s” has no location “%(value)s”.") % {"school": school.code, "value": name},
                )
                location = _INVALID
        changes.set("location", location)

        model = self._asset_model(row, asset)
        if model is not _INVALID and (model.pk is None or model.pk != asset.asset_model_id):
            changes.changed = True
        tags = self._tags(row)
        changes.changed |= self._tags_changed(asset, tags)

        def save() -> None:
            if model.manufacturer.pk is None:
                self._save_dependency(row, model.manufacturer, {"name": "manufacturer"})
                model.manufacturer = model.manufacturer  # sets manufacturer_id now that it has a pk
            if model.pk is None:
                self._save_dependency(
                    row, model, {"name": "model", "category": "category", "manufacturer": "manufacturer"}
                )
            asset.asset_model = model
            asset_save(
                asset,
                user=self.user,
                tags=self._save_tags(row, tags) if isinstance(tags, list) else None,
                reason=self.reason,
            )

        columns = {**_FIELD_COLUMNS["assets"], "manufacturer": "manufacturer"}
        self._save(row, "assets", tag, changes, save, columns)
        if model is not _INVALID:
            self.manufacturers[model.manufacturer.name.casefold()] = model.manufacturer
            self.models[(model.manufacturer.pk, model.name.casefold())] = model
        self._remember_tags(tags)

    def _asset_model(self, row: _Row, asset: Asset) -> Any:
        """The row's model: found, or new (with a new manufacturer, if need be) and not saved yet."""
        manufacturer_name, model_name = row.text("manufacturer"), row.text("model")
        category = row.choice("category", AssetCategory, self.aliases[AssetCategory]) if row.has("category") else ""
        if not manufacturer_name:
            row.error("manufacturer", _("This field is required."))
        if not model_name:
            row.error("model", _("This field is required."))
        if not manufacturer_name or not model_name or category is _INVALID:
            return _INVALID
        manufacturer = self.manufacturers.get(manufacturer_name.casefold())
        if manufacturer is None:
            manufacturer = Manufacturer.objects.filter(name__iexact=manufacturer_name).first()
            if manufacturer is not None:
                self.manufacturers[manufacturer_name.casefold()] = manufacturer
        model = None
        if manufacturer is not None:
            model = self.models.get((manufacturer.pk, model_name.casefold()))
            if model is None:
                model = AssetModel.objects.filter(manufacturer=manufacturer, name__iexact=model_name).first()
                if model is not None:
                    self.models[(manufacturer.pk, model_name.casefold())] = model
        if model is not None:
            if category and category != model.category:
                row.error(
                    "category",
                    _("The model “%(model)s” is recorded as “%(category)s”.")
                    % {"model": model_name, "category": AssetCategory.label(model.category)},
                )
                return _INVALID
            return model
        if not category:
            row.error("category", _("“%(model)s” is a new model: give its category.") % {"model": model_name})
            return _INVALID
        manufacturer = manufacturer or Manufacturer(name=manufacturer_name)
        return AssetModel(manufacturer=manufacturer, name=model_name, category=category)

    def _circuits(self, row: _Row) -> None:
        cid = row.text("cid")
        self._key(row, "circuits", "cid", cid, cid)
        circuit = self.existing.get(cid) or Circuit(cid=cid)
        changes = _Changes(circuit)
        for name in ("port_a", "port_z", "provider_contact", "description", "comments"):
            changes.set(name, row.text(name))
        changes.set("type", row.choice("type", CircuitType, self.aliases[CircuitType]))
        changes.set(
            "status", row.choice("status", CircuitStatus, self.aliases[CircuitStatus]) or None, keep_when_empty=True
        )
        changes.set("bandwidth_mbps", row.integer("bandwidth_mbps"))
        changes.set("install_date", row.date("install_date"))
        changes.set("termination_a", self._site(row, "site_a", required=True))
        changes.set("termination_z", self._site(row, "site_z", required=False))

        provider_name = row.text("provider")
        provider: Provider | None = None
        if not provider_name:
            row.error("provider", _("This field is required."))
        else:
            provider = self.providers.get(provider_name.casefold())
            if provider is None:
                provider = Provider.objects.filter(name__iexact=provider_name).first() or Provider(name=provider_name)
            if provider.pk is None or provider.pk != circuit.provider_id:
                changes.changed = True
        tags = self._tags(row)
        changes.changed |= self._tags_changed(circuit, tags)

        def save() -> None:
            assert provider is not None
            if provider.pk is None:
                self._save_dependency(row, provider, {"name": "provider"})
            circuit.provider = provider
            m2m = {"tags": self._save_tags(row, tags)} if isinstance(tags, list) else None
            inventory_save(circuit, m2m=m2m)

        self._save(row, "circuits", cid, changes, save, _FIELD_COLUMNS["circuits"])
        if provider is not None:
            self.providers[provider.name.casefold()] = provider
        self._remember_tags(tags)


# --------------------------------------------------------------------------- the entry point


def _read_all(fileobj: Any) -> bytes:
    """The file's bytes, but never more than one byte over the limit (read_sheets then refuses it)."""
    if isinstance(fileobj, bytes | bytearray):
        return bytes(fileobj)
    if hasattr(fileobj, "seek"):
        try:
            fileobj.seek(0)
        except (OSError, ValueError):
            pass
    data = fileobj.read(max_import_bytes() + 1)
    return data.encode("utf-8") if isinstance(data, str) else data


def import_file(
    fileobj, filename: str, *, user=None, dry_run: bool = False, kind: str | None = None, encoding: str | None = None
) -> ImportResult:
    """Import a CSV or XLSX file: every row is written, or none.

    Returns counts per kind, and every error of every row with its sheet, row number, column
    and reason. With errors, or on a dry run, the database is left exactly as it was. `encoding`
    names a CSV file's encoding (see ENCODINGS; default: detect).
    Roles are not checked here: callers check `core.roles.can(user, "import", Asset)`.
    """
    result = ImportResult(created={}, updated={}, errors=[], dry_run=dry_run)
    try:
        sheets = read_sheets(_read_all(fileobj), filename, kind, encoding)
    except _FileError as exc:
        result.errors.extend(exc.errors)
        return result
    # Inside a request the import shares its request id, so its changes read as one request in the log.
    try:
        with change_context(user=user, request_id=current_context().request_id), transaction.atomic():
            importer = _Importer(user=user, result=result, filename=filename)
            for sheet in sheets:
                importer.run(sheet)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def iter_error_lines(result: ImportResult) -> Iterator[str]:
    """Errors as lines for people: `assets row 637, column school_code: Unknown school code “X”.`"""
    for error in result.errors:
        where = []
        if error.sheet:
            where.append(error.sheet)
        if error.row:
            where.append(_("row %(row)d") % {"row": error.row})
        place = " ".join(where)
        if error.column:
            place = f"{place}, " if place else ""
            place += _("column %(column)s") % {"column": error.column}
        yield f"{place}: {error.message}" if place else error.message
