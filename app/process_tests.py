"""Process tests: test cases stored next to a process and run against its deployed version —
from the designer page, from `flask --app wsgi test-processes`, and from pytest (`make test`).

Each test case starts a real case with the real engine, completes tasks with form data (validated
exactly as a real completion is), moves the clock and fires timers, and checks the case's status,
open tasks and fields along the way. Everything a run writes is rolled back at the end: nothing is
persisted, no notification or e-mail leaves, and time only moves for the running context
(`clock.travel`), so a run inside a web request does not move time for anybody else.

File format — `workflows/tests/<process key>.json`, UTF-8 JSON:

    {
      "process": "dishonesty_record",          # the process key (required)
      "users": {                               # optional: users that exist only during the run
        "handler": {"department": "fgw", "roles": ["handler"]},
        "reviewer": {"department": "xyzx", "roles": ["reviewer"], "district": "pudong"}
      },
      "cases": [
        {
          "name": "无异议：确认、公开，公开期满自动结束",     # required, shown in every report
          "users": {...},                      # optional, added to / overriding the file's users
          "start": {
            "as": "recorder",                  # who registers (must hold the start lane's role)
            "recording_department": "xyzx",    # only without "as": the system registers for this unit
            "at": "2026-09-14T09:00",          # optional ISO time, Shanghai when no offset (default: now)
            "data": {...}                      # the start form's data
          },
          "steps": [ ... ],                    # run in order, see below
          "expect": {...}                      # optional: checked after the last step
        }
      ]
    }

A name in "as" is first looked up in "users" (created inside the run, so shipped tests do not
depend on the accounts of an installation; departments are the seeded reference data), then
among the real users by username.

Steps — each an object with exactly one of these keys:

    {"complete": "entry_review", "as": "reviewer", "data": {...}, "files": {"field": ["a.pdf"]}}
        Complete the open task at this element of the case. "as" optional: when given, that user
        must be able to act on the task (role and scope, `can_act_on`); without it the first
        eligible user acts (or the system). "data" is validated against the task's form first,
        exactly like a real completion. "files" puts placeholder attachments (name only, no
        content) into the form's file fields.
    {"advance": "P400D"}           Move the clock by an ISO-8601 duration (PnYnMnWnDTnHnMnS;
                                   years and months are calendar months), then fire due timers.
    {"advance_working_days": 6}    Move to just after the end of the n-th working day after the
                                   current test date (what a "n working days" deadline crosses),
                                   then fire due timers.
    {"advance_to": "2026-10-14T00:00:01"}  Move to this time (Shanghai when no offset; never
                                   backwards), then fire due timers.
    {"expect": {...}}              Check the case now (keys below).

Expectations (any of):

    "status": "confirmed"                  the record status / warning stage
    "open_tasks": ["publication_decision"] the element ids of the open tasks (order ignored)
    "finished": true                       whether the process instance has ended
    "due": {"respond_notice": "2026-09-20"} the last day of an open task's deadline
    "events": ["task.cancelled"]           timeline event kinds that must have occurred
    "linked": {"escalated_to": {...}}      the same checks on a linked case, by relation
    "tier", "facts", "title", "publication_end", ...  a field of the case (dates as YYYY-MM-DD;
                                           see CASE_FIELDS)

A failed expectation, a refused step or an engine error ends that test case with failures that
name the step ("第 3 步 expect：状态应为 confirmed，实际为 notified"); the other cases still run.
Any step may carry a "note" (free text). Working-day deadlines need the calendar of their year:
keep test dates inside the loaded years.

Python API: `run_case(key, case, *, version=None, users=None)` → CaseResult (users None: those of
the stored file), `run_tests(doc)`, `run_file(path)`, `run_all(directory=None, key=None)` →
{key: [CaseResult]}, `load_tests(key)`, `check_tests(doc)` / `check_case(case)` (problems in
Chinese), `save_tests(key, doc)`; `register_process_tests_cli(app)` adds `test-processes`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import event, select

from app import engine, forms
from app.calendar.service import add_working_days
from app.cases import decisions
from app.cases.models import Attachment, Case, CaseLink, TimelineEvent
from app.cases.service import check_attachment_ids, start_case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.errors import DomainError
from app.core.extensions import db
from app.org.models import ROLES, Department, User
from app.tasks.models import HumanTask
from app.tasks.routing import can_act_on
from app.tasks.sync import apply_step, bindings_for

log = logging.getLogger(__name__)

STEP_KINDS = ("complete", "advance", "advance_working_days", "advance_to", "expect")
CASE_FIELDS: dict[str, Callable[[Case], object]] = {
    "process": lambda c: c.process_key,
    "title": lambda c: c.title,
    "subject_type": lambda c: c.subject_type,
    "subject_department": lambda c: c.subject_department.code,
    "source_type": lambda c: c.source_type,
    "document_number": lambda c: c.document_number,
    "key_area": lambda c: c.key_area,
    "tier": lambda c: c.tier,
    "facts": lambda c: c.facts,
    "publication_start": lambda c: c.publication_start,
    "publication_end": lambda c: c.publication_end,
    "repairable_from": lambda c: c.repairable_from,
    "due_on": lambda c: c.due_on,
}
EXPECT_KEYS = ("status", "open_tasks", "finished", "due", "events", "linked", *CASE_FIELDS)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
_DURATION = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_MAX_TIMER_ROUNDS = 50
_TEST_USER_PREFIX = "process-test."


class TestFileError(DomainError):
    """A test file that cannot be read or does not follow the format."""

    __test__ = False  # not a pytest class
    status, code = 422, "process_test_invalid"


@dataclass
class CaseResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    steps_run: int = 0
    duration_ms: int = 0


class _Failed(Exception):
    """Ends a test case: the messages are its failures."""

    def __init__(self, *messages: str):
        super().__init__(messages[0] if messages else "")
        self.messages = list(messages)


# --- files ---------------------------------------------------------------------------------

def tests_dir() -> Path:
    return Path(current_app.config["WORKFLOWS_DIR"]) / "tests"


def tests_path(key: str, directory: str | Path | None = None) -> Path:
    if not _KEY.match(key or ""):
        raise TestFileError(f"流程代码无效：{key!r}")
    return Path(directory or tests_dir()) / f"{key}.json"


def _read(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TestFileError(f"无法读取测试文件 {path.name}：{exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise TestFileError(f"测试文件 {path.name} 不是有效的 JSON：{exc}") from None
    problems = check_tests(doc)
    if problems:
        raise TestFileError(f"测试文件 {path.name} 格式有误：" + "；".join(problems))
    return doc


def load_tests(key: str) -> dict | None:
    """The stored tests of a process (None when it has none). Raises TestFileError for a file
    that is not valid."""
    try:
        path = tests_path(key)
    except TestFileError:
        return None
    return _read(path) if path.is_file() else None


def save_tests(key: str, doc: dict) -> Path:
    """Check and store the tests of a process (for the designer)."""
    problems = check_tests(doc)
    if not problems and doc.get("process") != key:
        problems = [f"process 应为 {key}，实际为 {doc.get('process')!r}"]
    if problems:
        raise TestFileError("测试格式有误：" + "；".join(problems))
    path = tests_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --- format check --------------------------------------------------------------------------

def check_tests(doc) -> list[str]:
    """What is wrong with a whole test document, in Chinese (empty when it can run)."""
    if not isinstance(doc, dict):
        return ["测试文件必须是 JSON 对象"]
    problems = []
    if not isinstance(doc.get("process"), str) or not _KEY.match(doc["process"]):
        problems.append("缺少有效的 process（流程代码）")
    unknown = set(doc) - {"process", "users", "cases", "description"}
    if unknown:
        problems.append("未知的键：" + "、".join(sorted(unknown)))
    problems += _check_users(doc.get("users"), "users")
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


def _check_users(users, where: str) -> list[str]:
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
    problems += _check_users(case.get("users"), "users")
    start = case.get("start")
    if not isinstance(start, dict):
        problems.append("缺少 start（发起：as、at、data）")
    else:
        if not isinstance(start.get("data"), dict):
            problems.append("start.data 必须是对象（发起表单的数据）")
        if not isinstance(start.get("as"), str) and not isinstance(start.get("recording_department"), str):
            problems.append("start 需要 as（发起人）或 recording_department（登记单位代码）")
        if "at" in start and _parse_time(start["at"]) is None:
            problems.append(f"start.at 不是 ISO 时间：{start['at']!r}")
        if set(start) - {"as", "at", "data", "recording_department"}:
            problems.append("start 有未知的键：" + "、".join(sorted(set(start) - {"as", "at", "data", "recording_department"})))
    steps = case.get("steps", [])
    if not isinstance(steps, list):
        problems.append("steps 必须是列表")
        steps = []
    for i, step in enumerate(steps, start=1):
        problems += [f"第 {i} 步：{p}" for p in _check_step(step)]
    if "expect" in case:
        problems += [f"最终 expect：{p}" for p in _check_expect(case["expect"])]
    return problems


def _check_step(step) -> list[str]:
    if not isinstance(step, dict):
        return ["步骤必须是 JSON 对象"]
    kinds = [k for k in STEP_KINDS if k in step]
    if len(kinds) != 1:
        return [f"步骤必须恰好包含 {'、'.join(STEP_KINDS)} 之一"]
    kind = kinds[0]
    allowed = {"complete": {"complete", "as", "data", "files", "note"}}.get(kind, {kind, "note"})
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
    elif kind == "advance":
        if _parse_duration(value) is None:
            problems.append(f"advance 不是 ISO-8601 时长（如 P400D、PT2H）：{value!r}")
    elif kind == "advance_to":
        if _parse_time(value) is None:
            problems.append(f"advance_to 不是 ISO 时间：{value!r}")
    elif kind == "advance_working_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2000:
            problems.append(f"advance_working_days 必须是 0 到 2000 的整数，而不是 {value!r}")
    else:
        problems += _check_expect(value)
    return problems


def _check_expect(expect) -> list[str]:
    if not isinstance(expect, dict) or not expect:
        return ["expect 必须是非空对象"]
    problems = []
    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        problems.append(f"未知的期望项：{'、'.join(sorted(unknown))}（可用：{'、'.join(EXPECT_KEYS)}）")
    if "status" in expect and not isinstance(expect["status"], str):
        problems.append("status 必须是文本")
    for name in ("open_tasks", "events"):
        if name in expect and (not isinstance(expect[name], list) or not all(isinstance(x, str) for x in expect[name])):
            problems.append(f"{name} 必须是文本列表")
    if "finished" in expect and not isinstance(expect["finished"], bool):
        problems.append("finished 必须是 true 或 false")
    if "due" in expect:
        due = expect["due"]
        if not isinstance(due, dict) or not all(isinstance(v, str) and _parse_date(v) for v in due.values()):
            problems.append("due 必须是对象：任务元素 id → YYYY-MM-DD")
    if "linked" in expect:
        linked = expect["linked"]
        if not isinstance(linked, dict) or not linked:
            problems.append("linked 必须是对象：关联关系 → 期望")
        else:
            for relation, sub in linked.items():
                problems += [f"linked.{relation}：{p}" for p in _check_expect(sub)]
    return problems


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _parse_duration(value) -> tuple[int, timedelta] | None:
    """(calendar months, the rest) of an ISO-8601 duration; None when it is not one."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    years, months, weeks, days, hours, minutes, seconds = match.groups()
    return (int(years or 0) * 12 + int(months or 0),
            timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                      minutes=int(minutes or 0), seconds=float(seconds or 0)))


