"""Process tests (app/designer/process_tests/): every shipped test passes, a failing one says which step
and what differed, and a run never persists anything nor moves anybody else's clock."""
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.designer import process_tests
from app.designer.process_tests import running
from app.designer.process_tests.times import add_months, parse_duration
from app.cases.models import Attachment, Case, CaseLink, CaseSequence, TimelineEvent
from app.core.clock import LOCAL_TZ, clock
from app.engine import ProcessInstance
from app.core.extensions import db
from app.notifications.models import EmailOutbox, Notification
from app.org.models import User
from app.tasks.models import HumanTask
from tests.conftest import START
from tests.support import RECORD

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}
USERS = {"recorder": {"department": "xyzx", "roles": ["recorder"]},
         "reviewer": {"department": "xyzx", "roles": ["reviewer"]},
         "handler": {"department": "fgw", "roles": ["handler"]},
         "handler.other": {"department": "czj", "roles": ["handler"]}}


def record_case(steps, expect=None, name="测试用例", **start):
    case = {"name": name, "start": {"as": "recorder", "at": "2026-09-14T09:00", "data": dict(RECORD), **start},
            "steps": steps}
    if expect is not None:
        case["expect"] = expect
    return case


def run(case, **kw):
    return process_tests.run_case("dishonesty_record", case, users=USERS, **kw)


def counts():
    db.session.expire_all()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Case, ProcessInstance, TimelineEvent, HumanTask, CaseLink, Attachment, Notification,
                          EmailOutbox, CaseSequence, User)}


# --- the shipped tests -----------------------------------------------------------------------

def test_every_shipped_process_test_passes(ctx):
    results = process_tests.run_all()
    assert {"dishonesty_record", "warning_rectification"} <= set(results)
    assert len(results["dishonesty_record"]) >= 5 and len(results["warning_rectification"]) >= 4
    failed = {f"{key} › {r.name}": r.failures for key, rs in results.items() for r in rs if not r.passed}
    assert failed == {}
    assert all(r.steps_run == len(case["steps"]) for key, rs in results.items()
               for r, case in zip(rs, process_tests.load_tests(key)["cases"]))


def test_shipped_files_are_well_formed(app, ctx):
    files = sorted((Path(app.config["WORKFLOWS_DIR"]) / "tests").glob("*.json"))
    assert {"dishonesty_record", "warning_rectification"} <= {f.stem for f in files}
    for path in files:
        doc = process_tests.load_tests(path.stem)
        assert process_tests.check_tests(doc) == [] and doc["process"] == path.stem
        assert (path.parent.parent / f"{path.stem}.bpmn").is_file()
        for case in doc["cases"]:  # 2027's working-day calendar is not loaded: tests start in 2026
            assert case["start"]["at"].startswith("2026-")
    assert process_tests.load_tests("no_such_process") is None
    assert process_tests.load_tests("../etc/passwd") is None


# --- failures are reported, not raised -------------------------------------------------------

def test_a_wrong_expectation_fails_naming_the_step_and_the_difference(ctx):
    result = run(record_case([
        {"complete": "entry_review", "as": "reviewer", "data": APPROVE},
        {"expect": {"status": "confirmed", "open_tasks": ["publication_decision"], "tier": "serious",
                    "due": {"respond_notice": "2026-09-21"}}},
        {"complete": "respond_notice", "as": "handler", "data": {"response": "accept"}},
    ]))
    assert not result.passed and result.steps_run == 2  # the case stops at the failed expectation
    assert result.failures == [
        "第 2 步 expect：状态应为 confirmed，实际为 notified",
        "第 2 步 expect：待办应为 [publication_decision]，实际为 [respond_notice]",
        "第 2 步 expect：任务 respond_notice 的期限应为 2026-09-21，实际为 2026-09-20",
        "第 2 步 expect：字段 tier 应为 \"serious\"，实际为 \"general\"",
    ]
    assert result.name == "测试用例" and result.duration_ms >= 0


