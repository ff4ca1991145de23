"""What a ticket accepts as a photo or file: size (settings.MAX_UPLOAD_MB) and type, by content.

The type is decided by the file's first bytes (its "magic"), never by the name or the
browser's Content-Type: a script renamed to photo.jpg is refused. The stored file gets the
extension of the type found, so nothing is ever stored under a name a browser would run.
Accepted: JPEG, PNG and WebP photos; PDF; office documents (Word, Excel, PowerPoint —
both the OOXML .docx/.xlsx/.pptx and the older OLE2 .doc/.xls/.ppt — and OpenDocument).
A photo must also open as that image in Pillow (a script behind a JPEG header is refused,
and so is a decompression bomb). SVG, HTML and executables are never accepted, whatever
their name. `clean_filename` is the name kept for display and downloads: no folders, no
control or bidi-override characters (U+202E would show "gpj.exe" as "exe.jpg").
"""

from __future__ import annotations

import os
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from maintenance.choices import AttachmentKind

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"

#: OOXML: the folder inside the zip names the application.
OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
#: The older binary office formats all share the OLE2 container; the name tells which one it is.
OLE2_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    kind: str  # AttachmentKind


PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def clean_filename(name: str, default: str = "file") -> str:
    """The uploader's file name, safe to show and to put in a Content-Disposition header."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # no folders, Windows' or POSIX's
    # Cc: control characters (NUL, CR, LF, …); Cf: format characters (bidi overrides, zero-width).
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return default
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[: 200 - len(ext)] + ext
    return name


def _image_opens(file, content_type: str) -> bool:
    """The photo decodes as the type its first bytes claim, within Pillow's size limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                if image.format != PILLOW_FORMATS[content_type]:
                    return False
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            ValueError, SyntaxError, EOFError):  # fmt: skip
        return False
    finally:
        file.seek(0)
    return True


def max_upload_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_MB", 10)) * 1024 * 1024


def sniff(head: bytes, name: str, file) -> FileType | None:
    """The type of a file from its first bytes (and, for containers, a look inside); None: not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType("image/jpeg", ".jpg", AttachmentKind.PHOTO)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType("image/png", ".png", AttachmentKind.PHOTO)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType("image/webp", ".webp", AttachmentKind.PHOTO)
    if head.startswith(b"%PDF-"):
        return FileType("application/pdf", ".pdf", AttachmentKind.FILE)
    if head.startswith(OLE2):
        ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_type = OLE2_TYPES.get(ext)
        return FileType(content_type, ext, AttachmentKind.FILE) if content_type else None
    if head.startswith(ZIP):
        return _sniff_zip(file)
    return None


def _sniff_zip(file) -> FileType | None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype in OPENDOCUMENT:
                    return FileType(mimetype, OPENDOCUMENT[mimetype], AttachmentKind.FILE)
                return None
            if "[Content_Types].xml" in names:
                for folder, (content_type, ext) in OOXML.items():
                    if any(n.startswith(folder) for n in names):
                        return FileType(content_type, ext, AttachmentKind.FILE)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    return None


def check_upload(file: UploadedFile, *, field: str = "file", photo_only: bool = False) -> FileType:
    """The accepted type of `file`, or a ValidationError on `field` saying why it was refused."""
    name = clean_filename(getattr(file, "name", "") or "")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if not size:
        raise ValidationError({field: _("The file “%(name)s” is empty.") % {"name": name}})
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            {
                field: _("The file “%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
                % {"name": name, "size": f"{size / 1024 / 1024:.1f}", "limit": limit // 1024 // 1024}
            }
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    found = sniff(head, name, file)
    if found is not None and found.kind == AttachmentKind.PHOTO and not _image_opens(file, found.content_type):
        raise ValidationError(
            {field: _("The file “%(name)s” is not a valid image: it could not be opened.") % {"name": name}}
        )
    if found is None or (photo_only and found.kind != AttachmentKind.PHOTO):
        allowed = (
            _("JPEG, PNG or WebP photos") if photo_only else _("JPEG, PNG or WebP photos, PDF or office documents")
        )
        raise ValidationError(
            {
                field: _("The file “%(name)s” is not an accepted type (%(allowed)s).")
                % {"name": name, "allowed": allowed}
            }
        )
    return found
