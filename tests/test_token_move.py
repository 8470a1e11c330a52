"""Moving a case's token (issue 15, Camunda's "modification"): an operator moves a case from the
task it waits at to another user task of the same (sub-)process, after a dry run that saves
nothing; the task left closes with its timers, the target opens with its own; refusals name the
elements as the designer did. Admins and supervisors over the case, 404 outside scope."""
from __future__ import annotations

import json

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, TimelineEvent
from app.core.extensions import db
from app.engine import ProcessInstance
from app.incidents.models import Incident
from app.tasks.models import HumanTask
from tests.support import RECORD, elements
from tests.test_warning_lifecycle import WARNING
from tests.test_incidents import _blocked_script_case, district_supervisor, supervisor_web  # noqa: F401 (fixtures)
from tests.web_support import post



def _timeline(case_id: int, kind: str) -> list[TimelineEvent]:
    return list(db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == case_id, TimelineEvent.kind == kind).order_by(TimelineEvent.id)))


def _instance(case_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(Case, case_id).instance_id)


def test_dry_run_saves_nothing_then_the_move_opens_the_target_and_closes_the_task_left(api):
    case = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": RECORD}).get_json()
    admin = api.as_("admin")
    options = admin.get(f"/cases/{case['id']}/moves").get_json()["items"]
    assert [o["at"]["bpmn_id"] for o in options] == ["entry_review"] and options[0]["refusal"] is None
    assert "correct_entry" in [t["bpmn_id"] for t in options[0]["targets"]]
    assert "publication_decision" not in [t["bpmn_id"] for t in options[0]["targets"]]  # inside a sub-process

    body = {"source": "entry_review", "target": "correct_entry", "reason": "材料不全，退回补正"}
    r = admin.post(f"/cases/{case['id']}/move", {**body, "dry_run": True})
    assert r.status_code == 200, r.get_json()
    plan = r.get_json()
    assert plan == {"dry_run": True, "left": "“录入审核”（entry_review）", "reached": "“补正记录信息”（correct_entry）",
                    "closed": ["录入审核"], "opened": ["补正记录信息"], "finished": False}
    assert elements(api.as_("reviewer").case(case["id"])) == ["entry_review"]  # nothing saved
    assert _timeline(case["id"], "case.token_moved") == []

    r = admin.post(f"/cases/{case['id']}/move", body)
    assert r.status_code == 200 and r.get_json()["dry_run"] is False
    assert elements(api.as_("recorder").case(case["id"])) == ["correct_entry"]
    moved = _timeline(case["id"], "case.token_moved")
    assert len(moved) == 1 and "材料不全，退回补正" in moved[0].summary
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.token_moved")) is not None
    left = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case["id"], HumanTask.bpmn_id == "entry_review"))
    assert left.status == "cancelled"
    # Back again, and the task reached is a real one: completing it goes on along the diagram.
    assert admin.post(f"/cases/{case['id']}/move", {"source": "correct_entry", "target": "entry_review",
                                                     "reason": "已补齐"}).status_code == 200
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    assert elements(api.as_("handler.fgw").case(case["id"])) == ["respond_notice"]


def test_a_task_with_deadline_timers_moved_to_gets_its_own_timers_and_loses_the_old_ones(api):
    warning = api.as_("supervisor").post("/cases", {"process": "warning_rectification", "data": WARNING}).get_json()
    assert elements(api.as_("handler.fgw").case(warning["id"])) == ["explain"]
    before = _instance(warning["id"]).next_timer_at
    r = api.as_("admin").post(f"/cases/{warning['id']}/move",
                              {"source": "explain", "target": "submit_plan", "reason": "书面说明已线下提交"})
    assert r.status_code == 200, r.get_json()
    assert elements(api.as_("handler.fgw").case(warning["id"])) == ["submit_plan"]
    state = json.loads(_instance(warning["id"]).state_json)
    waiting = {t["task_spec"] for sub in state["subprocesses"].values() for t in sub["tasks"].values() if t["state"] == 8}
    assert waiting == {"submit_plan_reminder", "submit_plan_overdue"}  # the old deadline timers are gone
    assert before is not None and _instance(warning["id"]).next_timer_at > before  # counted from the move


