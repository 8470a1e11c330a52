"""The whole case file, printed and downloaded (issue 14): `/cases/<id>/print` lays out facts,
documents with their version status, evidence with step and person, and the people's steps; the
zip (`/cases/<id>/bundle.zip`, `GET /api/v1/cases/<id>/bundle.zip`) holds every document PDF
(current and superseded) and every evidence file under safe, unique names, with a manifest whose
hashes and sizes match the files. Both only in scope."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile

from sqlalchemy import select

from app.cases import attachments
from app.cases.models import Attachment, Case
from app.documents.service import correct, issue
from app.core.extensions import db
from app.org.models import User
from app.core.transaction import unit_of_work
from tests.support import Api
from tests.test_attachments import PDF, upload
from tests.test_documents import docs, notified
from tests.web_support import login

TXT = "银行回单：2026-05-10 支付 120 万元".encode()


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def full_case_file(app) -> dict:
    """A notified case with an objection (a file at the objection step), two files of one name, a
    file sent as `../../etc/回单.pdf`, a legacy row whose stored name and step try to climb out of
    the folder, a corrected notification (v1 superseded, v2 current) and a case report still
    pending (issued with a worker configured, so nothing renders it here)."""
    with app.app_context():
        api = Api(app.test_client())
        case_id = notified(api)
        handler = api.as_("handler.fgw")
        for name, content in (("回单.pdf", PDF), ("回单.pdf", PDF + b"%second"), ("../../etc/回单.pdf", PDF + b"%3"),
                              ("说明.txt", TXT)):
            assert upload(handler, case_id, name, content).status_code == 201
        case = db.session.get(Case, case_id)
        with unit_of_work():
            db.session.add(Attachment(case_id=case_id, filename="../../../tmp/evil.txt", content_type="text/plain",
                                      size=len(TXT), sha256=attachments.store(TXT), uploaded_by_id=user("recorder").id,
                                      step="..\\..\\windows"))
        notice = docs(case_id)[0]
        correct(user("reviewer"), notice.id, "更正异议期限表述")
        app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/15"  # the report stays pending
        try:
            with unit_of_work():
                report = issue(case, "case_report", actor_id=user("reviewer").id)
        finally:
            app.config["CELERY_BROKER_URL"] = ""
        return {"case_id": case_id, "case_number": case.number, "number": notice.number, "report": report.number, "facts": case.facts}


def read_zip(data: bytes) -> tuple[dict[str, bytes], list[dict]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = list(csv.DictReader(io.StringIO(files.pop("manifest.csv").decode("utf-8-sig"))))
    return files, manifest


def test_the_zip_holds_every_document_and_file_with_a_manifest_that_matches(app):
    c = full_case_file(app)
    with app.app_context():
        r = Api(app.test_client()).as_("handler.fgw").get(f"/cases/{c['case_id']}/bundle.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    files, manifest = read_zip(r.data)
    assert sorted(files) == sorted([
        f"documents/{c['number']}-v1.pdf", f"documents/{c['number']}-v2.pdf",
        "attachments/异议或确认-回单.pdf", "attachments/异议或确认-回单 (2).pdf", "attachments/异议或确认-回单 (3).pdf",
        "attachments/异议或确认-说明.txt", "attachments/_.._windows-.._.._.._tmp_evil.txt"])
    for name in files:  # nothing can be unpacked outside the folder
        assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name and ":" not in name
    assert files["attachments/异议或确认-说明.txt"] == TXT
    for row in manifest:
        if row["文件"]:
            assert hashlib.sha256(files[row["文件"]]).hexdigest() == row["SHA-256"]
            assert len(files[row["文件"]]) == int(row["大小（字节）"])
    by_file = {row["文件"]: row for row in manifest}
    assert by_file[f"documents/{c['number']}-v1.pdf"]["状态"] == "已更正"
    assert by_file[f"documents/{c['number']}-v2.pdf"]["状态"] == "现行"
    assert by_file[f"documents/{c['number']}-v2.pdf"]["办理人"] == "审核员 李娜"  # who issued the correction
    first = by_file["attachments/异议或确认-回单.pdf"]
    assert (first["类别"], first["环节"], first["办理人"], first["名称"], first["状态"]) == (
        "证据材料", "异议或确认", "经办人 张伟（市发展改革委）", "回单.pdf", "已收入")
    [pending] = [row for row in manifest if row["状态"] == "生成中"]
    assert (pending["类别"], pending["文号"], pending["文件"]) == ("文书", c["report"], "")
    assert len(manifest) == len(files) + 1


def test_a_file_uploaded_outside_a_task_is_labelled_alike_everywhere(app, client):
    """Issue 14, finding 12: the recorder's file outside any task is 补充材料 on the case page, the
    print view, the zip and the API (which also gives the uploader's display name)."""
    with app.app_context():
        recorder = Api(app.test_client()).as_("recorder")
        case_id = recorder.register()["id"]
        r = upload(recorder, case_id, "补充说明.pdf", PDF)
        assert r.status_code == 201, r.get_json()
        assert (r.get_json()["step"], r.get_json()["uploaded_by"], r.get_json()["uploaded_by_name"]) == (
            "补充材料", "recorder", "信息录入员 王磊")
        assert [a["step"] for a in recorder.case(case_id)["attachments"]] == ["补充材料"]
        files, manifest = read_zip(recorder.get(f"/cases/{case_id}/bundle.zip").data)
    assert list(files) == ["attachments/补充材料-补充说明.pdf"]
    assert list(manifest[0]) == ["文件", "类别", "名称", "文号", "版本", "状态", "环节", "办理人", "时间", "SHA-256", "大小（字节）"]
    assert (manifest[0]["环节"], manifest[0]["类别"], manifest[0]["状态"]) == ("补充材料", "证据材料", "已收入")
    login(client, "recorder")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert '<span class="attachment-step">环节：补充材料</span>' in page
    printed = re.search(r'id="print-attachments">(.*?)</table>', client.get(f"/cases/{case_id}/print").get_data(as_text=True), re.S)
    assert "<td>补充材料</td>" in printed.group(1)


def test_the_zip_is_in_scope_only(app, client):
    c = full_case_file(app)
    assert client.get(f"/cases/{c['case_id']}/bundle.zip").status_code == 302  # anonymous: to the login page
    assert app.test_client().get(f"/api/v1/cases/{c['case_id']}/bundle.zip").status_code == 401
    login(client, "handler.czj")  # another unit's handler
    assert client.get(f"/cases/{c['case_id']}/bundle.zip").status_code == 404
    with app.app_context():
        assert Api(app.test_client()).as_("handler.czj").get(f"/cases/{c['case_id']}/bundle.zip").status_code == 404
    mine = app.test_client()
    login(mine, "handler.fgw")
    r = mine.get(f"/cases/{c['case_id']}/bundle.zip")
    assert r.status_code == 200 and zipfile.ZipFile(io.BytesIO(r.data)).testzip() is None
    assert r.headers["Content-Disposition"] == f"attachment; filename={c['case_number']}.zip"


def test_the_print_view_shows_the_whole_case_file(app, client):
    c = full_case_file(app)
    login(client, "handler.fgw")
    case_page = client.get(f"/cases/{c['case_id']}").get_data(as_text=True)
    assert f'href="/cases/{c["case_id"]}/print"' in case_page and f'href="/cases/{c["case_id"]}/bundle.zip"' in case_page
    r = client.get(f"/cases/{c['case_id']}/print")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and c["facts"] in html and "css/print.css" in html
    documents = re.search(r'<table class="table table-sm" id="print-documents">(.*?)</table>', html, re.S).group(1)
    assert documents.count(c["number"]) == 2 and "已更正（旧版）" in documents and "现行" in documents
    assert "生成中" in documents  # the pending report
    evidence = re.search(r'id="print-attachments">(.*?)</table>', html, re.S).group(1)
    assert "回单.pdf" in evidence and "异议或确认" in evidence and "经办人 张伟（市发展改革委）" in evidence
    steps = re.search(r'id="print-steps">(.*?)</table>', html, re.S).group(1)
    assert "录入审核" in steps and "审核员 李娜" in steps
    decisions = re.search(r'id="decisions">(.*?)</ol>', html, re.S).group(1)  # the entry review, with its opinion
    assert 'data-kind="entry_review"' in decisions and "沪府发〔2017〕92号" in decisions
    assert 'data-kind="task.claimed"' not in steps and 'data-kind="process.step"' not in steps
    # The Content-Security-Policy allows no inline style or script: the page has none.
    assert "<style" not in html and " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_the_print_view_is_in_scope_only(app, client):
    c = full_case_file(app)
    assert client.get(f"/cases/{c['case_id']}/print").status_code == 302
    login(client, "handler.czj")
    assert client.get(f"/cases/{c['case_id']}/print").status_code == 404
