"""Small things people read (issue 20): a small file's size in bytes (not "0.0 KB"), a document's
download keeps a meaningful plain-ASCII file name beside the Chinese one (not "20264.pdf"), and a
court's case number, which opens with its own bracket, is not bracketed twice ("（（2026）…")."""
import io
from urllib.parse import quote

from app.core.views import ascii_name, file_size
from app.documents.render import in_brackets, render_html
from tests.test_documents import docs, notified
from tests.web_support import login


def test_sizes_read_as_bytes_kilobytes_or_megabytes():
    assert [file_size(n) for n in (0, 30, 1023, 1024, 1536, 5 * 1024 * 1024)] == [
        "0 B", "30 B", "1023 B", "1.0 KB", "1.5 KB", "5.0 MB"]


def test_a_small_attachment_shows_its_size_in_bytes(app, api, client):
    case = api.as_("recorder").register()
    r = api.as_("recorder").post(f"/cases/{case['id']}/attachments",
                                 data={"file": (io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "回单.pdf")},
                                 content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    login(client, "recorder")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "（15 B，" in page and "0.0 KB" not in page


def test_a_documents_download_has_a_plain_fallback_name(app, api, client):
    case_id = notified(api)
    [notice] = docs(case_id)
    expected = f"ZX-2026-{case_id:06d}-notification.pdf"
    r = api.as_("handler.fgw").get(f"/cases/{case_id}/documents/{notice.id}.pdf")
    assert r.status_code == 200
    disposition = r.headers["Content-Disposition"]
    assert disposition == (f"attachment; filename=\"{expected}\"; filename*=UTF-8''{quote(notice.number + '.pdf', safe='')}")
    login(client, "handler.fgw")
    r = client.get(f"/cases/{case_id}/documents/{notice.id}.pdf")
    assert r.headers["Content-Disposition"].startswith(f'inline; filename="{expected}"')
    assert ascii_name("银行回单.PDF", "attachment-7") == "attachment-7.pdf"
    assert ascii_name("scan_01.jpg", "attachment-7") == "scan_01.jpg"
    assert ascii_name("回单", "attachment-7") == "attachment-7"


def test_a_court_case_number_is_not_bracketed_twice(app):
    assert in_brackets("（2026）沪01民终123号") == "（2026）沪01民终123号"
    assert in_brackets("沪财监〔2026〕17号") == "（沪财监〔2026〕17号）"
    assert in_brackets("(2026)沪01民终1号", "二〇二六年五月一日作出") == "(2026)沪01民终1号（二〇二六年五月一日作出）"
    assert in_brackets("沪财监〔2026〕17号", "二〇二六年五月一日作出") == "（沪财监〔2026〕17号，二〇二六年五月一日作出）"
    with app.test_request_context():
        case = {"source_label": "司法判决", "document_number": "（2026）沪01民终123号", "subject": "市发展改革委",
                "source_decided_on": "2026-05-01"}
        for doc_type in ("notification", "deletion_notice"):
            html = render_html(doc_type, {"case": case, "title": "t", "number": "沪信〔2026〕1号", "data": {}})
            assert "（2026）沪01民终123号" in html and "（（" not in html, doc_type
