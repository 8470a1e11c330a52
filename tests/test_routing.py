"""Role and department boundaries: 404 outside scope, 403 without the lane's role, never 500."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import clock
from app.core.extensions import db
from app.org.models import Department, User
from tests.support import RECORD, add_district_user


@pytest.fixture()
def notified(api):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    return case["id"]


def second_fgw_handler():
    user = User(username="handler.fgw2", full_name="经办人 二号", department=db.session.scalar(
        select(Department).where(Department.code == "fgw")))
    user.set_password("x")
    user.set_roles(["handler"])
    db.session.add(user)
    db.session.commit()
    return user


def test_requests_without_a_valid_token_get_401(client, api):
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    headers = {"Authorization": f"Bearer {api.as_('reviewer').token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=13))  # tokens last 12 hours
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_endpoint_checks_password_and_throttles(client):
    ok = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "Demo@2026"})
    assert ok.status_code == 201 and ok.get_json()["token"]
    bad = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "wrong"})
    assert bad.status_code == 401 and bad.get_json()["error"]["message"] == "用户名或密码错误"
    missing = client.post("/api/v1/auth/token", json={"username": "reviewer"})
    assert missing.status_code == 422 and "password" in missing.get_json()["error"]["fields"]
    for _ in range(4):
        client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "wrong"})
    locked = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "Demo@2026"})
    assert locked.status_code == 429
    clock.advance(timedelta(minutes=16))
    assert client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "Demo@2026"}).status_code == 201


def test_handler_of_another_department_sees_nothing_of_the_case(api, notified):
    other = api.as_("handler.czj")
    task = api.as_("handler.fgw").task_for(notified, "respond_notice")
    assert other.get(f"/cases/{notified}").status_code == 404
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.post(f"/tasks/{task['id']}/claim").status_code == 404
    r = other.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert other.get("/cases").get_json()["total"] == 0
    assert other.get("/tasks?scope=available").get_json()["total"] == 0
    assert other.get(f"/cases/{notified}/attachments/1").status_code == 404


def test_users_without_the_lane_role_get_403(api, notified):
    handler_task = api.as_("handler.fgw").task_for(notified, "respond_notice")
    reviewer = api.as_("reviewer")
    assert reviewer.get(f"/cases/{notified}").status_code == 200
    assert reviewer.get(f"/tasks/{handler_task['id']}").status_code == 403
    assert reviewer.post(f"/tasks/{handler_task['id']}/complete", {"data": {"response": "accept"}}).status_code == 403
    assert reviewer.post(f"/tasks/{handler_task['id']}/claim").status_code == 403


def test_roles_outside_casework_see_no_cases_and_cannot_start_them(api, notified):
    for username in ("designer", "admin"):
        user = api.as_(username)
        assert user.get(f"/cases/{notified}").status_code == 404
        assert user.get("/cases").get_json()["total"] == 0
    handler = api.as_("handler.fgw")
    assert handler.get("/processes").get_json()["items"] == []
    r = handler.post("/cases", {"process": "dishonesty_record", "data": RECORD})
    assert r.status_code == 403
    assert api.as_("recorder").post("/cases", {"process": "nope", "data": {}}).status_code == 404


def test_recorder_sees_the_start_form_of_the_record_lifecycle(api):
    items = api.as_("recorder").get("/processes").get_json()["items"]
    assert [p["key"] for p in items] == ["dishonesty_record"]
    assert items[0]["form"]["properties"]["tier"]["title"] == "失信程度"


def test_claim_release_and_supervisor_reassignment(api, notified):
    second_fgw_handler()
    first, second = api.as_("handler.fgw"), api.as_("handler.fgw2")
    task = first.task_for(notified, "respond_notice")
    assert first.post(f"/tasks/{task['id']}/claim").get_json()["claimed_by"] == "handler.fgw"
    assert second.post(f"/tasks/{task['id']}/claim").status_code == 409
    assert second.post(f"/tasks/{task['id']}/release").status_code == 403
    r = second.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}})
    assert r.status_code == 403 and "已由" in r.get_json()["error"]["message"]
    assert [t["id"] for t in first.get("/tasks?scope=mine").get_json()["items"]] == [task["id"]]
    assert second.get("/tasks?scope=available").get_json()["total"] == 0  # claimed tasks leave the pool

    supervisor = api.as_("supervisor")
    supervised = supervisor.get("/tasks?scope=supervised").get_json()
    assert [t["id"] for t in supervised["items"]] == [task["id"]]
    czj = db.session.scalar(select(User).where(User.username == "handler.czj"))
    bad = supervisor.post(f"/tasks/{task['id']}/reassign", {"assignee_id": czj.id})
    assert bad.status_code == 422 and "assignee_id" in bad.get_json()["error"]["fields"]
    two = db.session.scalar(select(User).where(User.username == "handler.fgw2"))
    assert supervisor.post(f"/tasks/{task['id']}/reassign", {"assignee_id": two.id}).get_json()["claimed_by"] == "handler.fgw2"
    assert first.post(f"/tasks/{task['id']}/reassign", {"assignee_id": two.id}).status_code == 403
    assert first.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}}).status_code == 403
    assert second.post(f"/tasks/{task['id']}/release").status_code == 200
    assert first.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}}).status_code == 200
    done = first.get("/tasks?scope=completed").get_json()["items"]
    assert [t["id"] for t in done] == [task["id"]]
    kinds = [e["kind"] for e in first.case(notified)["timeline"]]
    assert kinds.count("task.claimed") == 1 and "task.reassigned" in kinds and "task.released" in kinds


def test_district_scoped_reviewer_sees_only_their_district(api):
    add_district_user("reviewer.pudong", "浦东审核员", "reviewer")
    recorder = api.as_("recorder")
    city = recorder.register()
    local = recorder.register(subject_department="pudong")
    scoped = api.as_("reviewer.pudong")
    assert [c["id"] for c in scoped.get("/cases").get_json()["items"]] == [local["id"]]
    assert scoped.get(f"/cases/{city['id']}").status_code == 404
    assert [t["case_id"] for t in scoped.get("/tasks").get_json()["items"]] == [local["id"]]


def test_bad_query_parameters_are_422_not_500(api):
    reviewer = api.as_("reviewer")
    r = reviewer.get("/tasks?scope=everything")
    assert r.status_code == 422 and "scope" in r.get_json()["error"]["fields"]
    assert reviewer.get("/cases?per_page=0").status_code == 422  # every bad query value (issue 13)
    assert reviewer.get("/cases?page=abc").status_code == 422
    assert reviewer.get("/cases?status=bogus").status_code == 422
    assert reviewer.post("/cases", None, data="not json", content_type="application/json").status_code == 400
    assert reviewer.get("/tasks/999999").status_code == 404
    assert reviewer.get("/nope").status_code == 404


def test_case_list_filters_and_pagination(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    for i in range(3):
        recorder.register(title=f"记录 {i}")
    recorder.register(subject_department="czj", key_area="审计")
    page = reviewer.get("/cases?per_page=2&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["page"] == 2
    assert reviewer.get("/cases?area=审计").get_json()["total"] == 1
    assert reviewer.get("/cases?subject=czj").get_json()["total"] == 1
    assert reviewer.get("/cases?status=in_review").get_json()["total"] == 4
    assert reviewer.get("/cases?status=published").get_json()["total"] == 0
