"""Joint rewards and punishments (联动奖惩, issue 19; policy §二(一)2: the recording unit initiates,
each implementing unit responds and feeds back), driven through the real processes: a published
serious record opens one feedback task per measure and implementing unit as the rules say, the
matrix fills as the units answer, a silent unit is overdue and gets 督办, repair lifts every measure
at every unit, and the eligibility check answers restricted before the repair date and not after.
Lighter or no punishment reduces or skips the measures; units outside the case see nothing of it."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseLink
from app.designer import process_tests
from app.designer.deployment import deploy_bytes
from app.engine import DeployRefused
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.notifications.models import Notification
from app.org.models import CivilServant, Department, User
from app.rules import service as rules
from app.sanctions import service as sanctions
from app.tasks.models import HumanTask
from tests.bpmn_builder import HEADER
from tests.support import RECORD, add_district_user, load_calendar_year
from tests.web_support import login

APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分"}
PUBLISH = {"publish": True, "decision_note": "依规公开"}
SERIOUS = {**RECORD, "tier": "serious", "title": "招标中串通投标", "key_area": "政府采购"}
APPLIED = {"sanction_outcome": "applied", "sanction_on": "2026-09-14", "sanction_note": "已暂停评选资格，沪人社〔2026〕88号"}
NOT_APPLICABLE = {"sanction_outcome": "not_applicable", "sanction_on": "2026-09-14", "sanction_note": "本单位本年度无相关事项"}
LIFTED = {"lifted_on": "2027-09-14", "lift_note": "已恢复"}


def implementer(code: str) -> str:
    """An implementer (联动实施单位) of unit `code`: the demo account when there is one, else one made now."""
    username = f"implementer.{code}"
    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        user = User(username=username, full_name=f"联动实施（{code}）",
                    department=db.session.scalar(select(Department).where(Department.code == code)))
        user.set_password("Demo@2026")
        user.set_roles(["implementer"])
        db.session.add(user)
        db.session.commit()
    return username


def published(api, *, accept_as="handler.fgw", **overrides) -> int:
    """A record registered, approved, accepted and published today; returns its case id."""
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case_id = recorder.register(**{**SERIOUS, **overrides})["id"]
    reviewer.complete(case_id, "entry_review", APPROVE)
    api.as_(accept_as).complete(case_id, "respond_notice", {"response": "accept"})
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    return case_id


def sanctions_case(record: Case) -> Case | None:
    """The joint-sanctions case the record started (linked sanctions_opened)."""
    return db.session.scalar(select(Case).join(CaseLink, CaseLink.linked_case_id == Case.id)
                             .where(CaseLink.case_id == record.id, CaseLink.relation == "sanctions_opened"))


def feedback_tasks(case: Case, element: str = "apply_measure", status: str = "open") -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.bpmn_id == element,
                                                           HumanTask.status == status).order_by(HumanTask.id)))


def unit_codes(tasks) -> list[str]:
    return sorted(db.session.get(Department, t.department_id).code for t in tasks)


def matrix(api, case_id: int, as_: str = "recorder") -> dict:
    r = api.as_(as_).get(f"/cases/{case_id}/sanctions")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def states(body: dict) -> dict[tuple[str, str], str]:
    return {(c["measure"], c["unit"]): c["state"] for c in body["cells"]}


def answer(api, code: str, case: Case, data: dict, element: str = "apply_measure") -> None:
    """Unit `code` feeds back on its task at `element`; the test's objects are read afresh after it
    (the API shares the test's session, which keeps what it loaded before)."""
    api.as_(implementer(code)).complete(case.id, element, data)
    db.session.expire_all()


def eligible(api, subject: str, day: str, as_: str = "reviewer") -> dict:
    r = api.as_(as_).get(f"/eligibility?subject={subject}&date={day}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_serious_record_gets_one_task_per_implementing_unit_the_matrix_fills_overdue_units_get_supervised_and_repair_lifts(
        api, tick):
    for code in ("xyzx", "fgw", "rsj", "bgt", "czj"):
        implementer(code)
    record_id = published(api)
    record = db.session.get(Case, record_id)
    joint = sanctions_case(record)
    assert joint is not None and joint.number.startswith("LD-") and joint.document_number == record.number
    assert joint.record_status == "sanctioning" and joint.subject_department.code == "fgw"

    # One task per implementing unit of every measure the rules give a serious 政府采购 record of a unit.
    rows = rules.decide("sanction_measures", {"tier": "serious", "key_area": "政府采购", "subject_type": "department",
                                              "punishment_level": "normal"}, on=clock.today()).outputs
    expected = sorted(code for row in rows for code in row["units"].split())
    open_tasks = feedback_tasks(joint)
    assert len(open_tasks) == len(expected) == 5 and unit_codes(open_tasks) == expected
    assert sorted(t.item for t in open_tasks) == sorted(row["label"] for row in rows)
    assert all(t.role == "implementer" and t.due_at is not None for t in open_tasks)

    body = matrix(api, record_id)
    assert body["sanctions_case_number"] == joint.number and body["record_number"] == record.number
    assert set(states(body).values()) == {"pending"} and len(body["cells"]) == 5
    assert [c["due_on"] for c in body["cells"]] == ["2026-09-28"] * 5  # 10 working days (Mid-autumn, 09-20 a make-up day)

    # The matrix fills as the units answer: the human resources bureau applies the honours bar, the
    # credit centre finds its measure not applicable.
    answer(api, "rsj", joint, APPLIED)
    answer(api, "xyzx", joint, NOT_APPLICABLE)
    now = states(matrix(api, joint.id, "reviewer"))
    assert now[("no_honours", "rsj")] == "applied" and now[("integrity_notice", "xyzx")] == "not_applicable"
    assert now[("assessment_deduction", "fgw")] == now[("public_criticism", "bgt")] == "pending"
    cell = next(c for c in matrix(api, record_id)["cells"] if c["unit"] == "rsj")
    assert (cell["answered_on"], cell["answered_by"]) == ("2026-09-14", "联动实施 钱军（市人力资源社会保障局）")
    assert "沪人社〔2026〕88号" in cell["answer_note"]
    assert [d["kind"] for d in api.as_("reviewer").case(joint.id)["decisions"]].count("sanction_feedback") == 2
    # the applied honours measure bars the unit from honours until the record's last published day
    [restriction] = sanctions.for_case(record)
    assert (restriction.department.code, restriction.civil_servant_id) == ("fgw", None)
    assert (restriction.starts_on, restriction.ends_on) == (date(2026, 9, 14), date(2029, 9, 13))

    # A second answer by the same unit is impossible: its task is done.
    with pytest.raises(AssertionError):
        api.as_(implementer("rsj")).task_for(joint.id, "apply_measure")

    # The deadline passes: the three silent units are overdue and told so, the supervisor gets 督办.
    tick(datetime(2026, 9, 29, 9, 0, tzinfo=LOCAL_TZ))
    now = states(matrix(api, record_id))
    assert sorted(unit for (measure, unit), state in now.items() if state == "overdue") == ["bgt", "czj", "fgw"]
    assert now[("no_honours", "rsj")] == "applied"
    overdue = set(db.session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                     .where(Notification.kind == "task.overdue")))
    assert {implementer("czj"), implementer("bgt"), implementer("fgw"), "supervisor"} <= overdue
    assert implementer("rsj") not in overdue and implementer("xyzx") not in overdue
    supervisor = api.as_("supervisor")
    supervisor.complete(joint.id, "supervise_apply_measure", {"supervision_action": "urge", "supervision_reason": "请立即反馈",
                                                               "new_deadline_days": 2})
    assert {c["due_on"] for c in matrix(api, record_id)["cells"] if c["state"] == "pending"} == {"2026-10-08"}  # National Day holidays
    for code in ("fgw", "bgt", "czj"):
        answer(api, code, joint, {**APPLIED, "sanction_on": "2026-09-29"})
    assert set(states(matrix(api, record_id)).values()) == {"applied", "not_applicable"}
    assert feedback_tasks(joint, "supervise_apply_measure") == []

    # Eligibility: restricted while the record is published …
    before = eligible(api, "fgw", "2026-10-15")
    assert before["restricted"] is True and before["subject_name"] == "市发展改革委"
    [reason] = before["reasons"]
    assert (reason["case_number"], reason["measure"], reason["implementing_unit"]) == \
        (record.number, "no_honours", "市人力资源社会保障局")
    assert (reason["starts_on"], reason["until"], reason["lifted_on"]) == ("2026-09-14", "2029-09-13", None)
    assert eligible(api, "fgw", "2026-09-13")["restricted"] is False  # not before it was applied

    # … then repaired: every unit gets a lifting task, the bar ends on the repair day.
    load_calendar_year(2027)
    tick(datetime(2027, 9, 14, 9, 0, tzinfo=LOCAL_TZ))  # serious: repair from one year on
    api.as_("handler.fgw").complete(record_id, "apply_repair", {"correction_proof": "已整改并公开致歉", "credit_commitment": True})
    api.as_("reviewer").complete(record_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
    assert api.as_("reviewer").case(record_id)["status"] == "repaired"
    db.session.expire_all()
    lifting = feedback_tasks(joint, "lift_measure")
    assert unit_codes(lifting) == expected and joint.record_status == "lifting"
    assert set(states(matrix(api, record_id)).values()) == {"lifting"}
    assert eligible(api, "fgw", "2027-09-13")["restricted"] is True
    after = eligible(api, "fgw", "2027-09-14")
    assert after["restricted"] is False and after["reasons"] == []
    assert eligible(api, "fgw", "2028-01-10")["restricted"] is False

    for code in expected:
        answer(api, code, joint, LIFTED, "lift_measure")
    body = matrix(api, record_id)
    assert set(states(body).values()) == {"lifted"} and {c["lift_reason"] for c in body["cells"]} == {"repair"}
    db.session.expire_all()
    assert joint.record_status == "lifted" and joint.closed_at is not None


def test_lighter_punishment_keeps_fewer_measures_and_no_punishment_none(api):
    """从轻 / 免于惩戒, decided on the unit's exemption claim in the objection review, reduce or skip the
    measures — in the rules (sanction_measures' punishment_level column), not in code."""
    def with_level(level: str) -> Case:
        recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
        case_id = recorder.register(**SERIOUS)["id"]
        reviewer.complete(case_id, "entry_review", APPROVE)
        handler.complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "已主动挽回损失",
                                                     "commitment": True, "exemption_ground": "loss_recovered",
                                                     "exemption_explanation": "案发后主动纠正并赔偿"})
        reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "记录属实",
                                                        "exemption_outcome": level, "exemption_reasons": "主动纠错"})
        reviewer.complete(case_id, "publication_decision", PUBLISH)
        record = db.session.get(Case, case_id)
        assert record.punishment_level == level and record.record_status == "published"
        return record

    normal = published(api)
    lighter = with_level("lighter")
    none = with_level("none")
    assert len(feedback_tasks(sanctions_case(db.session.get(Case, normal)))) == 5
    assert unit_codes(feedback_tasks(sanctions_case(lighter))) == ["fgw", "xyzx"]
    spared = sanctions_case(none)
    assert feedback_tasks(spared) == [] and spared.record_status == "no_sanction" and spared.closed_at is not None
    assert matrix(api, none.id)["cells"] == []


