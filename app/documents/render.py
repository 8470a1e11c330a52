"""Rendering official documents (文书) as HTML and PDF, laid out roughly as GB/T 9704 党政机关公文格式:
red masthead (发文机关标志), document number, red rule, title, addressee, body, signature and date
over a seal area, a verification block with a QR code, and page numbers "— 1 —".

The templates live in app/templates/documents/ (one per type, all extending _document.html) and the
style in one file, document.css. Rendering uses the app's Jinja environment rather than
`flask.render_template`: a document must come out the same whoever (or whatever — a timer, the CLI)
issues it, so the request-bound context processors (current user, locale, warnings) are kept out —
they also fail outside a request. A FontConfiguration and the parsed stylesheet are kept for the
process (the fonts per thread): re-parsing the stylesheet per document is wasted work.

Without a CJK font weasyprint still writes a PDF, every character a box; documents are immutable,
so such a PDF would stay wrong. `fonts.require_cjk_font` refuses first: issuing calls it before a
document exists, rendering before every PDF.

weasyprint itself is imported by the functions that make a PDF (see `_to_pdf`), so importing this
module (document types, HTML) costs nothing.
"""
from __future__ import annotations

import threading
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from flask import current_app
from markupsafe import Markup

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

from app.core.i18n import N_
from app.documents.fonts import require_cjk_font

DOC_TYPES: dict[str, str] = {
    "notification": N_("政务失信记录告知书"),
    "objection_reply": N_("异议处理结果告知书"),
    "repair_decision": N_("信用修复决定书"),
    "warning_notice": N_("政务诚信预警通知书"),
    "rectification_notice": N_("整改通知书"),
    "supervision_letter": N_("督办函"),
    "public_criticism": N_("通报批评"),
    "case_report": N_("案件办理情况报告"),
    "deletion_notice": N_("政务失信记录删除告知书"),
}

_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    """1–31 as written in dates: 十, 十一, 二十, 二十六, 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + ("" if ones == 0 else _DIGITS[ones])


def chinese_date(d: date) -> str:
    """date(2026, 11, 26) -> "二〇二六年十一月二十六日" (成文日期 written in Chinese numerals)."""
    year = "".join(_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_small_number(d.month)}月{_small_number(d.day)}日"


def qr_svg(url: str) -> str:
    """Inline SVG of a QR code for the verification URL; sized by CSS (`svg.qr`)."""
    return segno.make(url, micro=False, error="m").svg_inline(omitsize=True, border=2, svgclass="qr",
                                                               lineclass=None, dark="#000")


def _date_text(value) -> str:
    """A date for the body text: date/datetime objects and ISO strings (a stored context read back
    from JSON) in Chinese; any other string as it was given; None as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return chinese_date(value)
    try:
        return chinese_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


_OPENING_BRACKETS = ("（", "(", "〔", "[", "［", "【")


def in_brackets(text, *more) -> str:
    """A reference in parentheses after what it refers to: "（沪财监〔2026〕17号，二〇二六年…作出）".
    A court's case number opens with its own bracket ("（2026）沪01民终123号"): it then follows
    without ours — never "（（2026）…" — and only the rest (`more`, joined by "，") is bracketed.
    Empty parts are left out; "" when nothing is left."""
    text = "" if text is None else str(text)
    rest = "，".join(str(m) for m in more if m)
    if text.startswith(_OPENING_BRACKETS):
        return text + (f"（{rest}）" if rest else "")
    inside = "，".join(p for p in (text, rest) if p)
    return f"（{inside}）" if inside else ""


def _template_values(doc_type: str, context: dict, *, inline_css: bool) -> dict:
    if doc_type not in DOC_TYPES:
        raise ValueError(f"unknown document type: {doc_type!r}")
    verify_url = context.get("verify_url")
    return {
        **context,
        "doc_type": doc_type,
        "title": context.get("title") or DOC_TYPES[doc_type],
        "case": context.get("case") or {},
        "data": context.get("data") or {},
        "timeline": context.get("timeline") or [],
        "cn_date": _date_text,
        "in_brackets": in_brackets,
        "qr": Markup(qr_svg(verify_url)) if verify_url else None,
        "inline_css": inline_css,
    }


def _render(doc_type: str, context: dict, *, inline_css: bool) -> str:
    template = current_app.jinja_env.get_template(f"documents/{doc_type}.html")
    return template.render(_template_values(doc_type, context, inline_css=inline_css))


def render_html(doc_type: str, context: dict) -> str:
    """The document as a standalone HTML page (style inlined), e.g. for a preview."""
    return _render(doc_type, context, inline_css=True)


_local = threading.local()


def _fonts() -> FontConfiguration:
    """One FontConfiguration per thread, reused: Pango's font map is not safe to share between
    threads, and within one the fonts already looked up stay cached."""
    from weasyprint.text.fonts import FontConfiguration  # lazy: see _to_pdf

    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


@cache
def _stylesheet(path: str, mtime: float) -> CSS:
    from weasyprint import CSS  # lazy: see _to_pdf

    return CSS(filename=path)  # parsed once (per edit of the file); it has no @font-face


def _css_path() -> Path:
    return Path(current_app.root_path) / "templates" / "documents" / "document.css"


def _to_pdf(html: str) -> tuple[bytes, int]:
    # weasyprint (Pango and cairo through cffi, ~0.5 s to import) loads with the first PDF, not
    # with every app, CLI command and worker that never renders one.
    from weasyprint import HTML

    require_cjk_font()
    path = _css_path()
    stylesheet = _stylesheet(str(path), path.stat().st_mtime)
    document = HTML(string=html).render(stylesheets=[stylesheet], font_config=_fonts())
    return document.write_pdf(), len(document.pages)


def html_to_pdf(html: str) -> bytes:
    """Any HTML to PDF through the documents' stylesheet and fonts (the tests use it to check
    that real glyphs, not boxes, are drawn)."""
    return _to_pdf(html)[0]


def render_pdf_with_pages(doc_type: str, context: dict) -> tuple[bytes, int]:
    """The PDF and its page count. The PDF's objects are compressed, so the count cannot be read
    back from the bytes by searching for "/Type /Page"."""
    return _to_pdf(_render(doc_type, context, inline_css=False))


def render_pdf(doc_type: str, context: dict) -> bytes:
    """The document as an A4 PDF. Needs an app context (templates), not a request."""
    return render_pdf_with_pages(doc_type, context)[0]