def _add_months(when: datetime, months: int) -> datetime:
    if not months:
        return when
    local = when.astimezone(LOCAL_TZ)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last_day)).astimezone(UTC)


# --- running -------------------------------------------------------------------------------

@contextmanager
def _rolled_back() -> Iterator[None]:
    """Everything inside is written in a transaction (or a savepoint of the caller's) that is
    always rolled back. A commit attempted inside (a service's unit of work) is refused."""
    session = db.session()
    outer = session.in_transaction()
    nested = session.begin_nested()

    def refuse_commit(_session):
        raise RuntimeError("流程测试运行中不允许提交事务（请勿在步骤中调用带 unit_of_work 的服务）")

    event.listen(session, "before_commit", refuse_commit)
    try:
        yield
    finally:
        event.remove(session, "before_commit", refuse_commit)
        try:
            nested.rollback()
        finally:
            if not outer:
                session.rollback()


def _process_version(key: str, version) -> engine.ProcessVersion:
    latest = engine.latest_version(key)
    if latest is None:
        raise _Failed(f"流程 {key} 尚未部署")
    if version is None:
        chosen = latest
    elif isinstance(version, engine.ProcessVersion):
        chosen = version
    else:
        chosen = db.session.scalar(select(engine.ProcessVersion).where(
            engine.ProcessVersion.definition_id == latest.definition_id, engine.ProcessVersion.version == version))
        if chosen is None:
            raise _Failed(f"流程 {key} 没有第 {version} 版")
    if not chosen.start_form:
        raise _Failed(f"流程 {key} 没有发起表单，不能直接发起")
    return chosen


