"""Documents state exactly what the system does (issue 19): every official document, rendered from
the context the system builds for a real published record and read back with pdftotext, promises
sharing only with the credit platforms the sharing feed is configured to push to (SHARING_ENDPOINTS),
says masked exactly what the masking rules in force mask, gives the last day the portal really
shows the record, and never says sanctions were lifted — only that the implementing units are
asked to lift them."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.documents.render import DOC_TYPES, render_pdf
from app.documents.service import build_context
from app.org.models import User
from app.rules import service as rules
from tests.test_document_render import DOCUMENTS
from tests.test_publication import published_record
from tests.test_rules import shipped

ALL_PLATFORMS = ("全国信用信息共享平台", "信用中国", "上海诚信网")
ALL_KINDS = "身份证号码、手机号码、固定电话号码、门牌地址和公务员姓名"
# Each document type with the step data it is issued with, plus the outcomes that speak of publication.
VARIANTS = {doc_type: dict(DOCUMENTS[doc_type][0]["data"]) for doc_type in DOC_TYPES}
VARIANTS.update({
    "objection_reply/revoke": {"objection_outcome": "revoke", "reply_reasons": "作为记录依据的行政处罚决定已被撤销。"},
    "objection_reply/correct": {"objection_outcome": "correct", "reply_reasons": "逾期金额计算有误。",
                                "corrected_facts": "累计逾期金额人民币80万元。"},
})


@pytest.fixture(autouse=True)
def _poppler():
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: install poppler-utils (scripts/install-system.sh does)")


@pytest.fixture()
def platforms(app):
    """Configure the sharing feed for one test: `platforms("national", "shanghai")`."""
    saved = app.config["SHARING_ENDPOINTS"]

    def configure(*names: str):
        app.config["SHARING_ENDPOINTS"] = [{"name": n, "url": f"http://127.0.0.1:9/{n}"} for n in names]

    yield configure
    app.config["SHARING_ENDPOINTS"] = saved


def read(case: Case, variant: str, tmp_path) -> str:
    """The document `variant` (a type, or type/outcome) of `case` as the system would issue it today,
    rendered to PDF and read back, spaces, line breaks and page numbers removed."""
    doc_type = variant.split("/")[0]
    context = build_context(case, doc_type, dict(VARIANTS[variant]))
    context.update(number="沪信〔2026〕99号", version=1, issued_on=clock.today(), verification_code="AAAA-BBBB-CCCC",
                   verify_url="http://127.0.0.1:5000/verify/AAAA-BBBB-CCCC", correction_reason=None)
    path = tmp_path / f"{variant.replace('/', '-')}.pdf"
    path.write_bytes(render_pdf(doc_type, context))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))  # page numbers ("— 1 —") fall inside sentences


def publish_masking_rules(xml: str, *, on: date | None = None) -> None:
    designer = db.session.scalar(select(User).where(User.username == "designer"))
    approver = db.session.scalar(select(User).where(User.username == "approver"))
    draft = rules.save_draft(designer, "masking_rules", xml, comment="脱敏规则调整")
    rules.publish(approver, draft.id, effective_from=on or clock.today(), note="脱敏规则调整")


def test_without_a_configured_platform_no_document_promises_sharing(api, platforms, tmp_path):
    platforms()
    case = db.session.get(Case, published_record(api))
    for variant in VARIANTS:
        text = read(case, variant, tmp_path)
        for claim in ("推送", "共享", *ALL_PLATFORMS, "诚信网"):
            assert claim not in text, f"{variant}: {claim!r} promised, but nothing is shared"
    notice = read(case, "notification", tmp_path)
    assert f"公开的内容中，{ALL_KINDS}作脱敏处理" in notice
    assert "在政务失信记录公开查询网站（http://127.0.0.1:5000/public）公开。" in notice


def test_documents_name_exactly_the_configured_platforms(api, platforms, tmp_path):
    platforms("shanghai", "national")
    case = db.session.get(Case, published_record(api))
    named = "全国信用信息共享平台和上海诚信网"  # in the platforms' order, whatever the setting's
    texts = {variant: read(case, variant, tmp_path) for variant in VARIANTS}
    for variant, text in texts.items():
        assert "信用中国" not in text, f"{variant} names a platform nothing is pushed to"
    notice = texts["notification"]
    assert f"公开，并推送至{named}。" in notice
    assert f"公开和推送的内容中，{ALL_KINDS}作脱敏处理。" in notice
    assert "公开期限届满的，自动停止公开，并通知上述平台撤回。" in notice
    assert "经审核准予修复的，停止公开该记录，并通知上述平台撤回。" in notice
    assert f"即日起停止公开，并通知{named}撤回。" in texts["objection_reply/revoke"]
    assert f"按更正后的内容继续公开，并向{named}推送更正后的内容。" in texts["objection_reply/correct"]
    assert f"停止公开该政务失信记录，并通知{named}撤回" in texts["repair_decision"]
    assert f"已停止公开该记录、通知{named}撤回该记录，并删除该政务失信记录" in texts["deletion_notice"]
    for variant in ("warning_notice", "rectification_notice", "supervision_letter", "public_criticism", "case_report"):
        assert "推送" not in texts[variant] and "共享平台" not in texts[variant], variant


def test_the_masking_statement_follows_the_rules_in_force(api, client, platforms, tmp_path):
    """A new version of masking_rules without the landline rows: documents issued from then on, and
    the portal's note, no longer say landlines are masked; the feed masking names only for the
    portal is stated channel by channel."""
    platforms("national")
    case = db.session.get(Case, published_record(api))
    assert f"其中的{ALL_KINDS.replace('和', '、')}已作脱敏处理" in client.get("/public").get_data(as_text=True)
    xml = re.sub(r'\s*<rule id="masking_rules_landline">.*?</rule>', "", shipped("masking_rules"), flags=re.S)
    xml = xml.replace('<inputEntry id="masking_rules_name_i2"><text>"portal", "feed"</text>',
                      '<inputEntry id="masking_rules_name_i2"><text>"portal"</text>')
    xml = xml.replace('<inputEntry id="masking_rules_name_text_i2"><text>"portal", "feed"</text>',
                      '<inputEntry id="masking_rules_name_text_i2"><text>"portal"</text>')
    publish_masking_rules(xml)
    notice = read(case, "notification", tmp_path)
    assert "公开的内容中，身份证号码、手机号码、门牌地址和公务员姓名作脱敏处理。" in notice
    assert "推送的内容中，身份证号码、手机号码和门牌地址作脱敏处理。" in notice
    assert "固定电话号码" not in notice
    note = client.get("/public").get_data(as_text=True)
    assert "其中的身份证号码、手机号码、门牌地址、公务员姓名已作脱敏处理" in note and "固定电话号码" not in note


def test_no_document_says_sanctions_were_lifted_only_that_the_units_are_asked(api, tmp_path):
    case = db.session.get(Case, published_record(api))
    for variant in VARIANTS:
        text = read(case, variant, tmp_path)
        assert "相应解除" not in text and "已解除" not in text and "予以解除" not in text, variant
    for variant in ("repair_decision", "deletion_notice"):
        assert "依据该记录实施的联动惩戒措施，由本单位通知各实施单位解除" in read(case, variant, tmp_path)


def test_the_period_printed_ends_on_the_last_day_the_portal_shows_the_record(api, client, tmp_path):
    """planned_end (2027-04-01) is the first day the record is no longer shown: documents and the
    portal give 2027-03-31, and the portal indeed shows it all that day and not after."""
    case_id = published_record(api)
    case = db.session.get(Case, case_id)
    assert case.publication_end == date(2027, 4, 1)
    assert "公开期限二〇二六年九月十四日至二〇二七年三月三十一日" in read(case, "case_report", tmp_path)
    assert "继续公开至二〇二七年三月三十一日" in read(case, "objection_reply", tmp_path)
    [item] = client.get("/api/v1/public/records").get_json()["items"]
    detail = client.get(f"/public/records/{item['id']}").get_data(as_text=True)
    assert "2026-09-14 — 2027-03-31" in detail
    clock.set(datetime(2027, 3, 31, 23, 59, tzinfo=LOCAL_TZ))
    assert client.get(f"/public/records/{item['id']}").status_code == 200
    clock.set(datetime(2027, 4, 1, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert client.get(f"/public/records/{item['id']}").status_code == 404
