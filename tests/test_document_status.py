"""Documents tell their status (issue 14): after a correction (更正) the old version's public
verification page says it was superseded — by which version and when — and the current one says
it is the latest; the case page and the API mark both. The verification address printed on a
document and encoded in its QR code is absolute (PUBLIC_BASE_URL, required in production), and
long unbroken strings wrap inside the page instead of being clipped at its right edge."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.cases import attachments
from app.cases.models import Case
from app.config import ProductionConfig
from app.documents.render import qr_svg, render_html
from app.documents.service import _restored, issue_report
from app.core.extensions import db
from app.org.models import User
from tests.support import Api
from tests.test_documents import docs, notified, notified_case, pdf_text
from tests.web_support import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
A4_WIDTH_PT = 595.28
RIGHT_MARGIN_PT = 26 / 25.4 * 72  # document.css: @page margin-right 26 mm


def corrected(app, client) -> dict:
    """A notified case whose notification a reviewer corrected on the case page: plain values of
    both versions (ids, codes, numbers)."""
    case_id, notice_id = notified_case(app)
    login(client, "reviewer")
    r = client.post(f"/cases/{case_id}/documents/{notice_id}/correct",
                    data={"reason": "更正异议期限表述", "csrf_token": csrf_token(client, f"/cases/{case_id}")})
    assert r.status_code == 302
    with app.app_context():
        old, new = docs(case_id)
        return {"case_id": case_id, "old_id": old.id, "new_id": new.id, "number": old.number,
                "old_code": old.verification_code, "new_code": new.verification_code,
                "new_day": new.issued_at.strftime("%Y-%m-%d")}


def test_the_old_versions_verify_page_says_it_was_superseded_and_the_new_one_that_it_is_current(app, client):
    c = corrected(app, client)
    public = app.test_client()  # no login: the verification page is public
    old = public.get(f"/verify/{c['old_code']}")
    html = old.get_data(as_text=True)
    assert old.status_code == 200 and "验证通过" not in html
    assert "已被更正" in html and "本版本已作废" in html and 'data-status="superseded"' in html
    assert f"现行版本为 {c['number']} 第 2 版（{c['new_day']} 出具）" in html
    assert c["new_code"] not in html and "更正异议期限表述" not in html  # nothing beyond number, version, date
    new = public.get(f"/verify/{c['new_code']}").get_data(as_text=True)
    assert "验证通过" in new and "最新版本" in new and 'data-status="current"' in new and "已被更正" not in new


def test_the_case_page_marks_the_old_version_and_the_current_one(app, client):
    c = corrected(app, client)
    html = client.get(f"/cases/{c['case_id']}").get_data(as_text=True)
    rows = re.findall(r'<tr data-type="notification">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    assert 'data-status="superseded"' in rows[0] and "已更正（旧版）" in rows[0] and "现行" not in rows[0]
    assert 'data-status="current"' in rows[1] and "现行" in rows[1]


def test_the_api_lists_each_documents_version_status_and_what_superseded_it(app, client):
    c = corrected(app, client)
    with app.app_context():
        listed = Api(app.test_client()).as_("handler.fgw").case(c["case_id"])["documents"]
    old, new = sorted(listed, key=lambda d: d["version"])
    assert (old["version_status"], new["version_status"]) == ("superseded", "current")
    assert old["superseded_by"]["id"] == c["new_id"] and old["superseded_by"]["version"] == 2
    assert old["superseded_by"]["number"] == c["number"] and new["superseded_by"] is None
    assert old["status"] == new["status"] == "rendered"  # the PDF's own status is unchanged


def test_the_verification_address_on_the_pdf_and_in_its_qr_code_is_absolute(app, api, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://chengxin.example.gov.cn")
    case_id = notified(api)  # issued by the process, in an API request on the test client's host
    runner.invoke(args=["documents", "reports"])  # issued from the CLI, outside any request
    for document in docs(case_id):
        expected = f"https://chengxin.example.gov.cn/verify/{document.verification_code}"
        assert document.context["verify_url"] == expected
        assert expected in re.sub(r"\s", "", pdf_text(document))
        # The QR code drawn is exactly segno's encoding of that address (no QR decoder is installed).
        html = render_html(document.doc_type, _restored(document.context))
        assert qr_svg(expected) in html


def test_the_test_and_development_default_is_the_local_server(app):
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def _start(env: dict) -> subprocess.CompletedProcess:
    """Start the WSGI app in a fresh interpreter (the config is read from the environment once)."""
    return subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['PUBLIC_BASE_URL'])"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_public_base_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_TESTING", "PUBLIC_BASE_URL", "CHENGXIN_ENV")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", UPLOAD_DIR=str(tmp_path / "uploads"), SECRET_KEY="k" * 64)
    refused = _start({**env, "CHENGXIN_ENV": "production"})
    assert refused.returncode != 0 and "PUBLIC_BASE_URL is not set" in refused.stderr
    started = _start({**env, "CHENGXIN_ENV": "production", "PUBLIC_BASE_URL": "https://chengxin.example.gov.cn/"})
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "https://chengxin.example.gov.cn"
    development = _start(env)
    assert development.returncode == 0 and development.stdout.strip() == "http://127.0.0.1:5000"


@pytest.mark.parametrize("value", ["", "chengxin.example.gov.cn", "/verify", "ftp://example.org", "https://x.org/?a=1"])
def test_a_missing_or_relative_public_base_url_is_refused(tmp_path, value):
    class Production(ProductionConfig):
        PUBLIC_BASE_URL = value
        SECRET_KEY = "k" * 64
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.db'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(Production, instance_path=str(tmp_path / "instance"))


LONG_NUMBER = "91310000" + "7" * 72  # 80 characters, no break opportunity
LONG_URL = "https://www.ccgp-shanghai.gov.cn/contract/payment/records/" + "2026-procurement-" * 5 + "detail?id=" + "8" * 40


def _words_and_width(path: Path) -> tuple[list[tuple[float, str]], float]:
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    return [(float(x), word) for x, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', bbox)], width


def test_long_unbroken_strings_wrap_inside_the_type_area(api):
    facts = f"合同编号{LONG_NUMBER}的款项逾期未付。支付记录见{LONG_URL}。"
    case_id = api.as_("recorder").register(facts=facts)["id"]
    api.as_("reviewer").complete(case_id, "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
    issue_report(reviewer, db.session.get(Case, case_id))
    checked = docs(case_id)
    assert {d.doc_type for d in checked} == {"notification", "case_report"}
    for document in checked:
        text = re.sub(r"\s", "", pdf_text(document))
        assert LONG_NUMBER in text and LONG_URL in text, document.doc_type  # every character kept
        words, width = _words_and_width(attachments.path_for(document.sha256))
        assert width == pytest.approx(A4_WIDTH_PT, abs=0.1)
        beyond = [(x, w) for x, w in words if x > width - RIGHT_MARGIN_PT + 1]
        assert beyond == [], document.doc_type  # no word runs past the right margin


def test_only_the_current_version_is_corrected_and_an_old_one_names_the_current_version(app, client):
    """Issue 14, finding 9: no 更正 on a superseded version (409 naming the current one, no button);
    the first version's verification page names the version in force, not just the next one."""
    c = corrected(app, client)
    html = client.get(f"/cases/{c['case_id']}").get_data(as_text=True)
    rows = re.findall(r'<tr data-type="notification">(.*?)</tr>', html, re.S)
    assert ["出具更正版本" in row for row in rows] == [False, True]
    with app.app_context():
        reviewer = Api(app.test_client()).as_("reviewer")
        r = reviewer.post(f"/cases/{c['case_id']}/documents/{c['old_id']}/correct", {"reason": "再次更正"})
        assert r.status_code == 409, r.get_json()
        assert r.get_json()["error"]["message"] == f"{c['number']} 第 1 版已被更正，不能再更正；现行版本为第 2 版，请更正现行版本"
        r = reviewer.post(f"/cases/{c['case_id']}/documents/{c['new_id']}/correct", {"reason": "再次更正"})
        assert r.status_code == 201 and r.get_json()["version"] == 3
    web = client.post(f"/cases/{c['case_id']}/documents/{c['old_id']}/correct", follow_redirects=True,
                      data={"reason": "网页再更正", "csrf_token": csrf_token(client, f"/cases/{c['case_id']}")})
    assert "现行版本为第 3 版" in web.get_data(as_text=True)
    old = app.test_client().get(f"/verify/{c['old_code']}").get_data(as_text=True)
    assert f"现行版本为 {c['number']} 第 3 版" in old and 'data-current-version="3"' in old
