"""Evidence attachments: size- and type-checked by content, SHA-256 stored, visible only in scope."""
import hashlib
import io

import pytest

from app.cases.models import TimelineEvent
from app.core.extensions import db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(user, case_id, name, content):
    return user.client.post(f"/api/v1/cases/{case_id}/attachments", headers=user._headers(),
                            data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


@pytest.fixture()
def notified(api):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    return case["id"]


def test_upload_stores_sha256_and_is_used_as_objection_evidence(api, notified):
    handler = api.as_("handler.fgw")
    r = upload(handler, notified, "银行回单.pdf", PDF)
    assert r.status_code == 201, r.get_json()
    attachment = r.get_json()
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest() and attachment["filename"] == "银行回单.pdf"
    download = handler.get(f"/cases/{notified}/attachments/{attachment['id']}")
    assert download.status_code == 200 and download.data == PDF
    handler.complete(notified, "respond_notice", {"response": "object", "objection_grounds": "已支付",
                                                  "commitment": True, "objection_evidence": [attachment["id"]]})
    case = handler.case(notified)
    assert [a["id"] for a in case["attachments"]] == [attachment["id"]]
    assert any(e["kind"] == "attachment.added" for e in case["timeline"])


@pytest.mark.parametrize("name, content, message", [
    ("evil.exe", b"MZ\x90\x00", "只允许上传"),
    ("fake.pdf", b"<html>not a pdf</html>", "不是有效的 .pdf 文件"),
    ("photo.png", PDF, "不是有效的 .png 文件"),
    ("notes.txt", b"\x00\x01binary", "不是有效的 .txt 文件"),
    ("empty.pdf", b"", "文件为空"),
])
def test_wrong_types_are_refused_by_content(api, notified, name, content, message):
    r = upload(api.as_("handler.fgw"), notified, name, content)
    assert r.status_code == 422 and message in str(r.get_json()["error"])


def test_oversized_files_are_refused(app, api, notified):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    try:
        r = upload(api.as_("handler.fgw"), notified, "big.pdf", PDF + b"0" * 2048)
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert r.status_code == 422 and "上限" in r.get_json()["error"]["message"]


def test_attachments_of_another_unit_are_not_found(api, notified):
    attachment = upload(api.as_("handler.fgw"), notified, "a.pdf", PDF).get_json()
    other = api.as_("handler.czj")
    assert upload(other, notified, "b.pdf", PDF).status_code == 404
    assert other.get(f"/cases/{notified}/attachments/{attachment['id']}").status_code == 404
    assert api.as_("reviewer").get(f"/cases/{notified}/attachments/{attachment['id']}").status_code == 200


def test_path_components_are_stripped_from_file_names(api, notified):
    r = upload(api.as_("handler.fgw"), notified, "../../etc/回单.pdf", PDF)
    assert r.get_json()["filename"] == "回单.pdf"


def test_a_long_file_name_is_shortened_before_its_extension(api, notified):
    """Issue 14, finding 11: ≈200 Chinese characters + ".pdf" is accepted, the extension kept."""
    r = upload(api.as_("handler.fgw"), notified, "关于拖欠合同款的说明" * 20 + "附件.pdf", PDF)
    assert r.status_code == 201, r.get_json()
    name = r.get_json()["filename"]
    assert len(name) == 200 and name.endswith("关于拖欠合同.pdf") and name.startswith("关于拖欠合同款的说明")


def test_timeline_is_append_only(api, notified):
    event = db.session.query(TimelineEvent).first()
    event.summary = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.query(TimelineEvent).first())
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