def test_a_civil_servant_is_barred_not_the_unit_and_deletion_lifts_at_once(api):
    """A civil servant's record bars him from 评优评先 (two implementing units), not his unit; when
    the source decision is revoked the record is withdrawn and every measure lifted that day."""
    servant = db.session.scalar(select(CivilServant).where(CivilServant.name == "孙明"))
    record_id = published(api, accept_as="handler.czj", tier="general", subject_type="civil_servant",
                          subject_department="czj", civil_servant_id=servant.id, key_area="审计")
    joint = sanctions_case(db.session.get(Case, record_id))
    assert unit_codes(feedback_tasks(joint)) == ["gwyj", "rsj", "xyzx"]
    answer(api, "gwyj", joint, APPLIED)
    assert eligible(api, servant.staff_number, "2026-09-20")["restricted"] is True
    assert eligible(api, str(servant.id), "2026-09-20")["restricted"] is True
    assert eligible(api, "czj", "2026-09-20")["restricted"] is False  # the unit is not barred by its servant's record
    # 纪检人事 asks about its own unit's staff only
    add_district_user("discipline.czj", "纪检人事（市财政局）", "discipline", "czj")
    assert eligible(api, "CZ-2019-0107", "2026-09-20", "discipline.czj")["restricted"] is True
    assert api.as_("discipline.czj").get("/eligibility?subject=fgw").status_code == 404
    assert api.as_("discipline.fgw").get("/eligibility?subject=CZ-2019-0107").status_code == 404

    clock.set(datetime(2026, 10, 12, 10, 0, tzinfo=LOCAL_TZ))
    r = api.as_("recorder").post(f"/cases/{record_id}/events", {"message": "source_revoked", "data": {
        "revoking_authority": "court", "revocation_document_number": "（2026）沪01行终12号", "revoked_on": "2026-10-10",
        "revocation_reason": "复议撤销"}})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert unit_codes(feedback_tasks(joint, "lift_measure")) == ["gwyj", "rsj", "xyzx"]
    assert feedback_tasks(joint) == []  # the units that had not answered no longer have a feedback task
    cells = {c["unit"]: c for c in matrix(api, record_id)["cells"]}
    assert cells["rsj"]["answer"] == "not_applied" and cells["gwyj"]["answer"] == "applied"
    assert {c["lift_reason"] for c in cells.values()} == {"deletion"}
    assert eligible(api, servant.staff_number, "2026-10-11")["restricted"] is True
    assert eligible(api, servant.staff_number, "2026-10-12")["restricted"] is False


