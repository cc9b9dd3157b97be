"""The certificate as a PDF: the type's template filled in, a Chinese font embedded (a subset of WenQuanYi
Micro Hei), and a QR code holding the verification link with the signed payload. The payload and the content
also travel in the PDF's metadata, so that `cunwu certificates verify FILE.pdf` checks a file offline."""

from __future__ import annotations

import io
import json
from pathlib import Path

import qrcode
from django.utils import timezone

from .models import Certificate

FONT = "CunwuHei"
FONT_FILES = [Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
              Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")]
CONTENT_KEY = "cunwu-content:"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    path = next((p for p in FONT_FILES if p.exists()), None)
    if path is None:
        raise RuntimeError("A Chinese TrueType font is missing: install fonts-wqy-microhei (scripts/system-deps.sh).")
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))


def qr_matrix(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        if stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def render(certificate: Certificate, verify_url: str, short_url: str) -> bytes:
    """The certificate on A4: the QR code holds the signed payload (checkable even offline), and the short address
    by serial is printed for those who type it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    _register_font()
    kind = certificate.type
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(f"{kind.name} {certificate.serial}")
    page.setAuthor(f"{certificate.village.name}村民委员会")
    page.setSubject(certificate.token)
    page.setKeywords(CONTENT_KEY + json.dumps(certificate.content, ensure_ascii=False, sort_keys=True))
    page.setCreator("cunwu")
    width, height = A4
    left, y = 25 * mm, height - 35 * mm
    page.setFont(FONT, 22)
    page.drawCentredString(width / 2, y, "证  明")
    page.setFont(FONT, 13)
    y -= 12 * mm
    page.drawCentredString(width / 2, y, kind.name)
    y -= 16 * mm
    page.setFont(FONT, 12)
    page.drawString(left, y, "兹证明：")
    for name, label in kind.fields:
        y -= 9 * mm
        page.drawString(left + 8 * mm, y, f"{label}：{certificate.content.get(name, '')}")
    if certificate.request.purpose:
        y -= 12 * mm
        page.drawString(left, y, f"用途：{certificate.request.purpose}")
    y -= 12 * mm
    page.setFont(FONT, 9)
    page.drawString(left, y, f"出具依据：{kind.legal_basis}"[:80])
    issued = timezone.localtime(certificate.issued_at)
    page.setFont(FONT, 12)
    y = 95 * mm
    page.drawRightString(width - 25 * mm, y, f"{certificate.village.name}村民委员会")
    page.drawRightString(width - 25 * mm, y - 8 * mm, f"{issued:%Y年%m月%d日}")
    page.setFont(FONT, 10)
    page.drawString(left, 60 * mm, f"有效期至：{certificate.valid_until:%Y年%m月%d日}")
    page.drawString(left, 53 * mm, f"编号：{certificate.shown_serial}")
    page.drawString(left, 46 * mm, "扫描右侧二维码或访问以下网址核验真伪：")
    line_y = 40 * mm
    for line in _wrap(short_url, FONT, 10, width - 2 * 25 * mm - 45 * mm - 6 * mm):
        page.drawString(left, line_y, line)
        line_y -= 5 * mm
    matrix = qr_matrix(verify_url)
    size = 45 * mm
    cell = size / len(matrix)
    x0, y0 = width - 25 * mm - size, 25 * mm
    page.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                page.rect(x0 + c * cell, y0 + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)
    page.setFont(FONT, 8)
    page.drawCentredString(x0 + size / 2, y0 - 5 * mm, "扫码核验")
    page.showPage()
    page.save()
    return out.getvalue()


def read(data: bytes) -> tuple[str, dict, str]:
    """The payload, the content and the visible text of a certificate PDF (ValueError if it is not one)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        meta = reader.metadata or {}
        token = str(meta.get("/Subject", "") or "")
        keywords = str(meta.get("/Keywords", "") or "")
        text = "".join(p.extract_text() or "" for p in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValueError("not a readable certificate PDF") from exc
    if not token or not keywords.startswith(CONTENT_KEY):
        raise ValueError("not a certificate PDF")
    try:
        content = json.loads(keywords[len(CONTENT_KEY):])
    except ValueError as exc:
        raise ValueError("not a certificate PDF") from exc
    return token, content, text
