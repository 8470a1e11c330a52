"""Saved filters (issue 20, "Inbox and search"): a user names the filters of the inbox or the case
list, opens them again with one click and deletes them after confirming; only their own, on the
page and through the API alike."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from sqlalchemy import func, select

from app.core.extensions import db
from app.tasks.models import SavedFilter
from tests.support import Api
from tests.test_api_parity import fields_of
from tests.web_support import login, post


def as_user(app, username: str):
    with app.app_context():
        return Api(app.test_client()).as_(username)


def test_a_filter_is_saved_listed_applied_and_deleted_through_the_api(api):
    reviewer = api.as_("reviewer")
    r = reviewer.post("/saved-filters", {"page": "inbox", "name": "发改逾期",
                                         "query": "?tab=available&q=发改&overdue=1&page=3&offer=7&junk=x&q=second"})
    assert r.status_code == 201, r.get_json()
    saved = r.get_json()
    # Only the page's own filters are kept, once each, in the page's order.
    assert parse_qsl(saved["query"]) == [("tab", "available"), ("q", "发改"), ("overdue", "1")]
    assert (saved["page"], saved["name"]) == ("inbox", "发改逾期")
    cases = reviewer.post("/saved-filters", {"page": "cases", "name": "发改", "query": "subject=发改&status=in_review"})
    assert cases.status_code == 201
    assert [f["name"] for f in reviewer.get("/saved-filters").get_json()["items"]] == ["发改", "发改逾期"]
    assert [f["name"] for f in reviewer.get("/saved-filters?page=inbox").get_json()["items"]] == ["发改逾期"]
    assert reviewer.get("/saved-filters?page=other").status_code == 422

    for body, field in (({"page": "inbox", "name": "发改逾期", "query": "q=x"}, "name"),  # taken
                        ({"page": "inbox", "name": "  ", "query": "q=x"}, "name"),
                        ({"page": "inbox", "name": "长" * 41, "query": "q=x"}, "name"),
                        ({"page": "inbox", "name": "空", "query": "page=2&offer=3"}, "query"),  # no filter in it
                        ({"page": "inbox", "name": "标签", "query": "tab=mine"}, "query"),  # a tab alone is none
                        ({"page": "inbox", "name": "长查询", "query": "q=" + "x" * 1100}, "query"),
                        ({"page": "desk", "name": "x", "query": "q=x"}, "page"),
                        ({"name": "x", "query": "q=x"}, "page")):
        r = reviewer.post("/saved-filters", body)
        assert r.status_code == 422 and list(fields_of(r)) == [field], body

    other = api.as_("handler.fgw")  # filters are private
    assert other.get("/saved-filters").get_json()["items"] == []
    assert other.client.delete(f"/api/v1/saved-filters/{saved['id']}", headers=other._headers()).status_code == 404
    assert other.post("/saved-filters", {"page": "inbox", "name": "发改逾期", "query": "q=发改"}).status_code == 201
    gone = reviewer.client.delete(f"/api/v1/saved-filters/{saved['id']}", headers=reviewer._headers())
    assert gone.status_code == 204
    assert [f["name"] for f in reviewer.get("/saved-filters").get_json()["items"]] == ["发改"]
    assert reviewer.client.delete(f"/api/v1/saved-filters/{saved['id']}", headers=reviewer._headers()).status_code == 404


def test_at_most_thirty_filters_a_page(api):
    reviewer = api.as_("reviewer")
    for i in range(30):
        assert reviewer.post("/saved-filters", {"page": "cases", "name": f"筛选{i}", "query": f"q={i}"}).status_code == 201
    r = reviewer.post("/saved-filters", {"page": "cases", "name": "再一个", "query": "q=x"})
    assert r.status_code == 422 and list(fields_of(r)) == ["name"]
    assert reviewer.post("/saved-filters", {"page": "inbox", "name": "再一个", "query": "q=x"}).status_code == 201


def test_the_inbox_saves_applies_and_deletes_a_filter(app, client):
    fgw = as_user(app, "recorder").register()
    login(client, "reviewer")
    html = client.get("/tasks?tab=available&q=发改").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="save-filter".*?</form>', html, re.S).group(0)
    query = re.search(r'name="query" value="([^"]*)"', form).group(1)
    assert parse_qsl(query.replace("&amp;", "&")) == [("tab", "available"), ("q", "发改")]
    r = post(client, "/tasks/filters", {"page": "inbox", "name": "发改委的", "query": query.replace("&amp;", "&")})
    assert r.status_code == 302 and r.headers["Location"].startswith("/tasks?tab=available&q=")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已保存筛选“发改委的”" in html and fgw["number"] in html
    chip = re.search(r'<span class="saved-filter[^>]*data-filter="发改委的".*?</span>', html, re.S).group(0)
    assert 'aria-current="true"' in chip  # the filter now applied
    assert 'data-confirm="确定删除筛选“发改委的”？"' in chip  # deleting asks first
    link = re.search(r'href="([^"]+)"', chip).group(1).replace("&amp;", "&")
    assert fgw["number"] in client.get(link).get_data(as_text=True)

    # No filter set: nothing to save, and the page says how saving works.
    html = client.get("/tasks?tab=available").get_data(as_text=True)
    assert 'id="save-filter"' not in html
    html = post(client, "/tasks/filters", {"page": "inbox", "name": "空的", "query": "tab=available"},
                follow_redirects=True).get_data(as_text=True)
    assert "空的" not in re.search(r'<section[^>]*id="saved-filters".*?</section>', html, re.S).group(0)
    with app.app_context():
        [saved] = db.session.scalars(select(SavedFilter)).all()
    r = post(client, f"/tasks/filters/{saved.id}/delete", {"next": "/tasks?tab=available"})
    assert r.status_code == 302
    assert "已删除筛选“发改委的”" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 0
    assert post(client, f"/tasks/filters/{saved.id}/delete").status_code == 404


def test_the_case_list_saves_its_filters_too_and_others_cannot_delete_them(app, client):
    fgw = as_user(app, "recorder").register()
    login(client, "reviewer")
    r = post(client, "/tasks/filters", {"page": "cases", "name": "发改", "query": "subject=发改&created_from=2026-09-01"},
             page="/cases")
    assert r.status_code == 302 and r.headers["Location"].startswith("/cases?subject=")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert fgw["number"] in html and 'data-filter="发改"' in html
    with app.app_context():
        [saved] = db.session.scalars(select(SavedFilter)).all()
    other = app.test_client()
    login(other, "handler.fgw")
    assert post(other, f"/tasks/filters/{saved.id}/delete").status_code == 404
    assert 'data-filter="发改"' not in other.get("/cases").get_data(as_text=True)