def test_units_outside_the_case_see_neither_another_units_task_nor_the_matrix(api, client):
    record_id = published(api)
    joint = sanctions_case(db.session.get(Case, record_id))
    tasks = {db.session.get(Department, t.department_id).code: t for t in feedback_tasks(joint)}
    rsj = api.as_(implementer("rsj"))
    assert rsj.get(f"/tasks/{tasks['rsj'].id}").status_code == 200
    assert rsj.get(f"/tasks/{tasks['czj'].id}").status_code == 404
    assert rsj.post(f"/tasks/{tasks['czj'].id}/complete", {"data": APPLIED}).status_code == 404
    assert rsj.get(f"/cases/{record_id}/sanctions").status_code == 404
    assert rsj.get(f"/cases/{joint.id}/sanctions").status_code == 404
    assert rsj.get(f"/cases/{joint.id}").status_code == 404
    # the subject unit sees its case, but the feedback matrix is the recording unit's, reviewers' and supervisors'
    assert api.as_("handler.fgw").get(f"/cases/{record_id}/sanctions").status_code == 403
    assert api.as_("handler.czj").get(f"/cases/{record_id}/sanctions").status_code == 404
    add_district_user("reviewer.pudong", "审核员（浦东）", "reviewer")
    assert api.as_("reviewer.pudong").get(f"/cases/{record_id}/sanctions").status_code == 404
    assert api.as_("reviewer.pudong").get("/eligibility?subject=fgw").status_code == 404
    # an implementer's inbox holds its own unit's task only, named with its measure
    listed = rsj.get("/tasks?scope=available").get_json()["items"]
    assert [(t["element"], t["item"]) for t in listed] == [("apply_measure", "取消参加各类荣誉评选资格")]
    # in the browser too: 404 on the other unit's task page, the own one shows the measure and unit
    login(client, implementer("rsj"))
    assert client.get(f"/tasks/{tasks['czj'].id}").status_code == 404
    page = client.get(f"/tasks/{tasks['rsj'].id}").get_data(as_text=True)
    assert "取消参加各类荣誉评选资格" in page and "市人力资源社会保障局" in page
    assert client.get(f"/cases/{record_id}").status_code == 404


