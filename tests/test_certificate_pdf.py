"""The certificate PDF: Chinese text drawn with an embedded font, a QR code that decodes to a verification link
whose payload verifies, and offline checks that fail on an altered or foreign file."""

import datetime as dt
import io
import json
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from cunwu.certificates import keys, offline, pdf, services

from .helpers import VILLAGE_A1
from .test_certificates import issued, village  # noqa: F401 - the fixture

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "certificates"
URL = "http://127.0.0.1:8000/certificates/v/"
SHORT = "http://127.0.0.1:8000/v/"


def render_png(data: bytes, name: str):
    image = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / name)
    return image


def test_the_pdf_shows_chinese_text_and_a_qr_that_verifies(village):  # noqa: F811
    certificate = issued(village)
    short = f"http://127.0.0.1:8000/v/{certificate.shown_serial}"
    data = pdf.render(certificate, URL + certificate.token, short)
    reader = PdfReader(io.BytesIO(data))
    fonts = [str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("+" in f for f in fonts), f"a subset of the font is embedded: {fonts}"
    text = reader.pages[0].extract_text()
    assert "党员在居住地表现情况反馈" in text and "遵纪守法" in text and "村民委员会" in text
    # The serial in four groups of Crockford base32, and an address short enough to type (one line).
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", certificate.shown_serial)
    assert certificate.shown_serial in text and short in text and len(short) < 60
    image = render_png(data, "certificate-party-residence.png")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1 and found[0].text == URL + certificate.token
    today = timezone.localdate()
    public = offline.keys_from_json(json.dumps({"keys": keys.published(VILLAGE_A1[:6])}))
    assert offline.check_payload(found[0].text, public, today).reason == "valid"
    assert offline.check_pdf(data, public, today).reason == "valid"
    assert services.verify(offline.payload_of(found[0].text)).status == "valid"


def test_an_altered_pdf_fails_offline(village):  # noqa: F811
    certificate = issued(village)
    data = pdf.render(certificate, URL + certificate.token, SHORT + certificate.shown_serial)
    public = keys.public_keys()
    today = timezone.localdate()
    # The content in the metadata changed (a different name)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    meta = dict(writer.metadata or {})
    meta["/Keywords"] = meta["/Keywords"].replace("遵纪守法", "表现优秀")
    writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    assert offline.check_pdf(out.getvalue(), public, today).reason == "content_altered"
    # The payload swapped for another certificate's: its content is not this one's
    other = issued(village, conduct="表现一般")
    meta["/Keywords"] = pdf.CONTENT_KEY + json.dumps(certificate.content, ensure_ascii=False, sort_keys=True)
    meta["/Subject"] = other.token
    writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    assert offline.check_pdf(out.getvalue(), public, today).reason == "content_altered"
    # Garbage
    assert offline.check_pdf(b"%PDF-1.4 nonsense", public, today).reason == "not_a_certificate"
    # Expired
    later = certificate.valid_until + dt.timedelta(days=1)
    assert offline.check_pdf(data, public, later).reason == "expired"
    # Signed by a key the office does not have
    assert offline.check_pdf(data, {}, today).reason == "unknown_key"


@pytest.mark.parametrize("how", ["pdf", "payload", "link"])
def test_the_command_verifies_offline(village, tmp_path, how):  # noqa: F811
    from django.core.management import CommandError

    from .conftest import run

    certificate = issued(village)
    target = {"pdf": tmp_path / "c.pdf", "payload": certificate.token, "link": URL + certificate.token}[how]
    if how == "pdf":
        target.write_bytes(pdf.render(certificate, URL + certificate.token, SHORT + certificate.shown_serial))
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(run("certificates", "keys"), encoding="utf-8")
    assert "VALID" in run("certificates", "verify", str(target), "--keys", str(keys_file))
    bad = certificate.token[:-3] + ("AAA" if certificate.token[-3:] != "AAA" else "BBB")
    with pytest.raises(CommandError, match="NOT VALID"):
        run("certificates", "verify", bad, "--keys", str(keys_file))