class _Run:
    """One test case in progress (inside the rolled-back transaction and clock.travel)."""

    def __init__(self, key: str, version: engine.ProcessVersion, users: dict):
        self.key, self.version = key, version
        self.user_specs = users
        self.users: dict[str, User] = {}
        self.case: Case | None = None

    # users
    def user(self, name: str) -> User:
        if name in self.users:
            return self.users[name]
        spec = self.user_specs.get(name)
        if spec is not None:
            user = self._test_user(name, spec)
        else:
            user = db.session.scalar(select(User).where(User.username == name))
            if user is None:
                raise _Failed(f"用户 {name} 不存在（可在测试文件的 users 中定义测试用户）")
            if not user.active:
                raise _Failed(f"用户 {name} 已停用")
        self.users[name] = user
        return user

    def _test_user(self, name: str, spec: dict) -> User:
        department = _department(spec["department"], f"测试用户 {name} 的单位")
        district = _department(spec["district"], f"测试用户 {name} 的辖区") if spec.get("district") else None
        user = User(username=(_TEST_USER_PREFIX + name)[:60], full_name=spec.get("full_name") or f"测试用户 {name}"[:60],
                    password_hash="!", department=department, scope_district=district, active=True,
                    created_at=clock.now())
        user.set_roles(spec["roles"])
        db.session.add(user)
        db.session.flush()
        return user

    # start
    def start(self, spec: dict) -> None:
        actor = self.user(spec["as"]) if spec.get("as") else None
        if actor is not None:
            lane = json.loads(self.version.task_meta_json).get("start_lane")
            if lane not in actor.roles:
                raise _Failed(f"用户 {spec['as']} 不能发起该流程（需要角色 {lane}）")
            department_id = actor.department_id
        else:
            department_id = _department(spec["recording_department"], "登记单位").id
        self.case = start_case(self.key, spec["data"], actor=actor, recording_department_id=department_id,
                               origin="流程测试", version=self.version)

    # steps
    def complete(self, step: dict) -> None:
        element = step["complete"]
        tasks = self.open_tasks(self.case)
        task = next((t for t in tasks if t.bpmn_id == element), None)
        if task is None:
            now_open = "、".join(sorted(t.bpmn_id for t in tasks)) or "无"
            raise _Failed(f"任务 {element} 当前不是待办（当前待办：{now_open}）")
        if step.get("as"):
            actor = self.user(step["as"])
            if not can_act_on(actor, task):
                raise _Failed(f"用户 {step['as']} 不能办理任务 {element}（需要角色 {task.role}，且任务在其办理范围内）")
        else:
            actor = next((u for u in _eligible(task)), None)
        instance = db.session.get(engine.ProcessInstance, task.instance_id)
        form_version = forms.version_in(instance.version, task.form_key)
        data = dict(step.get("data") or {})
        if step.get("files"):
            data = self._attach(task, actor, data, step["files"], form_version)
        data = forms.validate(task.form_key, data, form_version)
        check_attachment_ids(self.case, task.form_key, data, form_version)
        now = clock.now()
        task.status, task.completed_by_id, task.completed_at = "completed", actor.id if actor else None, now
        if task.claimed_by_id is None and actor is not None:
            task.claimed_by_id, task.claimed_at = actor.id, now
        who = actor.full_name if actor else "系统"
        record_event(self.case, "task.completed", f"{who} 办理：{task.name}",
                     {"task_id": task.id, "element": task.bpmn_id, "form": task.form_key, "form_version": form_version,
                      "data": data}, actor_id=actor.id if actor else None)
        decisions.record_from_form(self.case, task, forms.load_form(task.form_key, form_version), data, actor)
        result = engine.complete(instance, task.task_guid, data, bindings_for(self.case))
        apply_step(self.case, instance, result)

    def _attach(self, task: HumanTask, actor: User | None, data: dict, files: dict, form_version) -> dict:
        if actor is None:
            raise _Failed("上传附件需要办理人：请用 as 指定")
        file_fields = forms.file_fields(task.form_key, form_version)
        for name, filenames in files.items():
            if name not in file_fields:
                raise _Failed(f"表单 {task.form_key} 没有文件字段 {name}（文件字段：{'、'.join(file_fields) or '无'}）")
            ids = list(data.get(name) or [])
            for filename in filenames:
                attachment = Attachment(case_id=self.case.id, filename=filename[:200],
                                        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
                                        size=0, sha256=hashlib.sha256(b"").hexdigest(), uploaded_by_id=actor.id,
                                        uploaded_at=clock.now())
                db.session.add(attachment)
                db.session.flush()
                record_event(self.case, "attachment.added", f"{actor.full_name} 上传附件：{filename}（测试占位）",
                             {"attachment_id": attachment.id}, actor_id=actor.id)
                ids.append(attachment.id)
            data[name] = ids
        return data

    def advance_to(self, when: datetime) -> None:
        now = clock.now()
        if when < now:
            raise _Failed(f"时间不能倒退（当前测试时间为 {now.astimezone(LOCAL_TZ).isoformat(timespec='minutes')}）")
        clock.advance_local(when - now)
        self.fire_timers()

    def fire_timers(self) -> None:
        """Fire the due timers of the cases of this run (never of any other case)."""
        for _ in range(_MAX_TIMER_ROUNDS):
            fired = False
            for case in self.cases():
                instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
                if (instance is None or instance.status != "running" or instance.next_timer_at is None
                        or instance.next_timer_at > clock.now()):
                    continue
                result = engine.fire_timers(instance, bindings_for(case))
                apply_step(case, instance, result)
                fired = True
            if not fired:
                return
        raise _Failed("定时器循环触发次数过多，已停止（请检查流程中的定时器）")

    def cases(self) -> list[Case]:
        """The case under test and every case linked to it in this run (e.g. an escalation)."""
        seen = {self.case.id}
        frontier = [self.case.id]
        while frontier:
            linked = set(db.session.scalars(select(CaseLink.linked_case_id).where(CaseLink.case_id.in_(frontier))))
            frontier = sorted(linked - seen)
            seen |= linked
        return list(db.session.scalars(select(Case).where(Case.id.in_(seen)).order_by(Case.id)))

    @staticmethod
    def open_tasks(case: Case) -> list[HumanTask]:
        return list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "open")
                                       .order_by(HumanTask.id)))

    # expectations
    def differences(self, case: Case, expect: dict) -> list[str]:
        out = []
        if "status" in expect and case.record_status != expect["status"]:
            out.append(f"状态应为 {expect['status']}，实际为 {case.record_status}")
        tasks = self.open_tasks(case)
        if "open_tasks" in expect:
            actual = sorted(t.bpmn_id for t in tasks)
            if actual != sorted(expect["open_tasks"]):
                out.append(f"待办应为 {_list(sorted(expect['open_tasks']))}，实际为 {_list(actual)}")
        if "finished" in expect:
            instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
            finished = instance is not None and instance.status == "completed"
            if finished != expect["finished"]:
                out.append("流程应已结束，实际仍在运行" if expect["finished"] else "流程应仍在运行，实际已结束")
        for element, day in (expect.get("due") or {}).items():
            task = next((t for t in tasks if t.bpmn_id == element), None)
            if task is None:
                out.append(f"任务 {element} 不是待办，无法检查期限")
            elif task.due_at is None:
                out.append(f"任务 {element} 的期限应为 {day}，实际没有期限")
            else:
                actual_day = (task.due_at - timedelta(seconds=1)).astimezone(LOCAL_TZ).date().isoformat()
                if actual_day != day:
                    out.append(f"任务 {element} 的期限应为 {day}，实际为 {actual_day}")
        if expect.get("events"):
            kinds = set(db.session.scalars(select(TimelineEvent.kind).where(TimelineEvent.case_id == case.id)))
            out += [f"时间线中应有 {kind} 事件，实际没有" for kind in expect["events"] if kind not in kinds]
        for name, getter in CASE_FIELDS.items():
            if name in expect:
                actual = _plain(getter(case))
                if actual != expect[name]:
                    out.append(f"字段 {name} 应为 {_show(expect[name])}，实际为 {_show(actual)}")
        for relation, sub in (expect.get("linked") or {}).items():
            linked = db.session.scalar(select(Case).join(CaseLink, CaseLink.linked_case_id == Case.id)
                                       .where(CaseLink.case_id == case.id, CaseLink.relation == relation)
                                       .order_by(CaseLink.id).limit(1))
            if linked is None:
                out.append(f"应有关联案件（{relation}），实际没有")
            else:
                out += [f"关联案件（{relation}）{linked.number}：{d}" for d in self.differences(linked, sub)]
        return out