def test_the_eligibility_check_refuses_bad_questions_and_roles(api):
    reviewer = api.as_("reviewer")
    for query, field in (("subject=nobody", "subject"), ("subject=fgw&date=2026-02-30", "date"), ("date=2026-09-14", "subject"),
                         ("subject=", "subject")):
        r = reviewer.get(f"/eligibility?{query}")
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (query, r.get_json())
    assert api.as_("handler.fgw").get("/eligibility?subject=fgw").status_code == 403
    assert api.as_(implementer("rsj")).get("/eligibility?subject=fgw").status_code == 403
    assert reviewer.get("/eligibility?subject=fgw").get_json()["restricted"] is False  # today, by default


def test_the_eligibility_page_asks_answers_and_explains_refusals(app):
    """The page (no app context held across requests: each login is its own)."""
    reviewer, handler = app.test_client(), app.test_client()
    login(reviewer, "reviewer")
    empty = reviewer.get("/eligibility")
    assert empty.status_code == 200 and 'id="eligibility-empty"' in empty.get_data(as_text=True)
    answered = reviewer.get("/eligibility?subject=fgw&date=2026-09-14").get_data(as_text=True)
    assert 'data-restricted="no"' in answered and "市发展改革委" in answered
    bad = reviewer.get("/eligibility?subject=%3Cscript%3E")
    assert bad.status_code == 422 and "找不到单位或公务员" in bad.get_data(as_text=True)
    assert "<script>" not in bad.get_data(as_text=True)
    assert reviewer.get("/eligibility?subject=fgw&date=2026-13-01").status_code == 400
    login(handler, "handler.fgw")
    assert handler.get("/eligibility").status_code == 403


