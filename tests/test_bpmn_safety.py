"""Designers upload BPMN: scripts and expressions run in a sandbox, checked at deploy time, and
XML is parsed safely. A bad file is refused with a message naming the element and the problem."""
import os

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.engine import ProcessInstance, ProcessVersion
from app.core.extensions import db
from tests.bpmn_builder import probe_process
from tests.support import RECORD


@pytest.fixture()
def deploy_file(runner, tmp_path):
    def _deploy(content: bytes):
        path = tmp_path / "probe.bpmn"
        path.write_bytes(content)
        return runner.invoke(args=["deploy", str(path)])
    return _deploy


def test_a_valid_probe_deploys(deploy_file, ctx):
    result = deploy_file(probe_process(condition="len(facts) > 1000"))
    assert result.exit_code == 0, result.output
    assert "已部署 safety_probe 第 1 版" in result.output


@pytest.mark.parametrize("expression, fragment", [
    ("__import__('os').system('touch /tmp/chengxin-pwned')", "__import__"),
    ("().__class__.__base__.__subclasses__()", "以下划线开头"),
    ("10**10**10", "数值"),
    ("open('/etc/passwd').read()", "open"),
    ("eval('1+1')", "eval"),
    ("amount >", "语法"),
])
def test_dangerous_conditions_are_refused_at_deploy(deploy_file, ctx, expression, fragment):
    result = deploy_file(probe_process(condition=expression))
    assert result.exit_code == 1
    assert "f_cond" in result.output and fragment in result.output
    assert not os.path.exists("/tmp/chengxin-pwned")
    assert db.session.scalar(select(func.count()).select_from(ProcessVersion).join(ProcessVersion.definition)
                             .where(ProcessVersion.definition.has(key="safety_probe"))) == 0


@pytest.mark.parametrize("script, fragment", [
    ("import os\nos.system('true')", "不允许导入模块"),
    ("x = ().__class__.__base__.__subclasses__()", "以下划线开头"),
    ("x = 10 ** 10 ** 10", "数值"),
    ("x = os_system('rm -rf /')", "未知函数 os_system"),
    ("x = getattr(facts, '__class__')", "getattr"),
])
def test_dangerous_scripts_are_refused_at_deploy(deploy_file, script, fragment):
    result = deploy_file(probe_process(script=script))
    assert result.exit_code == 1
    assert "probe_script" in result.output and fragment in result.output


def test_bad_timer_expressions_are_refused_at_deploy(deploy_file):
    result = deploy_file(probe_process(timer="__import__('os')"))
    assert result.exit_code == 1 and "probe_timer" in result.output


def start_probe(api):
    return api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD})


@pytest.mark.parametrize("script, fragment", [
    ("x = 10 ** (len(facts) * 100)", "数值超出"),
    ("x = 'a' * (len(facts) * 10 ** 7)", "结果过长"),
    ("x = facts.ljust(10 ** 9)", "结果过长"),
    ("x = 0\nwhile True:\n    x = x + 1", "超时"),
    ("x = missing_variable + 1", "missing_variable"),
])
def test_scripts_that_blow_up_at_run_time_fail_safely(deploy_file, api, script, fragment):
    assert deploy_file(probe_process(script=script)).exit_code == 0
    r = start_probe(api)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "process_error" and "probe_script" in error["message"] and fragment in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0  # nothing half-written
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_scripts_see_whitelisted_helpers_and_case_fields(deploy_file, api):
    script = ("deadline = add_working_days('2026-09-28', 5)\nlabel = case['number'] + ':' + title.upper()\n"
              "set_record_status('notified')")
    assert deploy_file(probe_process(script=script)).exit_code == 0
    r = start_probe(api)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "notified"
    case = db.session.get(Case, r.get_json()["id"])
    import json

    state = json.loads(db.session.get(ProcessInstance, case.instance_id).state_json)
    assert '"deadline": "2026-10-10"' in json.dumps(state, ensure_ascii=False)


def test_a_domain_action_refusing_a_value_fails_the_step(deploy_file, api):
    assert deploy_file(probe_process(script="set_record_status('vanished')")).exit_code == 0
    r = start_probe(api)
    assert r.status_code == 422 and "未知的记录状态" in r.get_json()["error"]["message"]


def test_doctype_and_entities_are_rejected(deploy_file):
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
              + probe_process().split(b"\n", 1)[1].replace(b'name="\xe5\xae\x89\xe5\x85\xa8\xe6\x8e\xa2\xe9\x92\x88"', b'name="&lol2;"'))
    result = deploy_file(laughs)
    assert result.exit_code == 1 and "DOCTYPE" in result.output
    external = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                + probe_process().split(b"\n", 1)[1])
    result = deploy_file(external)
    assert result.exit_code == 1 and "DOCTYPE" in result.output