def test_the_final_expectation_is_named_too(ctx):
    result = run(record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE}],
                             expect={"finished": True, "events": ["public.criticism"]}))
    assert result.failures == ["最终 expect：流程应已结束，实际仍在运行",
                               "最终 expect：时间线中应有 public.criticism 事件，实际没有"]


def test_invalid_task_data_fails_with_the_forms_field_messages(ctx):
    result = run(record_case([{"complete": "entry_review", "as": "reviewer", "data": {"entry_decision": "maybe"}}]))
    assert not result.passed and len(result.failures) == 1
    message = result.failures[0]
    assert message.startswith("第 1 步 complete entry_review：表单填写有误")
    assert "“审核结论”的取值必须是以下之一：通过，告知被记录单位；退回记录单位补正；符合免责、容错情形，不予记录" in message
    # returning needs the opinion (the form's if/then), in the form's own words
    result = run(record_case([{"complete": "entry_review", "as": "reviewer", "data": {"entry_decision": "return"}}]))
    assert "退回或认定免责、容错时，须写明审核意见（理由）" in result.failures[0]


def test_invalid_start_data_fails_at_the_start(ctx):
    result = run(record_case([], data={**RECORD, "tier": "huge"}))
    assert result.failures and result.failures[0].startswith("开始：表单填写有误")
    assert "失信程度" in result.failures[0] and result.steps_run == 0


def test_completing_a_task_that_is_not_open_fails_clearly(ctx):
    result = run(record_case([{"complete": "publication_decision", "as": "reviewer",
                               "data": {"publish": True, "decision_note": "公开"}}]))
    assert result.failures == ["第 1 步 complete publication_decision：任务 publication_decision 当前不是待办（当前待办：entry_review）"]


def test_a_user_outside_the_tasks_scope_cannot_complete_it(ctx):
    result = run(record_case([
        {"complete": "entry_review", "as": "reviewer", "data": APPROVE},
        {"complete": "respond_notice", "as": "handler.other", "data": {"response": "accept"}},
    ]))
    assert result.failures == [("第 2 步 complete respond_notice：用户 handler.other 不能办理任务 respond_notice"
                                "（需要角色 handler，且任务在其办理范围内）")]
    result = run(record_case([], **{"as": "reviewer"}))
    assert result.failures == ["开始：用户 reviewer 不能发起该流程（需要角色 recorder）"]
    result = run(record_case([{"complete": "entry_review", "as": "nobody", "data": APPROVE}]))
    assert result.failures[0].startswith("第 1 步 complete entry_review：用户 nobody 不存在")


def test_real_users_can_act_and_as_is_optional(ctx):
    result = process_tests.run_case("dishonesty_record", record_case([
        {"complete": "entry_review", "data": APPROVE},  # the first eligible reviewer acts
        {"complete": "respond_notice", "as": "handler.fgw", "data": {"response": "accept"}},  # a real (demo) user
    ], expect={"status": "confirmed"}), users={})
    assert result.passed, result.failures


def test_run_case_without_users_uses_the_stored_files_test_users(ctx):
    """The designer page runs `run_case(key, case)` for each stored case: the file's users apply."""
    doc = process_tests.load_tests("warning_rectification")
    assert "supervisor" in doc["users"]
    case = {**doc["cases"][0], "start": {**doc["cases"][0]["start"], "as": "handler"}}
    result = process_tests.run_case("warning_rectification", case)
    assert result.failures == ["开始：用户 handler 不能发起该流程（需要角色 supervisor）"]  # the file's handler, no real one
    assert process_tests.run_case("warning_rectification", doc["cases"][0]).passed