# ---------------------------------------------------------------- the engine's per-task expressions

def _probe(task_attrs: str, lane: str = "implementer") -> bytes:
    """recorder registers → one user task (in `lane`) with `task_attrs` → end."""
    return (HEADER + '<bpmn:process id="unit_probe" name="办理单位探针" isExecutable="true"><bpmn:laneSet id="ls">'
            '<bpmn:lane id="l_rec" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>'
            f'<bpmn:lane id="l_task" name="{lane}"><bpmn:flowNodeRef>act</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>'
            '</bpmn:lane></bpmn:laneSet><bpmn:startEvent id="begin" name="登记" cx:form="record_register" />'
            f'<bpmn:userTask id="act" name="办理" cx:form="entry_review"{task_attrs} /><bpmn:endEvent id="done" />'
            '<bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="act" /><bpmn:sequenceFlow id="f2" sourceRef="act" targetRef="done" />'
            '</bpmn:process></bpmn:definitions>\n').encode()


def _run(steps: list) -> list[str]:
    start = {"as": "recorder", "at": "2026-09-14T09:00", "data": {**RECORD, "occurred_on": "2026-03-15"}}
    users = {"recorder": {"department": "xyzx", "roles": ["recorder"]},
             "implementer": {"department": "rsj", "roles": ["implementer"]}, "reviewer": {"department": "xyzx", "roles": ["reviewer"]}}
    return process_tests.run_case("unit_probe", {"name": "probe", "start": start, "steps": steps}, users=users).failures