def _department(code: str, what: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code, Department.active.is_(True)))
    if department is None:
        raise _Failed(f"{what} {code} 不存在")
    return department


def _eligible(task: HumanTask) -> list[User]:
    from app.notifications.service import eligible_users

    return eligible_users(task)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        details = [m for messages in exc.fields.values() for m in messages]
        return exc.message + (f"（{'；'.join(details)}）" if details else "")
    return f"内部错误：{type(exc).__name__}: {exc}"


def _step_label(step: dict) -> str:
    kind = next(k for k in STEP_KINDS if k in step)
    return kind if kind == "expect" else f"{kind} {step[kind]}"


def run_case(key: str, case: dict, *, version=None, users: dict | None = None) -> CaseResult:
    """Run one test case of process `key` against its latest deployed version (or `version`: a
    version number or a ProcessVersion). `users` are the file's test users (the case's own
    "users" are added); None means those of the process's stored test file. Nothing is persisted."""
    started = time.perf_counter()
    if users is None:
        try:
            users = (load_tests(key) or {}).get("users")
        except TestFileError:
            users = None
    name = case.get("name") if isinstance(case, dict) and isinstance(case.get("name"), str) else "（未命名用例）"
    result = CaseResult(name=name, passed=False)
    problems = check_case(case) + _check_users(users, "users")
    if problems:
        result.failures = [f"用例格式有误：{p}" for p in problems]
        result.duration_ms = round((time.perf_counter() - started) * 1000)
        return result
    start = case["start"]
    at = _parse_time(start["at"]) if "at" in start else clock.now()
    where = "开始"
    try:
        with _rolled_back(), clock.travel(at):
            run = _Run(key, _process_version(key, version), {**(users or {}), **(case.get("users") or {})})
            run.start(start)
            for index, step in enumerate(case.get("steps", []), start=1):
                where = f"第 {index} 步 {_step_label(step)}"
                result.steps_run = index
                if "complete" in step:
                    run.complete(step)
                elif "advance" in step:
                    months, rest = _parse_duration(step["advance"])
                    run.advance_to(_add_months(clock.now(), months) + rest)
                elif "advance_working_days" in step:
                    day = add_working_days(clock.today(), step["advance_working_days"])
                    run.advance_to(local_midnight_after(day) + timedelta(seconds=1))
                elif "advance_to" in step:
                    run.advance_to(_parse_time(step["advance_to"]))
                else:
                    differences = run.differences(run.case, step["expect"])
                    if differences:
                        raise _Failed(*differences)
            if "expect" in case:
                where = "最终 expect"
                differences = run.differences(run.case, case["expect"])
                if differences:
                    raise _Failed(*differences)
    except _Failed as failed:
        result.failures = [f"{where}：{m}" for m in failed.messages]
    except Exception as exc:  # an engine or domain error fails this case, never the runner
        if not isinstance(exc, DomainError):
            log.exception("process test %s / %s crashed", key, name)
        result.failures = [f"{where}：{_error_text(exc)}"]
    result.passed = not result.failures
    result.duration_ms = round((time.perf_counter() - started) * 1000)
    return result