def test_malformed_and_oversized_files_are_rejected(deploy_file, app):
    result = deploy_file(b"<bpmn:definitions")
    assert result.exit_code == 1 and "XML 格式错误" in result.output
    result = deploy_file(b" " * (app.config["BPMN_MAX_BYTES"] + 1))
    assert result.exit_code == 1 and "文件过大" in result.output


@pytest.mark.parametrize("user_task, fragment", [
    ('<bpmn:userTask id="review" name="审核" cx:form="no_such_form" />', "表单 “no_such_form” 不存在"),
    ('<bpmn:userTask id="review" name="审核" />', "缺少表单"),
    ('<bpmn:userTask id="review" name="审核" cx:form="entry_review" cx:due="__import__(1)" />', "期限表达式"),
])
def test_user_tasks_need_a_form_and_a_valid_due_time(deploy_file, user_task, fragment):
    result = deploy_file(probe_process(user_task=user_task))
    assert result.exit_code == 1 and "review" in result.output and fragment in result.output


def test_unknown_lane_role_reserved_ids_and_gateways_without_default_are_refused(deploy_file):
    bad_lane = probe_process().replace(b'name="reviewer"', b'name="\xe8\xb4\xa2\xe5\x8a\xa1"')
    result = deploy_file(bad_lane)
    assert result.exit_code == 1 and "不是已知角色" in result.output
    reserved = probe_process().replace(b'id="done"', b'id="End"').replace(b'targetRef="done"', b'targetRef="End"')
    result = deploy_file(reserved)
    assert result.exit_code == 1 and "保留字" in result.output
    no_default = probe_process(condition="True").replace(b' default="f_default"', b"")
    result = deploy_file(no_default)
    assert result.exit_code == 1 and "默认流" in result.output


def test_two_processes_in_one_file_are_refused(deploy_file):
    doubled = probe_process().replace(b"</bpmn:definitions>", b'<bpmn:process id="other" /></bpmn:definitions>')
    result = deploy_file(doubled)
    assert result.exit_code == 1 and "只包含一个流程" in result.output



def test_structural_errors_name_the_element_and_line(deploy_file):
    dangling = probe_process().replace(b'targetRef="done"', b'targetRef="nowhere"')
    result = deploy_file(dangling)
    assert result.exit_code == 1 and "指向不存在的元素 “nowhere”" in result.output
    unknown_child = probe_process().replace(b'<bpmn:endEvent id="done" name="\xe7\xbb\x93\xe6\x9d\x9f" />',
                                            b'<bpmn:endEvent id="done"><bpmn:bogus /></bpmn:endEvent>')
    result = deploy_file(unknown_child)
    assert result.exit_code == 1 and "bpmn:bogus" in result.output and "行" in result.output


def test_a_lane_may_carry_its_role_as_cx_role_with_a_chinese_name(deploy_file, api):
    named = probe_process().replace(b'<bpmn:lane id="l_rev" name="reviewer">',
                                    b'<bpmn:lane id="l_rev" name="\xe5\xae\xa1\xe6\xa0\xb8\xe5\x91\x98" cx:role="reviewer">')
    assert deploy_file(named).exit_code == 0
    case = start_probe(api).get_json()
    assert case["open_tasks"][0]["role"] == "reviewer"


def test_service_tasks_run_a_whitelisted_action_with_sandboxed_params(deploy_file, api):
    service = ('<bpmn:serviceTask id="svc" name="设置状态" cx:action="set_record_status" cx:params="\'notified\'" />')
    xml = probe_process().replace(b'<bpmn:userTask id="review"', service.encode() + b'<bpmn:userTask id="review"')
    xml = xml.replace(b'sourceRef="begin" targetRef="review"', b'sourceRef="begin" targetRef="svc" /><bpmn:sequenceFlow id="fs" sourceRef="svc" targetRef="review"')
    xml = xml.replace(b"<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", b"<bpmn:flowNodeRef>svc</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>")
    assert deploy_file(xml).exit_code == 0, deploy_file(xml).output
    assert start_probe(api).get_json()["status"] == "notified"
    unknown = deploy_file(xml.replace(b'cx:action="set_record_status"', b'cx:action="rm_rf"'))
    assert unknown.exit_code == 1 and "svc" in unknown.output and "不在允许的动作中" in unknown.output
    bad_params = deploy_file(xml.replace(b"cx:params=\"'notified'\"", b'cx:params="__import__(1)"'))
    assert bad_params.exit_code == 1 and "服务任务参数" in bad_params.output