def test_a_task_s_unit_item_and_completion_script_are_checked_at_deploy_and_honoured_at_run(ctx):
    for attrs, what in ((' cx:unit="__import__(\'os\')"', "办理单位表达式（cx:unit）"), (' cx:item="1 +"', "办理事项表达式（cx:item）"),
                        (' cx:onComplete="import os"', "办理后脚本（cx:onComplete）")):
        with pytest.raises(DeployRefused) as refused:
            deploy_bytes(_probe(attrs), "unit_probe.bpmn")
        assert what in refused.value.message, refused.value.message

    deploy_bytes(_probe(""), "unit_probe.bpmn")  # an implementer's task must name its unit
    [failure] = _run([])
    assert "办理单位（cx:unit）未给出" in failure
    deploy_bytes(_probe(' cx:unit="\'nowhere\'"'), "unit_probe.bpmn")
    [failure] = _run([])
    assert "“nowhere”不存在或已停用" in failure

    deploy_bytes(_probe(' cx:unit="\'rsj\'" cx:item="\'本项\'" cx:onComplete="correct_record({\'title\': case[\'title\'] + \'+\' + '
                        'review_opinion})"'), "unit_probe.bpmn")
    assert _run([{"expect": {"open_tasks": ["act"]}},
                 {"complete": "act", "as": "implementer", "data": {"entry_decision": "approve", "review_opinion": "已核"}},
                 {"expect": {"title": f"{RECORD['title']}+已核", "finished": True}}]) == []
    # the unit decides who acts: a reviewer-lane task with a unit stays the lane's (district) task
    deploy_bytes(_probe(' cx:unit="\'rsj\'"', lane="reviewer"), "unit_probe.bpmn")
    assert _run([{"complete": "act", "as": "reviewer", "data": {"entry_decision": "approve", "review_opinion": "好"}}]) == []
def test_eligibility_subjects_that_are_not_ascii_numbers_get_422_not_500(api):
    """Finding (attack-19): `subject=²` (a digit to str.isdigit, not to int) crashed with 500."""
    for subject in ("%C2%B2", "%E2%91%A0", "%D9%A3"):  # ², ①, Arabic-Indic three
        r = api.as_("reviewer").get(f"/eligibility?subject={subject}")
        assert r.status_code == 422 and "subject" in r.get_json()["error"]["fields"], (subject, r.status_code)


def test_a_scoped_asker_cannot_tell_an_unknown_subject_from_one_outside_its_scope(api):
    """Finding (attack-19): a unit's 纪检人事 got 404 for another unit's civil servant but 422 for an id
    nobody has, so counting ids or staff numbers listed who exists elsewhere. Outside a city-wide
    scope, unknown is 404 with the same message as out of scope; city-wide askers still get 422."""
    discipline = api.as_("discipline.fgw")
    elsewhere = db.session.scalar(select(CivilServant).join(Department).where(Department.code != "fgw").limit(1))
    out_of_scope = discipline.get(f"/eligibility?subject={elsewhere.id}")
    unknown = discipline.get("/eligibility?subject=999999")
    assert out_of_scope.status_code == unknown.status_code == 404
    assert out_of_scope.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    assert api.as_("reviewer").get("/eligibility?subject=999999").status_code == 422


def test_a_measure_cannot_be_fed_back_as_applied_before_it_was_asked_for(api):
    """Finding (attack-19): an implementing unit could date its feedback back to 2017 (the form's only
    bound), and the eligibility check then answered "restricted" for years before the record existed.
    The day applied is not before the day the measure was planned (the feedback task issued)."""
    implementer("rsj")
    joint = sanctions_case(db.session.get(Case, published(api)))
    task = api.as_(implementer("rsj")).task_for(joint.id, "apply_measure")
    r = api.as_(implementer("rsj")).post(f"/tasks/{task['id']}/complete",
                                         json={"data": {**APPLIED, "sanction_on": "2020-01-02"}})
    assert r.status_code == 422, r.get_json()
    assert "2026-09-14" in r.get_json()["error"]["message"]
    assert eligible(api, "fgw", "2020-06-01")["restricted"] is False
    answer(api, "rsj", joint, APPLIED)  # the day it was asked for is fine
    assert eligible(api, "fgw", "2026-09-14")["restricted"] is True