def test_an_engine_error_fails_the_case_and_the_next_case_still_runs(ctx):
    doomed = record_case([
        {"complete": "entry_review", "as": "reviewer", "data": APPROVE},
        {"complete": "respond_notice", "as": "handler", "data": {"response": "accept"}},
        {"complete": "publication_decision", "as": "reviewer", "data": {"publish": True, "decision_note": "严重"}},
        {"expect": {"repairable_from": "2027-09-14"}},
        {"advance": "P1Y"},
        {"complete": "apply_repair", "as": "handler", "data": {"correction_proof": "已纠正", "credit_commitment": True}},
    ], name="修复审核期限落在未导入日历的年份", data={**RECORD, "tier": "serious"})
    fine = record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE}], expect={"status": "notified"},
                       name="正常用例")
    results = process_tests.run_tests({"process": "dishonesty_record", "users": USERS, "cases": [doomed, fine]})
    assert [r.passed for r in results] == [False, True]
    # the year moves into 2027 with no calendar: the first working-day deadline computed then fails
    # (the warning the confirmed record opened for its unit keeps timers of its own)
    assert results[0].steps_run == 5 and len(results[0].failures) == 1
    assert results[0].failures[0].startswith("第 5 步 advance P1Y：2027 年的工作日历尚未导入")


def test_a_malformed_case_is_reported_not_run(ctx):
    result = run({"name": "坏用例", "start": {"data": {}}, "steps": [{"wait": 3}, {"advance": "3 days"},
                                                                   {"expect": {"colour": "red"}}]})
    assert not result.passed and result.steps_run == 0
    assert result.failures[0] == "用例格式有误：start 需要 as（发起人）或 recording_department（登记单位代码）"
    assert any("第 1 步：步骤必须恰好包含" in f for f in result.failures)
    assert any("第 2 步：advance 不是 ISO-8601 时长" in f for f in result.failures)
    assert any("第 3 步：未知的期望项：colour" in f for f in result.failures)


def test_an_unknown_or_unreadable_file_gives_one_failed_result(ctx, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    [result] = process_tests.run_file(path)
    assert not result.passed and "不是有效的 JSON" in result.failures[0]
    path.write_text(json.dumps({"process": "no_such_process", "cases": [record_case([])]}), encoding="utf-8")
    [result] = process_tests.run_file(path)
    assert result.failures == ["开始：流程 no_such_process 尚未部署"]


# --- time and versions -----------------------------------------------------------------------

def test_advance_working_days_crosses_the_deadline_and_fires_timers(ctx):
    result = run(record_case([
        {"complete": "entry_review", "as": "reviewer", "data": APPROVE},
        {"advance_to": "2026-09-20T23:59"},  # the 5th working day is Sunday 09-20 (a make-up working day)
        {"expect": {"status": "notified"}},
        {"advance_working_days": 0},  # to just after the end of today
        {"expect": {"status": "confirmed", "open_tasks": ["publication_decision"], "events": ["task.cancelled"]}},
        {"advance_to": "2026-09-20T00:00"},
    ]))
    assert result.failures == ["第 6 步 advance_to 2026-09-20T00:00：时间不能倒退（当前测试时间为 2026-09-21T00:00+08:00）"]


def test_durations_and_calendar_months():
    parse = parse_duration
    assert parse("P400D") == (0, parse("P400D")[1]) and parse("P400D")[1].days == 400
    assert parse("PT2H")[1].total_seconds() == 7200
    assert parse("P1Y2M1W3DT4H5M6S")[0] == 14
    assert parse("P") is None and parse("PT") is None and parse("3D") is None and parse(5) is None
    jan31 = datetime(2026, 1, 31, 9, 0, tzinfo=LOCAL_TZ)
    assert add_months(jan31, 1).astimezone(LOCAL_TZ) == datetime(2026, 2, 28, 9, 0, tzinfo=LOCAL_TZ)
    assert add_months(jan31, 12).astimezone(LOCAL_TZ).date() == date(2027, 1, 31)


def test_runs_the_latest_version_or_the_given_one(ctx, app):
    from app.designer.deployment import deploy_bytes

    xml = (Path(app.config["WORKFLOWS_DIR"]) / "dishonesty_record.bpmn").read_text(encoding="utf-8")
    changed = xml.replace("<bpmn:script>set_record_status('in_review')</bpmn:script>",
                          "<bpmn:script>set_record_status('draft')</bpmn:script>")
    assert changed != xml
    version, created = deploy_bytes(changed.encode(), "dishonesty_record.bpmn", comment="测试：新版本")
    assert created and version.version == 2
    case = record_case([{"expect": {"status": "in_review", "open_tasks": ["entry_review"]}}])
    assert run(case).failures == ["第 1 步 expect：状态应为 in_review，实际为 draft"]
    assert run(case, version=1).passed
    assert run(case, version=9).failures == ["开始：流程 dishonesty_record 没有第 9 版"]


# --- nothing persists ------------------------------------------------------------------------

def test_nothing_is_persisted_and_the_clock_is_untouched(ctx):
    before = counts()
    results = process_tests.run_all()
    assert all(r.passed for rs in results.values() for r in rs)
    db.session.remove()
    assert counts() == before
    assert before["Case"] == 0 and before["TimelineEvent"] == 0
    assert clock.now() == START  # only the run's own context travelled


def test_a_run_inside_the_callers_transaction_leaves_the_callers_work_alone(ctx):
    before = counts()
    user = db.session.scalar(select(User).where(User.username == "designer"))
    user.full_name = "流程设计员（未保存的修改）"  # the caller's own pending work
    result = run(record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE}],
                             expect={"status": "notified"}))
    assert result.passed, result.failures
    assert user.full_name == "流程设计员（未保存的修改）"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    db.session.rollback()
    assert counts() == before


