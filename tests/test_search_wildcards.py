"""Search boxes find what was typed: `%` and `_` in a search are characters, not LIKE wildcards
(`q=%` listed every case, `q=_` every user)."""
from __future__ import annotations

from app.admin import service as admin_service
from tests.support import RECORD


def test_case_search_treats_percent_and_underscore_as_text(api):
    recorder = api.as_("recorder")
    recorder.register(title="拖欠合同款")
    wanted = recorder.register(title="完成率仅 50%_整改")
    for q, found in (("%", [wanted["id"]]), ("_", [wanted["id"]]), ("50%_", [wanted["id"]]), ("%%", []),
                     ("拖_合同", []), ("拖%合同", [])):
        body = recorder.get("/cases", query_string={"q": q}).get_json()
        assert [c["id"] for c in body["items"]] == found, (q, body)
    assert recorder.get("/cases", query_string={"subject": "%"}).get_json()["total"] == 0
    assert recorder.get("/cases", query_string={"subject": RECORD["subject_department"]}).get_json()["total"] == 2


def test_user_search_treats_percent_and_underscore_as_text(ctx):
    assert admin_service.list_users(q="_")[0] == []
    assert admin_service.list_users(q="%")[0] == []
    assert [u.username for u in admin_service.list_users(q="handler.f")[0]] == ["handler.fgw"]
    assert [u.username for u in admin_service.list_users(q="HANDLER.F")[0]] == ["handler.fgw"]