def run_tests(doc: dict, *, version=None) -> list[CaseResult]:
    """Run every case of a (checked) test document."""
    return [run_case(doc["process"], case, version=version, users=doc.get("users") or {}) for case in doc["cases"]]


def run_file(path: str | Path, *, version=None) -> list[CaseResult]:
    """Run a test file. A file that cannot be read or checked gives one failed result saying why."""
    path = Path(path)
    try:
        doc = _read(path)
    except TestFileError as exc:
        return [CaseResult(name=path.name, passed=False, failures=[exc.message])]
    return run_tests(doc, version=version)


def _file_key(path: Path) -> str:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc["process"] if isinstance(doc, dict) and isinstance(doc.get("process"), str) else path.stem
    except (OSError, ValueError, UnicodeDecodeError):
        return path.stem


def run_all(directory: str | Path | None = None, key: str | None = None) -> dict[str, list[CaseResult]]:
    """Run every test file in `directory` (default workflows/tests), or only those of process `key`.
    Returns {process key: results}."""
    directory = Path(directory) if directory is not None else tests_dir()
    results: dict[str, list[CaseResult]] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        file_key = _file_key(path)
        if key is None or file_key == key:
            results.setdefault(file_key, []).extend(run_file(path))
    return results


# --- CLI -----------------------------------------------------------------------------------