def test_refusals_name_the_elements_and_save_nothing(api):
    warning = api.as_("supervisor").post("/cases", {"process": "warning_rectification", "data": WARNING}).get_json()
    admin = api.as_("admin")
    url = f"/cases/{warning['id']}/move"
    r = admin.post(url, {"source": "submit_plan", "target": "explain", "reason": "x"})
    assert r.status_code == 409 and "不在环节" in r.get_json()["error"]["message"]
    r = admin.post(url, {"source": "explain", "target": "verify", "reason": "x"})  # another sub-process
    assert r.status_code == 409 and "同一层级" in r.get_json()["error"]["message"]
    r = admin.post(url, {"source": "explain", "target": "gw_will_rectify", "reason": "x"})  # not a user task
    assert r.status_code == 409
    r = admin.post(url, {"source": "explain", "target": "explain", "reason": "x"})
    assert r.status_code == 409 and "无需移动" in r.get_json()["error"]["message"]
    r = admin.post(url, {"source": "", "target": "submit_plan", "reason": "x"})
    assert r.status_code == 422 and "source" in r.get_json()["error"]["fields"]
    r = admin.post(url, {"source": "explain", "target": "submit_plan"})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    assert elements(api.as_("handler.fgw").case(warning["id"])) == ["explain"]
    assert _timeline(warning["id"], "case.token_moved") == []


def test_moving_past_what_failed_resolves_the_incident(api, tick):
    case, incident = _blocked_script_case(api, tick)
    r = api.as_("supervisor").post(f"/cases/{case['id']}/move",
                                   {"source": "a_task", "target": "c_task", "reason": "单位已线下报送"})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.status, incident.resolution) == ("resolved", "moved")
    assert _instance(case["id"]).status == "running"
    assert elements(api.as_("reviewer").case(case["id"])) == ["c_task"]


def test_scope_404_and_roles_403(api, district_supervisor):  # noqa: F811
    case = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": RECORD}).get_json()
    body = {"source": "entry_review", "target": "correct_entry", "reason": "x"}
    assert api.as_("sup.pudong").post(f"/cases/{case['id']}/move", body).status_code == 404
    assert api.as_("sup.pudong").get(f"/cases/{case['id']}/moves").status_code == 404
    assert api.as_("reviewer").post(f"/cases/{case['id']}/move", body).status_code == 403
    assert api.as_("handler.czj").post(f"/cases/{case['id']}/move", body).status_code == 404
    assert elements(api.as_("reviewer").case(case["id"])) == ["entry_review"]


def test_the_case_page_offers_the_move_with_a_dry_run_then_a_confirmation(app, supervisor_web, api):  # noqa: F811
    client = supervisor_web
    case = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": RECORD}).get_json()
    page = f"/cases/{case['id']}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="case-move-form"' in html and 'value="entry_review→correct_entry"' in html
    move = {"move": "entry_review→correct_entry", "reason": "材料不全"}
    r = post(client, f"{page}/move", {**move, "dry_run": "1"}, page=page)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="move-plan"' in html and "补正记录信息" in html and 'id="move-confirm-form"' in html
    assert elements(api.as_("reviewer").case(case["id"])) == ["entry_review"]
    r = post(client, f"{page}/move", move, page=page)
    assert r.status_code == 302 and r.headers["Location"].endswith(page)
    assert elements(api.as_("recorder").case(case["id"])) == ["correct_entry"]
    r = post(client, f"{page}/move", {"move": "entry_review→correct_entry", "reason": "再来"}, page=page)
    assert r.status_code == 302  # refused (the case no longer waits there): back to the case page with the reason
    assert "不在环节" in client.get(page).get_data(as_text=True)
