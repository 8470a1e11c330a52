"""Official documents (文书) render as A4 PDFs that read like Chinese official documents: every type
carries its number, addressee, operative words and the date in Chinese; the CJK font is embedded
and draws real glyphs (not boxes); corrections state their reason; long reports run over pages
with page numbers. Checked with poppler (pdftotext, pdffonts, pdftoppm), as a reader would."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from app.documents.render import (
    DOC_TYPES,
    chinese_date,
    html_to_pdf,
    qr_svg,
    render_html,
    render_pdf,
    render_pdf_with_pages,
)


@pytest.fixture(autouse=True)
def _poppler():
    """The PDFs are read back with poppler: without it these tests fail, naming what is missing."""
    missing = [tool for tool in ("pdftotext", "pdffonts", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install poppler-utils (scripts/install-system.sh does)")

ISSUED_ON = date(2026, 11, 26)
CASE = {
    "number": "XY-2026-000137", "title": "市财政局政府采购项目逾期支付中小企业款项",
    "subject": "上海市财政局", "tier_label": "一般", "source_label": "行政处罚",
    "document_number": "沪审罚〔2026〕8号", "key_area": "政府采购", "status_label": "公开中",
    "facts": "2026年3月至6月，市财政局在“市级机关办公设备集中采购”项目中，未按合同约定在验收合格后"
             "30日内向3家中小企业支付货款，累计逾期金额人民币86.4万元，最长逾期97天。\n"
             "经市审计局审计发现并作出行政处罚决定，相关款项已于2026年7月15日全部支付。",
    "publication_start": date(2026, 12, 4), "publication_end": date(2027, 12, 3),
    "repairable_from": date(2027, 3, 4), "due_on": None, "process_name": "政务失信记录",
}


def _context(doc_type: str, data: dict, **extra) -> dict:
    return {
        "doc_type": doc_type, "title": DOC_TYPES[doc_type], "number": "沪信〔2026〕15号", "version": 1,
        "correction_reason": None, "issuer": "上海市公共信用信息服务中心", "issued_on": ISSUED_ON,
        "addressee": "市财政局", "case": dict(CASE), "data": data, "deadline": None,
        "verification_code": "7KQ2-M9XF-3C8D", "verify_url": "https://chengxin.sh.gov.cn/verify/7KQ2-M9XF-3C8D",
        "timeline": [], **extra,
    }


# doc type -> (context, words a reader must find in the PDF text)
DOCUMENTS = {
    "notification": (
        _context("notification", {}, deadline=date(2026, 12, 3)),
        ["政务失信记录告知书", "沪府发〔2017〕92号", "上海市社会信用条例", "一般", "二〇二六年十二月三日",
         "沪审罚〔2026〕8号", "信用修复", "特此告知"]),
    "objection_reply": (
        _context("objection_reply", {
            "objection_grounds": "逾期支付系因供应商未及时提供合规发票所致，非我局主观故意。",
            "objection_outcome": "uphold", "objection_outcome_label": "维持原记录",
            "reply_reasons": "经核查，合同约定付款期限自验收合格之日起算，与发票提供时间无关；供应商已于验收当日提交发票。"}),
        # publication_end is the first day no longer shown: the record is shown until the day before
        ["异议处理结果告知书", "维持原记录", "合规发票", "继续公开至二〇二七年十二月二日", "行政复议", "行政诉讼"]),
    "repair_decision": (
        _context("repair_decision", {
            "repair_decision": "grant", "repair_decision_label": "准予信用修复",
            "repair_reasons": "逾期款项及违约金已全部支付，已建立合同付款台账和到期提醒制度，并提交信用承诺书。"}),
        ["信用修复决定书", "准予信用修复", "停止公开", "特此决定"]),
    "warning_notice": (
        _context("warning_notice", {"warning_reason": "2026年第三季度，12345市民服务热线涉及你单位政府采购付款的投诉共计27件，"
                                                      "较上季度上升170%，问题相对集中。"},
                 deadline=date(2026, 12, 3), case={**CASE, "title": "政府采购付款投诉集中预警", "tier_label": None}),
        ["政务诚信预警通知书", "书面说明原因", "二〇二六年十二月三日", "12345", "特此通知"]),
    "rectification_notice": (
        _context("rectification_notice", {
            "measures": "一是对在途采购合同逐项清理，建立付款台账；\n二是将付款时限纳入内控系统自动提醒；\n三是开展政府采购合同管理专题培训。",
            "responsible_person": "王建华（市财政局政府采购处处长）", "rectification_deadline": "2027-01-15"}),
        ["整改通知书", "付款台账", "王建华", "二〇二七年一月十五日", "整改进展"]),
    "supervision_letter": (
        _context("supervision_letter", {"overdue_task": "提交整改方案", "supervision_reason": "整改方案应于2026年11月20日前报送，至今未报。"},
                 deadline=date(2026, 12, 1)),
        ["督办函", "提交整改方案", "二〇二六年十二月一日", "通报批评", "记入政务失信记录", "特此函告"]),
    "public_criticism": (
        _context("public_criticism", {"facts": "市财政局在政务诚信预警中书面表示不予整改。", "tier": "serious",
                                      "tier_label": "严重", "honours_months": 12, "cause_label": "中书面表示不予整改"},
                 deadline=date(2026, 12, 24)),
        ["通报批评", "书面表示不予整改", "失信程度：严重", "追究主要负责人的责任", "二〇二六年十二月二十四日",
         "12个月", "荣誉评选的资格", "特此通报"]),
    "deletion_notice": (
        _context("deletion_notice", {
            "revoking_authority": "administrative_review", "revoking_authority_label": "行政复议机关（复议决定）",
            "revocation_document_number": "沪府复决〔2026〕41号", "revoked_on": "2026-11-20",
            "revocation_reason": "原处罚决定认定事实不清、证据不足。", "deletion_note": "已停止公开并删除。"}),
        ["政务失信记录删除告知书", "沪审罚〔2026〕8号", "行政复议机关", "沪府复决〔2026〕41号", "二〇二六年十一月二十日",
         "认定事实不清", "第三十七条", "三个工作日内删除", "特此告知"]),
    "case_report": (
        _context("case_report", {}, timeline=[
            {"at": "2026-09-14 09:00", "actor": "李明", "summary": "登记政务失信记录"},
            {"at": "2026-09-15 10:30", "actor": "陈静", "summary": "审核通过，出具告知书"}]),
        ["案件办理情况报告", "XY-2026-000137", "案件基本情况", "办理过程", "登记政务失信记录", "特此报告"]),
}


def _pdftotext(pdf: bytes, tmp_path, name: str = "doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    """Text without the spaces and line breaks -layout puts between characters and lines."""
    return re.sub(r"\s+", "", text)


def _page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_every_type_renders_a_pdf_with_its_number_addressee_decision_and_chinese_date(app, doc_type, tmp_path):
    context, words = DOCUMENTS[doc_type]
    with app.app_context():
        pdf = render_pdf(doc_type, context)
    assert pdf.startswith(b"%PDF-")
    text = _flat(_pdftotext(pdf, tmp_path))
    for expected in ["沪信〔2026〕15号", "市财政局：", "二〇二六年十一月二十六日", "上海市公共信用信息服务中心",
                     "7KQ2-M9XF-3C8D", *words]:
        assert _flat(expected) in text, f"{doc_type}: {expected!r} missing"
    assert "更正说明" not in text and "版，更正）" not in text  # an original carries no correction marks


@pytest.mark.parametrize("doc_type, data, words", [
    ("objection_reply", {"objection_outcome": "revoke", "objection_outcome_label": "撤销记录",
                         "reply_reasons": "作为记录依据的行政处罚决定已被行政复议机关撤销。"},
     ["撤销记录", "即日起停止公开"]),
    ("objection_reply", {"objection_outcome": "correct", "objection_outcome_label": "更正记录",
                         "reply_reasons": "经核实，逾期金额计算有误。", "corrected_facts": "累计逾期金额人民币80万元。"},
     ["更正记录", "更正后的失信事实：累计逾期金额人民币80万元。"]),
    ("repair_decision", {"repair_decision": "refuse", "repair_decision_label": "不予信用修复",
                         "repair_reasons": "未提供违约金支付凭证。"},
     ["不予信用修复", "未提供违约金支付凭证", "重新提出信用修复申请", "行政复议"]),
])
def test_each_outcome_has_its_own_consequences(app, doc_type, data, words, tmp_path):
    with app.app_context():
        text = _flat(_pdftotext(render_pdf(doc_type, _context(doc_type, data)), tmp_path))
    for expected in words:
        assert expected in text, expected
    if doc_type == "repair_decision":
        assert ("停止公开" in text) is (data.get("repair_decision") == "grant")


def test_the_cjk_font_is_embedded(app, tmp_path):
    with app.app_context():
        pdf = render_pdf("notification", DOCUMENTS["notification"][0])
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]  # after the header and the dashes
    cjk = [r for r in rows if re.search(r"CJK|Noto|WenQuanYi", r, re.IGNORECASE)]
    assert cjk, listing
    # columns: name, type, encoding, emb, sub, uni, object ID (two numbers): "emb" is 5th from the end
    assert any(r.split()[-5] == "yes" for r in cjk), listing


def _raster(pdf: bytes, tmp_path, name: str) -> bytes:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / name)], check=True)
    (image,) = tmp_path.glob(f"{name}-*.pgm")
    return image.read_bytes()


def test_glyphs_are_drawn_not_tofu_boxes(app, tmp_path):
    """pdftotext reads Chinese even when a missing font draws boxes; boxes for 甲 and 乙 would be the
    same bitmap, real glyphs differ."""
    page = ('<html lang="zh-CN"><body><p style="font-size:120pt;text-indent:0">{}</p></body></html>')
    with app.app_context():
        first = _raster(html_to_pdf(page.format("甲")), tmp_path, "jia")
        second = _raster(html_to_pdf(page.format("乙")), tmp_path, "yi")
        blank = _raster(html_to_pdf(page.format("")), tmp_path, "blank")
    assert first != second
    assert first != blank and second != blank  # something was drawn at all


def test_a_real_page_rasterizes(app, tmp_path):
    with app.app_context():
        pdf = render_pdf("objection_reply", DOCUMENTS["objection_reply"][0])
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page-*.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000


@pytest.mark.parametrize("day, text", [
    (date(2026, 11, 26), "二〇二六年十一月二十六日"),
    (date(2020, 10, 10), "二〇二〇年十月十日"),
    (date(2027, 1, 31), "二〇二七年一月三十一日"),
    (date(2026, 12, 20), "二〇二六年十二月二十日"),
    (date(2009, 2, 1), "二〇〇九年二月一日"),
    (date(2026, 3, 15), "二〇二六年三月十五日"),
])
def test_chinese_date(day, text):
    assert chinese_date(day) == text


def test_a_correction_states_its_reason_and_version(app, tmp_path):
    context = dict(DOCUMENTS["notification"][0], version=2,
                   correction_reason="原告知书所载逾期金额“84.6万元”有误，应为“86.4万元”。")
    with app.app_context():
        text = _flat(_pdftotext(render_pdf("notification", context), tmp_path))
    assert "更正说明：原告知书所载逾期金额“84.6万元”有误，应为“86.4万元”。" in text
    assert "沪信〔2026〕15号（第2版，更正）" in text


def long_report_context(steps: int = 60) -> dict:
    """A case report whose timeline (60 steps) runs over several pages."""
    names = ["登记政务失信记录", "提交审核", "审核通过", "出具政务失信记录告知书", "提出异议", "异议标注",
             "异议审查：维持原记录", "出具异议处理结果告知书", "决定公开", "申请信用修复"]
    timeline = [{"at": f"2026-{9 + i // 28:02d}-{1 + i % 28:02d} 09:{i % 60:02d}", "actor": "陈静" if i % 2 else "李明",
                 "summary": f"{names[i % len(names)]}（第{i + 1}项办理记录，附审核意见及相关材料说明）"}
                for i in range(steps)]
    return _context("case_report", {}, timeline=timeline)


def test_a_long_case_report_runs_over_pages_with_page_numbers(app, tmp_path):
    with app.app_context():
        pdf, counted = render_pdf_with_pages("case_report", long_report_context())
    pages = _page_count(pdf, tmp_path)
    assert pages >= 2 and counted == pages
    text = _pdftotext(pdf, tmp_path)
    for n, page in enumerate(text.split("\f")[:pages], start=1):
        assert f"—{n}—" in _flat(page), f"page {n} has no page number"
    assert "第60项办理记录" in _flat(text)


def test_missing_optional_fields_do_not_break_any_type(app, tmp_path):
    bare = {"number": "沪信〔2026〕1号", "issuer": "上海市公共信用信息服务中心", "issued_on": ISSUED_ON, "addressee": "市水务局"}
    with app.app_context():
        for doc_type in DOC_TYPES:
            text = _flat(_pdftotext(render_pdf(doc_type, bare), tmp_path, doc_type))
            assert DOC_TYPES[doc_type] in text and "市水务局：" in text


def test_user_text_is_escaped_and_the_qr_code_is_inline_svg(app):
    context = _context("notification", {})
    context["case"]["facts"] = "<script>alert(1)</script>"
    with app.app_context():
        html = render_html("notification", context)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert qr_svg("https://chengxin.sh.gov.cn/verify/7KQ2-M9XF-3C8D").startswith("<svg") and '<svg viewBox="0 0' in html