def test_a_commit_inside_a_run_is_refused(ctx, monkeypatch):
    from app.tasks import sync

    original = sync.apply_step

    def committing_apply_step(*args, **kwargs):
        created = original(*args, **kwargs)
        db.session.commit()
        return created

    monkeypatch.setattr(running, "apply_step", committing_apply_step)
    before = counts()
    result = run(record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE}]))
    assert not result.passed and "不允许提交事务" in result.failures[0]
    db.session.remove()
    assert counts() == before


# --- CLI -------------------------------------------------------------------------------------

def test_cli_runs_every_shipped_test(app, runner):
    result = runner.invoke(args=["test-processes"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].endswith("passed, 0 failed") and int(lines[-1].split()[0]) >= 9
    assert any(line.startswith("✓ dishonesty_record › ") and line.endswith(" ms)") for line in lines)
    result = runner.invoke(args=["test-processes", "warning_rectification"])
    assert result.exit_code == 0 and "dishonesty_record ›" not in result.output


def test_cli_exit_code_is_1_for_a_failing_file(app, runner, tmp_path):
    path = tmp_path / "dishonesty_record.json"
    path.write_text(json.dumps({"process": "dishonesty_record", "users": USERS, "cases": [
        record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE}], expect={"status": "notified"},
                    name="通过的用例"),
        record_case([{"complete": "entry_review", "as": "reviewer", "data": APPROVE},
                     {"expect": {"status": "confirmed"}}], name="失败的用例"),
    ]}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["test-processes", "--file", str(path)])
    assert result.exit_code == 1
    assert "✓ dishonesty_record › 通过的用例" in result.output
    assert "✗ dishonesty_record › 失败的用例" in result.output
    assert "第 2 步 expect：状态应为 confirmed，实际为 notified" in result.output
    assert result.output.strip().splitlines()[-1] == "1 passed, 1 failed"


def test_cli_unknown_process_or_file_fails(app, runner, tmp_path):
    result = runner.invoke(args=["test-processes", "no_such_process"])
    assert result.exit_code == 1 and "没有流程测试" in result.output
    result = runner.invoke(args=["test-processes", "--file", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "文件不存在" in result.output


@pytest.mark.parametrize("doc, problem", [
    ([], "测试文件必须是 JSON 对象"),
    ({"process": "dishonesty_record", "cases": []}, "cases 必须是非空列表"),
    ({"process": "dishonesty_record", "users": {"x": {"department": "fgw", "roles": ["boss"]}},
      "cases": [record_case([])]}, "users.x 的 roles 必须是以下角色的非空列表"),
    ({"process": "dishonesty_record", "cases": [record_case([]), record_case([])]}, "第 2 个用例：名称“测试用例”重复"),
])
def test_check_tests_names_the_problem(doc, problem):
    assert any(problem in p for p in process_tests.check_tests(doc))
