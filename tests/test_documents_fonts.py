"""Without a Chinese font no official document is issued: weasyprint would draw every character as
a box, and an issued document never changes. Fontconfig is pointed at an empty font set (an
FONTCONFIG_FILE with no font directories), as on a machine without fonts-noto-cjk: every issuing
path refuses with a message naming the package, and nothing is numbered or stored."""
from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from app.documents.fonts import CjkFontMissing
from app.documents.models import Document, DocumentSequence
from app.documents.render import html_to_pdf
from app.core.extensions import db
from tests.test_documents import docs, notified_case
from tests.web_support import csrf_token, login

MESSAGE = "未安装中文字体，无法出具文书"


@pytest.fixture()
def remove_cjk_fonts(tmp_path, monkeypatch):
    """Call it to point fontconfig at a configuration without any font directory."""
    def remove():
        config = tmp_path / "fonts.conf"
        config.write_text(f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
        monkeypatch.setenv("FONTCONFIG_FILE", str(config))
        listing = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=True).stdout
        assert listing.strip() == ""  # the font set really is empty for fontconfig

    return remove


def issued_count() -> tuple[int, int]:
    """(documents, numbers taken) over all units."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Document.id))),
            db.session.scalar(select(func.coalesce(func.sum(DocumentSequence.last), 0))))


def test_the_step_that_issues_the_notification_fails_cleanly_without_a_cjk_font(api, remove_cjk_fonts, monkeypatch):
    case = api.as_("recorder").register()
    remove_cjk_fonts()
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case["id"], "entry_review")
    approve = {"data": {"entry_decision": "approve", "review_opinion": "同意"}}
    r = reviewer.post(f"/tasks/{task['id']}/complete", approve)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "cjk_font_missing" and MESSAGE in error["message"] and "fonts-noto-cjk" in error["message"]
    assert issued_count() == (0, 0)  # no document, no number taken: the whole step rolled back
    assert [t["element"] for t in api.as_("reviewer").case(case["id"])["open_tasks"]] == ["entry_review"]
    # Once the font is there (no restart: a miss is not remembered) the same step issues it.
    monkeypatch.delenv("FONTCONFIG_FILE")
    assert reviewer.post(f"/tasks/{task['id']}/complete", approve).status_code == 200
    assert [d.doc_type for d in docs(case["id"])] == ["notification"]


def test_every_issuing_path_refuses_without_a_cjk_font(app, client, runner, remove_cjk_fonts):
    case_id, notice_id = notified_case(app)  # issued while the fonts were there
    with app.app_context():
        before = issued_count()
    remove_cjk_fonts()

    login(client, "reviewer")
    token = csrf_token(client, f"/cases/{case_id}")
    for url, data in ((f"/cases/{case_id}/documents/report", {}),
                      (f"/cases/{case_id}/documents/{notice_id}/correct", {"reason": "更正异议期限表述"})):
        page = client.post(url, data={**data, "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
        assert MESSAGE in page and "fonts-noto-cjk" in page, url
    for args in (["documents", "reports"], ["documents", "rerender", "--type", "notification", "--reason", "模板更新"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and MESSAGE in result.output and "Traceback" not in result.output, args
    with app.app_context():
        assert issued_count() == before
        with pytest.raises(CjkFontMissing, match="fonts-noto-cjk"):  # the renderer refuses on its own too
            html_to_pdf("<p>政务诚信</p>")
