"""Uploaded files, shared by every app that takes them (a case's attachments, a legal file's scans).

- Only photos (JPEG, PNG, WebP) and PDF scans, recognised by their content, within a size limit per file and a
  count limit per case or file.
- A photo is decoded and written again: whatever was hidden in it (a script appended after the image, EXIF with
  the place it was taken, thumbnails) is dropped; a file that does not decode as an image is refused.
- A PDF that carries active content (JavaScript, an action run on opening, launching a program, embedded files,
  rich media, XFA forms) is refused.
- A file is written inside the action's transaction; if the action rolls back (or the process dies), the file is
  left without a row, and the hourly sweep removes such files (`sweep_orphans`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from cunwu.text import printable

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a scan
PILLOW_LIMIT = 40_000_000  # Pillow's own guard for every decode in the process (a constant, never lowered)
ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
                   "/XFA"}
ACTIVE_PDF_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/Sound", "/Movie"}


@dataclass
class Upload:
    name: str
    content: bytes
    material: str = ""


def _cfg(name: str):
    return settings.CUNWU[name]


def reencode_image(content: bytes, mime: str) -> bytes | None:
    """The photo decoded and written again without metadata; None when it does not decode."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = PILLOW_LIMIT
    try:
        with Image.open(io.BytesIO(content)) as opened:
            if opened.width * opened.height > MAX_PIXELS:  # refused before decoding (Pillow only warns below 2x)
                return None
            opened.load()
            image = ImageOps.exif_transpose(opened)  # keep the way it was meant to be seen, then drop the EXIF
            fmt = IMAGE_FORMATS[mime]
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}))
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def pdf_active_content(content: bytes) -> str | None:
    """What makes a PDF active (the first found), or None; a PDF that cannot be read counts as active."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        stack = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        budget = 200_000
        while stack and budget:
            budget -= 1
            item = stack.pop()
            if isinstance(item, IndirectObject):
                ref = (item.idnum, item.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if key in ACTIVE_PDF_KEYS:
                        return str(key)
                    if key == "/S" and isinstance(value, NameObject) and value in ACTIVE_PDF_ACTIONS:
                        return str(value)
                    if key != "/Parent":
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
        return None if budget else "too many objects"
    except Exception as exc:  # noqa: BLE001 - an unreadable PDF is not stored
        return type(exc).__name__


def file_name(upload: Upload) -> str:
    """The name the file came with, as shown and stored: printable characters only, at most 200."""
    return printable(upload.name or "")[-200:] or "file"


def check_uploads(files: list[Upload], already: int = 0) -> list[tuple[Upload, str]]:
    """Each file checked (and a photo re-encoded), with its sniffed type; or a ValidationError naming every
    refused file. Nothing is written here."""
    allowed = set(_cfg("ATTACHMENT_TYPES"))
    limit = _cfg("ATTACHMENT_MAX_BYTES")
    problems: list[str] = []
    if already + len(files) > _cfg("ATTACHMENT_MAX_COUNT"):
        problems.append(_("A case holds at most %(n)s files.") % {"n": _cfg("ATTACHMENT_MAX_COUNT")})
    checked = []
    for upload in files:
        name = file_name(upload)
        if len(upload.content) > limit:
            problems.append(_("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)})
            continue
        if not upload.content:
            problems.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        kind = filetype.guess(upload.content)
        mime = kind.mime if kind else ""
        if mime not in allowed:
            problems.append(_("“%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF scan.") % {"name": name})
            continue
        if mime in IMAGE_FORMATS:
            clean = reencode_image(upload.content, mime)
            if clean is None:
                problems.append(_("“%(name)s” cannot be read as a photo.") % {"name": name})
                continue
            upload = Upload(upload.name, clean, upload.material)
        elif mime == "application/pdf" and pdf_active_content(upload.content):
            problems.append(_("“%(name)s” is a PDF with active content (scripts, actions or embedded files); "
                              "scan or print it to a plain PDF.") % {"name": name})
            continue
        checked.append((upload, mime))
    if problems:
        raise ValidationError({"files": problems})
    return checked


def save_upload(stored, prefix: str, upload: Upload, mime: str, user):
    """Fill and save a stored file of any kind from a checked upload: its name, type, size and hash, and the
    content under a name that does not reveal the original."""
    stored.name, stored.content_type = file_name(upload), mime
    stored.size, stored.sha256 = len(upload.content), hashlib.sha256(upload.content).hexdigest()
    stored.uploaded_by = user
    stored.file.save(f"{prefix}-{stored.sha256[:12]}.{EXTENSIONS[mime]}", ContentFile(upload.content), save=False)
    stored.save()
    return stored


def sweep_orphans(older_than: dt.timedelta = dt.timedelta(hours=1), now: float | None = None) -> int:
    """Remove the stored files no row names (a rolled-back action's, a dead process's), once they are older than
    `older_than` (an action still running keeps its own). Returns how many were removed."""
    from django.apps import apps

    root = settings.MEDIA_ROOT
    moment = now or time.time()
    cutoff = moment - older_than.total_seconds()
    from django.utils import timezone

    this_month = dt.datetime.fromtimestamp(moment, tz=timezone.get_current_timezone())  # as upload_to names them
    months = {this_month.strftime("%Y/%m"), (this_month.replace(day=1) - dt.timedelta(days=1)).strftime("%Y/%m")}
    removed = 0
    for folder, label in (("cases", "cases.Attachment"), ("legal", "legal.Scan")):
        for month in months:  # files are stored under the month they came in: only recent ones can be orphans
            base = os.path.join(root, folder, *month.split("/"))
            if not os.path.isdir(base):
                continue
            names = {f"{folder}/{month}/{n}" for n in os.listdir(base)}
            known = set(apps.get_model(label).objects.filter(file__in=names).values_list("file", flat=True))
            for relative in names - known:
                path = os.path.join(root, *relative.split("/"))
                if os.path.isfile(path) and os.path.getmtime(path) < cutoff:
                    os.remove(path)
                    removed += 1
    return removed
