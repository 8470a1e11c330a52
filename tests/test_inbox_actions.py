"""Working through the inbox (issue 20, "Inbox and search"): a task claimed from 可认领 leaves
that list at once and is counted under 我的待办; several tasks are claimed (or, by a supervisor,
reassigned) with one request in one transaction, refusals reported task by task; after a
submission the next task of the same kind is offered. Web and API alike."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.cases.models import TimelineEvent
from app.core.extensions import db
from app.org.models import Department, User
from app.tasks import service as tasks_service
from app.tasks.models import HumanTask
from tests.support import Api
from tests.test_api_parity import fields_of
from tests.test_statements_per_step import statements
from tests.web_support import csrf_token, login, post

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def entry_reviews(app, n: int) -> list[dict]:
    """`n` registered records: `n` available entry reviews for the reviewers, in deadline order."""
    with app.app_context():
        api = Api(app.test_client())
        cases = [api.as_("recorder").register(title=f"记录 {i}") for i in range(n)]
        return [api.as_("reviewer").task_for(case["id"], "entry_review") for case in cases]


@pytest.fixture()
def second_reviewer(app):
    """Another city-wide reviewer, 审核员 钱敏 (removed again by the suite's clean-up)."""
    with app.app_context():
        user = User(username="reviewer.qian", full_name="审核员 钱敏",
                    department=db.session.scalar(select(Department).where(Department.code == "xyzx")))
        user.set_password("Demo@2026")
        user.set_roles(["reviewer"])
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id


def tab_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">([^<]*)<', html))


# ---------------------------------------------------------------- a claim moves the task between tabs

def test_a_claim_from_the_available_list_removes_the_row_and_updates_both_counts(app, client):
    first, second = entry_reviews(app, 2)
    login(client, "reviewer")
    assert tab_counts(client.get("/tasks?tab=available").get_data(as_text=True)) == {"mine": "0", "available": "2",
                                                                                      "completed": "0"}
    r = client.post(f"/tasks/{first['id']}/claim?tab=available", data={"csrf_token": csrf_token(client, "/tasks")},
                    headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f'id="task-{first["id"]}"' not in html  # nothing replaces the row: it leaves the list
    assert tab_counts(html) == {"mine": "1", "available": "1", "completed": "0"}
    assert html.count('hx-swap-oob="true"') == 4  # three counts and the message
    assert "已认领任务，已移到“我的待办”" in html and 'href="/tasks?tab=mine"' in html
    mine = client.get("/tasks?tab=mine").get_data(as_text=True)
    assert f'id="task-{first["id"]}"' in mine and f'id="task-{second["id"]}"' not in mine
    with client.session_transaction() as session:  # the message was shown in place, not left for the next page
        assert not session.get("_flashes")

    # Released from 我的待办: it leaves that list and is counted as available again.
    r = client.post(f"/tasks/{first['id']}/release?tab=mine", data={"csrf_token": csrf_token(client, "/tasks")},
                    headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert f'id="task-{first["id"]}"' not in html and tab_counts(html)["mine"] == "0" and tab_counts(html)["available"] == "2"


def test_a_claim_refused_in_the_list_says_why_and_drops_the_stale_row(app, client):
    [task] = entry_reviews(app, 1)
    with app.app_context():
        Api(app.test_client()).as_("reviewer").post(f"/tasks/{task['id']}/claim")  # another tab got there first
    login(client, "supervisor")  # sees the task (supervises it) but does not hold the reviewer's role
    r = client.post(f"/tasks/{task['id']}/claim?tab=supervised", data={"csrf_token": csrf_token(client, "/tasks")},
                    headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert "您没有办理该任务的角色或权限" in html and "alert-danger" in html
    assert f'id="task-{task["id"]}"' in html  # still open: it stays in the supervisor's list


# ---------------------------------------------------------------- several at once

def test_claiming_several_in_one_request_reports_each_refusal(app, api, second_reviewer):
    tasks = entry_reviews(app, 3)
    api.as_("reviewer.qian").post(f"/tasks/{tasks[1]['id']}/claim")  # held by a colleague
    reviewer = api.as_("reviewer")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(TimelineEvent))
    r = reviewer.post("/tasks/claim", {"task_ids": [t["id"] for t in tasks] + [tasks[0]["id"], 999_999]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [t["id"] for t in body["done"]] == [tasks[0]["id"], tasks[2]["id"]]
    assert {t["claimed_by"] for t in body["done"]} == {"reviewer"}
    assert body["refused"] == [{"task_id": tasks[1]["id"], "message": "该任务已由 审核员 钱敏 认领",
                                "case_number": tasks[1]["case_number"], "task_name": "录入审核"},
                               {"task_id": 999_999, "message": "任务不存在", "case_number": None, "task_name": None}]
    with app.app_context():  # one task.claimed line each, nothing for the refused ones
        assert db.session.scalar(select(func.count()).select_from(TimelineEvent)) == before + 2
    mine = reviewer.get("/tasks?scope=mine").get_json()
    assert sorted(t["id"] for t in mine["items"]) == [tasks[0]["id"], tasks[2]["id"]]

    handler = api.as_("handler.fgw")  # not a reviewer: every one refused, nothing changes
    body = handler.post("/tasks/claim", {"task_ids": [tasks[2]["id"]]}).get_json()
    assert body["done"] == [] and body["refused"][0]["task_id"] == tasks[2]["id"]
    supervisor = api.as_("supervisor")  # sees the cases, may not claim a reviewer's task: told why, the rest goes on
    body = supervisor.post("/tasks/claim", {"task_ids": [tasks[1]["id"], tasks[2]["id"]]}).get_json()
    assert [(r["task_id"], r["message"]) for r in body["refused"]] == [
        (tasks[1]["id"], "您没有办理该任务的角色或权限"), (tasks[2]["id"], "您没有办理该任务的角色或权限")]
    for bad in ({}, {"task_ids": []}, {"task_ids": ["1"]}, {"task_ids": [0]}, {"task_ids": list(range(1, 102))}):
        r = reviewer.post("/tasks/claim", bad)
        assert r.status_code == 422 and list(fields_of(r)) == ["task_ids"], bad


def as_user(app, username: str):
    """An API user for a test that also drives the web pages with `client` (whose requests must not
    share the `api` fixture's application context)."""
    with app.app_context():
        return Api(app.test_client()).as_(username)


def test_claiming_several_on_the_page_flashes_each_refusal(app, client, second_reviewer):
    tasks = entry_reviews(app, 3)
    as_user(app, "reviewer.qian").post(f"/tasks/{tasks[0]['id']}/claim")
    login(client, "reviewer")
    html = client.get("/tasks?tab=available").get_data(as_text=True)
    assert 'id="claim-selected"' in html and html.count('name="task_ids"') == 2  # the held one is not listed
    r = post(client, "/tasks/claim", {"task_ids": [str(t["id"]) for t in tasks], "next": "/tasks?tab=available"},
             follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "已认领 2 项任务，已移到“我的待办”" in html
    assert f"{tasks[0]['case_number']}“录入审核”未处理：该任务已由 审核员 钱敏 认领" in html
    assert tab_counts(html)["mine"] == "2" and tab_counts(html)["available"] == "0"
    html = post(client, "/tasks/claim", {"next": "/tasks?tab=available"}, follow_redirects=True).get_data(as_text=True)
    assert "请选择 1 到 100 项任务" in html


def test_a_supervisor_reassigns_several_tasks_at_once(app, client, second_reviewer):
    tasks = entry_reviews(app, 2)
    case = as_user(app, "recorder").register()
    as_user(app, "reviewer").complete(case["id"], "entry_review", APPROVE)
    notice = as_user(app, "handler.fgw").task_for(case["id"], "respond_notice")  # a handler's task
    supervisor = as_user(app, "supervisor")
    r = supervisor.post("/tasks/reassign", {"task_ids": [tasks[0]["id"], notice["id"], tasks[1]["id"]],
                                            "assignee_id": second_reviewer})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [t["id"] for t in body["done"]] == [tasks[0]["id"], tasks[1]["id"]]
    assert {t["claimed_by"] for t in body["done"]} == {"reviewer.qian"}
    assert body["refused"] == [{"task_id": notice["id"], "message": "不能改派给该用户",
                                "case_number": notice["case_number"], "task_name": notice["name"]}]
    with app.app_context():  # each handover is on its case's timeline
        handovers = db.session.scalars(select(TimelineEvent.data).where(TimelineEvent.kind == "task.reassigned")).all()
        assert sorted(d["task_id"] for d in handovers) == [tasks[0]["id"], tasks[1]["id"]]
        assert {d["to"] for d in handovers} == {second_reviewer}
    r = as_user(app, "reviewer").post("/tasks/reassign", {"task_ids": [tasks[0]["id"]], "assignee_id": second_reviewer})
    assert r.status_code == 403
    r = supervisor.post("/tasks/reassign", {"task_ids": [tasks[0]["id"]], "assignee_id": 999_999})
    assert r.status_code == 422 and list(fields_of(r)) == ["assignee_id"]

    login(client, "supervisor")
    html = client.get("/tasks?tab=supervised").get_data(as_text=True)
    assert 'id="reassign-selected"' in html and "data-confirm=" in html
    assignees = re.search(r'<select[^>]*id="batch-assignee".*?</select>', html, re.S).group(0)
    assert "审核员 李娜" in assignees and "审核员 钱敏" in assignees and "经办人 张伟" in assignees
    with app.app_context():
        li_na = db.session.scalar(select(User.id).where(User.username == "reviewer"))
    r = post(client, "/tasks/reassign", {"task_ids": [str(tasks[0]["id"]), str(tasks[1]["id"])], "assignee_id": str(li_na),
                                         "next": "/tasks?tab=supervised"}, follow_redirects=True)
    assert "已将 2 项任务改派给 审核员 李娜" in r.get_data(as_text=True)
    with app.app_context():
        holders = set(db.session.scalars(select(HumanTask.claimed_by_id).where(
            HumanTask.id.in_([tasks[0]["id"], tasks[1]["id"]]))))
        assert holders == {li_na}


# ---------------------------------------------------------------- the next task of the same kind

def test_after_a_submission_the_next_task_of_the_same_kind_is_offered(app, client):
    first, second, third = entry_reviews(app, 3)
    reviewer = as_user(app, "reviewer")
    reviewer.post(f"/tasks/{third['id']}/claim")  # held by me: offered before unclaimed ones
    login(client, "reviewer")
    r = post(client, f"/tasks/{first['id']}", APPROVE, page=f"/tasks/{first['id']}")
    assert r.status_code == 302 and r.headers["Location"] == f"/tasks?offer={third['id']}"
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    offer = re.search(r'<section[^>]*id="next-task".*?</section>', html, re.S).group(0)
    assert "下一件同类任务" in offer and "录入审核" in offer and third["case_number"] in offer
    assert f'href="/tasks/{third["id"]}"' in offer and 'id="back-to-list"' in offer
    assert re.search(r'id="back-to-list"[^>]*href="/tasks"|href="/tasks"[^>]*id="back-to-list"', offer)

    # The API's twin gives the same answer, for any task the user may see.
    assert reviewer.get(f"/tasks/{first['id']}/next").get_json()["task"]["id"] == third["id"]
    assert reviewer.get(f"/tasks/{third['id']}/next").get_json()["task"]["id"] == second["id"]
    assert as_user(app, "handler.czj").get(f"/tasks/{first['id']}/next").status_code == 404

    # A suspended case's task is not offered; with none left the list comes back without an offer.
    as_user(app, "supervisor").post(f"/cases/{second['case_id']}/suspend", {"reason": "核实来源文书"})
    assert reviewer.get(f"/tasks/{third['id']}/next").get_json() == {"task": None}
    r = post(client, f"/tasks/{third['id']}", APPROVE, page=f"/tasks/{third['id']}")
    assert r.headers["Location"] == "/tasks"
    assert 'id="next-task"' not in client.get("/tasks").get_data(as_text=True)
    # An offer that is no longer open (or not the user's to take) is not shown.
    assert 'id="next-task"' not in client.get(f"/tasks?offer={first['id']}").get_data(as_text=True)


def test_the_next_task_is_found_with_one_statement(app, api):
    """The offer after a submission costs one read, made after the step's transaction: the
    completion's own statement budget (tests/test_statements_per_step.py) is untouched."""
    first, second = entry_reviews(app, 2)
    user = db.session.scalar(select(User).where(User.username == "reviewer"))
    done = db.session.get(HumanTask, first["id"])
    with statements() as sent:
        following = tasks_service.next_of_kind(user, done)
        assert (following.id, following.case.number, following.case.subject_name, following.hold) == (
            second["id"], second["case_number"], "市发展改革委", None)
    assert len(sent) == 1, "\n".join(sent)


def test_a_claim_of_a_task_no_longer_there_says_so_in_the_list(app, client):
    """A row left open in a tab while the case moved on: the claim answers in place (the row goes,
    the reason is shown) instead of swapping a whole page into the row."""
    [task] = entry_reviews(app, 1)
    as_user(app, "reviewer").complete(task["case_id"], "entry_review", APPROVE)
    login(client, "reviewer")
    r = client.post(f"/tasks/{task['id']}/claim?tab=available", data={"csrf_token": csrf_token(client, "/tasks")},
                    headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert "任务已办结，不能再办理" in html and f'id="task-{task["id"]}"' not in html
    r = client.post("/tasks/999999/claim?tab=available", data={"csrf_token": csrf_token(client, "/tasks")},
                    headers={"HX-Request": "true"})
    assert "任务不存在" in r.get_data(as_text=True) and "<html" not in r.get_data(as_text=True)
