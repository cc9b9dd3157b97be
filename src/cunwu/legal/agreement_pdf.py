"""The people's mediation agreement (人民调解协议书) as a PDF, laid out as the justice ministry's model text:
the parties with their particulars, the facts and matters in dispute, responsibilities, the terms with how and by
when each is performed, the effect clause, and the signature block showing who has signed and when. Text flows
over as many pages as it needs (ReportLab platypus, CJK line breaking, the Chinese font the certificates use)."""

from __future__ import annotations

import io
from datetime import date

from django.utils import timezone

from cunwu.accounts import personal_data
from cunwu.certificates.pdf import FONT, _register_font

from .models import Agreement, MediationCase, Side

EFFECT = ("本协议经双方当事人签名（或按指印）、人民调解员签名并加盖人民调解委员会印章后生效。本协议一式{copies}份，"
          "双方当事人、人民调解委员会各执一份。经人民调解达成的调解协议具有法律约束力，当事人应当按照约定履行。"
          "双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。")


def _styles():
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4),
        "number": ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_CENTER, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=14),
    }


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def _party_line(party) -> str:
    if party.kind == "organisation":
        parts = [party.name, f"法定代表人（负责人）{party.representative}"]
    else:
        sex = {"F": "女", "M": "男"}.get(party.sex, "")
        born = f"{party.birth_date:%Y年%m月%d日}生" if party.birth_date else ""
        parts = [party.name, sex, party.ethnicity, born, party.occupation]
    phone = party.phone()
    if phone:
        parts.append(f"电话{personal_data.mask_phone(phone)}")
    address = party.address()
    if address:
        parts.append(f"{'住所' if party.kind == 'organisation' else '住'}{address}")
    line = "，".join(p for p in parts if p)
    if party.agent:
        line += f"。委托代理人：{party.agent}"
    return line


def _signed(moment) -> str:
    return f"已签名 {timezone.localtime(moment):%Y年%m月%d日}" if moment else "（未签）"


def render(case: MediationCase, agreement: Agreement) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    s = _styles()
    parties = list(case.parties.all())
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"人民调解协议书 {case.number}",
                            author=case.committee.name, creator="cunwu", invariant=1)
    story = [Paragraph("人民调解协议书", s["title"]), Paragraph(f"编号：{case.number}", s["number"])]
    for side, label in ((Side.APPLICANT, "当事人（申请人）"), (Side.RESPONDENT, "当事人（被申请人）")):
        for party in (p for p in parties if p.side == side):
            story.append(Paragraph(f"{label}：{_escape(_party_line(party))}", s["body"]))
    sections = [("纠纷主要事实", agreement.facts), ("争议事项", agreement.matters),
                ("经调解，双方当事人自愿达成如下协议（各方责任）", agreement.responsibilities)]
    for heading, text in sections:
        story += [Paragraph(heading + "：", s["heading"]), Paragraph(_escape(text), s["body"])]
    story.append(Paragraph("履行方式和时限：", s["heading"]))
    rows = [[Paragraph("序号", s["small"]), Paragraph("协议内容", s["small"]), Paragraph("履行方式", s["small"]),
             Paragraph("履行期限", s["small"])]]
    for i, term in enumerate(agreement.terms, 1):
        by = date.fromisoformat(term["by"])
        rows.append([Paragraph(str(i), s["small"]), Paragraph(_escape(term["text"]), s["small"]),
                     Paragraph(_escape(term["how"]), s["small"]), Paragraph(f"{by:%Y年%m月%d日}前", s["small"])])
    table = Table(rows, colWidths=[12 * mm, 80 * mm, 40 * mm, 32 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm), Paragraph(_escape(EFFECT.format(copies=len(parties) + 1)), s["body"]),
              Spacer(1, 8 * mm)]
    signatures = [[Paragraph(f"当事人：{_escape(p.name)}", s["body"]),
                   Paragraph(_signed(p.signed_at) + ("（按指印）" if p.signed_how == "fingerprint" else ""),
                             s["body"])] for p in parties]
    mediator = agreement.mediator_signed_by
    signatures.append([Paragraph(f"人民调解员：{_escape(mediator.full_name if mediator else '')}", s["body"]),
                       Paragraph(_signed(agreement.mediator_signed_at), s["body"])])
    signatures.append([Paragraph(f"{_escape(case.committee.name)}（印章）", s["body"]),
                       Paragraph(f"已盖章 {timezone.localtime(agreement.sealed_at):%Y年%m月%d日}"
                                 if agreement.sealed_at else "（未盖章）", s["body"])])
    story.append(Table(signatures, colWidths=[95 * mm, 69 * mm]))
    state = "本协议已生效。" if agreement.effective_at else "本协议尚未生效：须全部当事人、调解员签名并盖章。"
    story += [Spacer(1, 6 * mm), Paragraph(state, s["small"])]
    doc.build(story)
    return out.getvalue()