def register_process_tests_cli(app: Flask) -> None:
    @app.cli.command("test-processes")
    @click.argument("key", required=False)
    @click.option("--file", "file_path", type=click.Path(dir_okay=False), default=None, help="只运行这个测试文件")
    def test_processes_cmd(key: str | None, file_path: str | None):
        """Run the process tests (workflows/tests/*.json) against the deployed processes; nothing is saved."""
        if file_path:
            if not Path(file_path).is_file():
                click.echo(click.style(f"文件不存在：{file_path}", fg="red"), err=True)
                sys.exit(1)
            results = {_file_key(Path(file_path)): run_file(file_path)}
        else:
            results = run_all(key=key)
            if key and not results:
                click.echo(click.style(f"流程 {key} 没有流程测试（{tests_dir() / (key + '.json')}）", fg="red"), err=True)
                sys.exit(1)
        passed = failed = 0
        for process_key, case_results in results.items():
            for r in case_results:
                mark = click.style("✓", fg="green") if r.passed else click.style("✗", fg="red")
                click.echo(f"{mark} {process_key} › {r.name} ({r.duration_ms} ms)")
                for failure in r.failures:
                    click.echo(click.style(f"    {failure}", fg="red"))
                passed, failed = passed + r.passed, failed + (not r.passed)
        click.echo(f"{passed} passed, {failed} failed")
        if failed:
            sys.exit(1)
