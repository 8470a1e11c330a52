"""Official documents issued by the processes: numbered without gaps, archived with their hash,
immutable, listed on the case, downloadable in scope, verifiable by a code, correctable."""
import re
import subprocess
import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from app.cases import attachments
from app.cases.models import Case
from app.core.clock import LOCAL_TZ
from app.documents.models import Document
from app.documents.service import issue
from app.core.extensions import db
from app.core.transaction import unit_of_work
from tests.test_warning_lifecycle import raise_warning
from tests.web_support import csrf_token, login


def pdf_text(document: Document) -> str:
    path = attachments.path_for(document.sha256)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def notified(api):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    return case["id"]


def notified_case(app) -> tuple[int, int]:
    """A notified case made in its own app context (page tests must not share the API's), and
    the id of its notification."""
    from tests.support import Api

    with app.app_context():
        case_id = notified(Api(app.test_client()))
        return case_id, docs(case_id)[0].id


def docs(case_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def test_notify_issues_a_numbered_notification_listed_by_the_api(api):
    case_id = notified(api)
    [notice] = docs(case_id)
    assert notice.doc_type == "notification" and re.fullmatch(r"沪信〔2026〕\d+号", notice.number)
    text = pdf_text(notice)
    assert notice.number in text and "市发展改革委" in text and "二〇二六年九月二十日" in text  # the objection deadline
    assert "二〇二六年九月十四日" in text and notice.verification_code in text
    listed = api.as_("handler.fgw").case(case_id)["documents"]
    assert [(d["type"], d["number"]) for d in listed] == [("notification", notice.number)]
    assert listed[0]["url"].endswith(f"/documents/{notice.id}.pdf")


def test_objection_reply_and_repair_decision_are_issued_with_the_decision(api, tick):
    case_id = notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "款项已支付", "commitment": True})
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "回单日期晚于约定"})
    reply = docs(case_id)[-1]
    assert reply.doc_type == "objection_reply" and "维持原记录" in pdf_text(reply) and "回单日期晚于约定" in pdf_text(reply)
    reviewer.complete(case_id, "publication_decision", {"publish": True, "decision_note": "公开"})
    tick(datetime(2026, 12, 14, 9, tzinfo=LOCAL_TZ))
    handler.complete(case_id, "apply_repair", {"correction_proof": "已支付", "credit_commitment": True})
    reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
    decision = docs(case_id)[-1]
    assert decision.doc_type == "repair_decision" and "准予信用修复" in pdf_text(decision)


def test_warning_lifecycle_issues_notice_rectification_notice_and_supervision_letter(api, tick):
    from tests.test_warning_lifecycle import after, explained_and_planned

    case_id = raise_warning(api)
    assert [d.doc_type for d in docs(case_id)] == ["warning_notice"]
    assert re.fullmatch(r"沪府督〔2026〕\d+号", docs(case_id)[0].number)  # issued by 市政府督查室
    tick(after(5))
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "letter",
                                                                 "supervision_reason": "请于3个工作日内书面说明"})
    letter = docs(case_id)[-1]
    assert letter.doc_type == "supervision_letter" and "请于3个工作日内书面说明" in pdf_text(letter)
    explained_and_planned(api, case_id)
    notice = docs(case_id)[-1]
    assert notice.doc_type == "rectification_notice" and "建立投诉办理台账" in pdf_text(notice)


def test_numbers_have_no_gaps_per_issuer_and_year(api):
    for _ in range(3):
        notified(api)
    numbers = [d.sequence for d in db.session.scalars(select(Document).order_by(Document.sequence))]
    assert numbers == [1, 2, 3]


def test_concurrent_issue_keeps_numbers_unique_and_gap_free(app, api):
    case_id = api.as_("recorder").register()["id"]
    errors, threads = [], []

    def issue_one():
        with app.app_context():
            for _ in range(20):  # a writer may have to retry when another holds the sequence
                try:
                    with unit_of_work():
                        issue(db.session.get(Case, case_id), "case_report")
                    return
                except Exception as exc:  # noqa: BLE001 — a conflict is retried, anything else recorded
                    if getattr(exc, "status", None) != 409:
                        errors.append(exc)
                        return
            errors.append("gave up")

    for _ in range(6):
        threads.append(threading.Thread(target=issue_one))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sequences = sorted(d.sequence for d in docs(case_id))
    assert sequences == list(range(1, 7))


