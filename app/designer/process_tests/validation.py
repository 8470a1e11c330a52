"""The format of a process-test document, checked before anything runs: every problem in
Chinese, naming the case and step it is in (the file format is described in the package)."""
from __future__ import annotations

import re

from app.designer.process_tests.expectations import check_expect
from app.designer.process_tests.times import parse_duration, parse_time
from app.org.models import ROLES

STEP_KINDS = ("complete", "message", "advance", "advance_working_days", "advance_to", "expect")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")  # a process key: also a file name


def check_tests(doc) -> list[str]:
    """What is wrong with a whole test document, in Chinese (empty when it can run)."""
    if not isinstance(doc, dict):
        return ["测试文件必须是 JSON 对象"]
    problems = []
    if not isinstance(doc.get("process"), str) or not KEY.match(doc["process"]):
        problems.append("缺少有效的 process（流程代码）")
    unknown = set(doc) - {"process", "users", "cases", "description"}
    if unknown:
        problems.append("未知的键：" + "、".join(sorted(unknown)))
    problems += check_users(doc.get("users"), "users")
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        problems.append("cases 必须是非空列表")
        return problems
    names = set()
    for i, case in enumerate(cases, start=1):
        problems += [f"第 {i} 个用例：{p}" for p in check_case(case)]
        name = case.get("name") if isinstance(case, dict) else None
        if name in names:
            problems.append(f"第 {i} 个用例：名称“{name}”重复")
        names.add(name)
    return problems


def check_users(users, where: str) -> list[str]:
    """What is wrong with a "users" object (name → {department, roles, district, full_name})."""
    if users is None:
        return []
    if not isinstance(users, dict):
        return [f"{where} 必须是对象（名称 → {{department, roles}}）"]
    problems = []
    for name, spec in users.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("department"), str):
            problems.append(f"{where}.{name} 需要 department（单位代码）")
            continue
        roles = spec.get("roles")
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            problems.append(f"{where}.{name} 的 roles 必须是以下角色的非空列表：{'、'.join(ROLES)}")
        if set(spec) - {"department", "roles", "district", "full_name"}:
            problems.append(f"{where}.{name} 有未知的键：{'、'.join(sorted(set(spec) - {'department', 'roles', 'district', 'full_name'}))}")
    return problems


def check_case(case) -> list[str]:
    """What is wrong with one test case (empty when it can run)."""
    if not isinstance(case, dict):
        return ["用例必须是 JSON 对象"]
    problems = []
    if not isinstance(case.get("name"), str) or not case["name"].strip():
        problems.append("缺少 name（用例名称）")
    unknown = set(case) - {"name", "description", "users", "start", "steps", "expect"}
    if unknown:
        problems.append("未知的键：" + "、".join(sorted(unknown)))
    problems += check_users(case.get("users"), "users")
    start = case.get("start")
    if not isinstance(start, dict):
        problems.append("缺少 start（发起：as、at、data）")
    else:
        if not isinstance(start.get("data"), dict):
            problems.append("start.data 必须是对象（发起表单的数据）")
        if not isinstance(start.get("as"), str) and not isinstance(start.get("recording_department"), str):
            problems.append("start 需要 as（发起人）或 recording_department（登记单位代码）")
        if "at" in start and parse_time(start["at"]) is None:
            problems.append(f"start.at 不是 ISO 时间：{start['at']!r}")
        if set(start) - {"as", "at", "data", "recording_department"}:
            problems.append("start 有未知的键：" + "、".join(sorted(set(start) - {"as", "at", "data", "recording_department"})))
    steps = case.get("steps", [])
    if not isinstance(steps, list):
        problems.append("steps 必须是列表")
        steps = []
    for i, step in enumerate(steps, start=1):
        problems += [f"第 {i} 步：{p}" for p in check_step(step)]
    if "expect" in case:
        problems += [f"最终 expect：{p}" for p in check_expect(case["expect"])]
    return problems


def check_step(step) -> list[str]:
    """What is wrong with one step (exactly one of STEP_KINDS, with its own keys)."""
    if not isinstance(step, dict):
        return ["步骤必须是 JSON 对象"]
    kinds = [k for k in STEP_KINDS if k in step]
    if len(kinds) != 1:
        return [f"步骤必须恰好包含 {'、'.join(STEP_KINDS)} 之一"]
    kind = kinds[0]
    allowed = {"complete": {"complete", "as", "data", "files", "note", "refused"},
               "message": {"message", "as", "data", "note"}}.get(kind, {kind, "note"})
    problems = []
    if set(step) - allowed:
        problems.append(f"{kind} 步骤有未知的键：" + "、".join(sorted(set(step) - allowed)))
    value = step[kind]
    if kind == "complete":
        if not isinstance(value, str) or not value:
            problems.append("complete 必须是任务的元素 id")
        if "as" in step and not isinstance(step["as"], str):
            problems.append("as 必须是用户名")
        if not isinstance(step.get("data", {}), dict):
            problems.append("data 必须是对象（任务表单的数据）")
        files = step.get("files", {})
        if not isinstance(files, dict) or not all(
                isinstance(v, list) and v and all(isinstance(n, str) and n for n in v) for v in files.values()):
            problems.append("files 必须是对象：文件字段 → 文件名列表")
        refused = step.get("refused", {})
        if not isinstance(refused, dict) or ("refused" in step and not refused) or not all(
                isinstance(v, str) and v for v in refused.values()):
            problems.append("refused 必须是非空对象：字段 → 提示中应包含的文字（该次提交应被拒绝）")
    elif kind == "message":
        if not isinstance(value, str) or not value:
            problems.append("message 必须是消息名称（如 source_revoked）")
        if "as" in step and not isinstance(step["as"], str):
            problems.append("as 必须是用户名")
        if not isinstance(step.get("data", {}), dict):
            problems.append("data 必须是对象（消息表单的数据）")
    elif kind == "advance":
        if parse_duration(value) is None:
            problems.append(f"advance 不是 ISO-8601 时长（如 P400D、PT2H）：{value!r}")
    elif kind == "advance_to":
        if parse_time(value) is None:
            problems.append(f"advance_to 不是 ISO 时间：{value!r}")
    elif kind == "advance_working_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2000:
            problems.append(f"advance_working_days 必须是 0 到 2000 的整数，而不是 {value!r}")
    else:
        problems += check_expect(value)
    return problems