def test_the_public_verification_page_accepts_a_real_code_and_rejects_a_forged_one(api, client):
    case_id = notified(api)
    notice = docs(case_id)[0]
    ok = client.get(f"/verify/{notice.verification_code}")
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and notice.number in html and notice.sha256 in html and "验证通过" in html
    forged = client.get("/verify/ABCD-EFGH-JKMN")
    assert forged.status_code == 404 and "未找到" in forged.get_data(as_text=True)
    assert client.get(f"/verify?code={notice.verification_code.lower()}").status_code == 200


def test_documents_are_immutable_and_a_correction_is_a_new_version(app, client):
    case_id, notice_id = notified_case(app)
    with app.app_context():
        notice = db.session.get(Document, notice_id)
        notice.addressee = "tampered"
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()
    login(client, "reviewer")
    r = client.post(f"/cases/{case_id}/documents/{notice_id}/correct",
                    data={"reason": "更正异议期限表述", "csrf_token": csrf_token(client, f"/cases/{case_id}")},
                    follow_redirects=True)
    assert "已出具更正版本" in r.get_data(as_text=True)
    with app.app_context():
        old, new = docs(case_id)
        assert (new.number, new.version, new.supersedes_id) == (old.number, 2, old.id)
        assert new.sha256 != old.sha256 and "更正异议期限表述" in pdf_text(new)
        assert attachments.path_for(old.sha256).exists()  # the old version is kept


def test_downloads_are_in_scope_only(app, client):
    case_id, notice_id = notified_case(app)
    login(client, "handler.fgw")
    r = client.get(f"/cases/{case_id}/documents/{notice_id}.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    other = app.test_client()
    login(other, "handler.czj")
    assert other.get(f"/cases/{case_id}/documents/{notice_id}.pdf").status_code == 404


def test_case_report_from_the_case_page_and_the_cli(app, client, runner):
    case_id, _ = notified_case(app)
    login(client, "reviewer")
    client.post(f"/cases/{case_id}/documents/report", data={"csrf_token": csrf_token(client, f"/cases/{case_id}")})
    with app.app_context():
        report = docs(case_id)[-1]
        assert report.doc_type == "case_report" and "录入审核" in pdf_text(report)
    result = runner.invoke(args=["documents", "reports"])
    assert result.exit_code == 0 and "已生成 1 份" in result.output
    result = runner.invoke(args=["documents", "rerender", "--type", "notification", "--reason", "模板更新"])
    assert result.exit_code == 0 and "已重新出具 1 份" in result.output
    with app.app_context():
        assert [d.version for d in docs(case_id) if d.doc_type == "notification"] == [1, 2]


def test_a_corrected_record_reply_states_the_corrected_facts(api):
    case_id = notified(api)
    api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "金额有误",
                                                               "commitment": True})
    api.as_("reviewer").complete(case_id, "objection_review", {
        "objection_outcome": "correct", "reply_reasons": "经核实金额为 80 万元",
        "corrected_facts": "未按合同约定拨付合同款 80 万元。", "corrected_tier": "minor"})
    reply = docs(case_id)[-1]
    assert reply.doc_type == "objection_reply" and reply.pages >= 1
    text = pdf_text(reply)
    assert "更正记录" in text and "80 万元" in text


def test_with_a_worker_configured_documents_are_rendered_outside_the_request(app, api, client):
    from app.documents.service import render_pending

    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/15"
    try:
        case_id = notified(api)
    finally:
        app.config["CELERY_BROKER_URL"] = ""
    [notice] = docs(case_id)
    assert notice.status == "pending" and notice.sha256 is None and re.fullmatch(r"沪信〔2026〕\d+号", notice.number)
    listed = api.as_("handler.fgw").case(case_id)["documents"]
    assert listed[0]["status"] == "pending"
    assert render_pending() == 1
    [notice] = docs(case_id)
    assert notice.status == "rendered" and notice.number in pdf_text(notice) and notice.pages >= 1
    notice.addressee = "tampered"  # rendered documents stay immutable
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    assert render_pending() == 0


def test_units_without_a_prefix_number_with_their_own_name(app, api):
    from app.org.models import Department

    with app.app_context():
        cases = []
        for code in ("pudong", "xuhui"):
            case = db.session.get(Case, api.as_("recorder").register(subject_department=code)["id"])
            case.recording_department = db.session.scalar(select(Department).where(Department.code == code))
            cases.append(case)
        db.session.commit()
        numbers = []
        for case in cases:
            with unit_of_work():
                numbers.append(issue(case, "case_report").number)
    assert numbers == ["浦东新区人民政府〔2026〕1号", "徐汇区人民政府〔2026〕1号"]
