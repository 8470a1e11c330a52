"""Running a test case: a real case started with the real engine, its tasks completed with form
data validated exactly as a real completion is, the clock moved and timers fired, expectations
checked along the way. Everything a run writes is inside a transaction that is always rolled
back, and time moves only for the running context (`clock.travel`), so a run inside a web request
does not move time for anybody else."""
from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select

from app import engine, forms
from app.calendar.service import add_working_days
from app.cases import decisions, events
from app.cases.models import Attachment, Case, CaseLink
from app.cases.service import check_attachment_ids, start_case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.designer.process_tests.expectations import differences, open_tasks
from app.designer.process_tests.loading import TestFileError, file_key, load_tests, read_tests, tests_dir
from app.designer.process_tests.reporting import CaseResult, StepFailed, error_text, step_label
from app.designer.process_tests.times import add_months, parse_duration, parse_time
from app.designer.process_tests.users import RunUsers, active_department
from app.designer.process_tests.validation import check_case, check_users
from app.notifications.service import eligible_users
from app.org.models import User
from app.tasks.models import HumanTask
from app.tasks.routing import can_act_on
from app.tasks.service import task_variables
from app.tasks.sync import apply_step, bindings_for

log = logging.getLogger(__name__)
_MAX_TIMER_ROUNDS = 50


@contextmanager
def rolled_back() -> Iterator[None]:
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


def process_version(key: str, version) -> engine.ProcessVersion:
    """The version a run uses: the latest deployed one, or `version` (a number or a ProcessVersion).
    Raises StepFailed when the process is not deployed, has no such version or no start form."""
    latest = engine.latest_version(key)
    if latest is None:
        raise StepFailed(f"流程 {key} 尚未部署")
    if version is None:
        chosen = latest
    elif isinstance(version, engine.ProcessVersion):
        chosen = version
    else:
        chosen = db.session.scalar(select(engine.ProcessVersion).where(
            engine.ProcessVersion.definition_id == latest.definition_id, engine.ProcessVersion.version == version))
        if chosen is None:
            raise StepFailed(f"流程 {key} 没有第 {version} 版")
    if not chosen.start_form:
        raise StepFailed(f"流程 {key} 没有发起表单，不能直接发起")
    return chosen


class CaseRun:
    """One test case in progress (inside the rolled-back transaction and clock.travel)."""

    def __init__(self, key: str, version: engine.ProcessVersion, users: dict):
        self.key, self.version = key, version
        self.users = RunUsers(users)
        self.case: Case | None = None

    def start(self, spec: dict) -> None:
        """Register the case as spec["as"] (who must hold the start lane's role) or, without it, as
        the system for the unit spec["recording_department"]."""
        actor = self.users.named(spec["as"]) if spec.get("as") else None
        if actor is not None:
            lane = json.loads(self.version.task_meta_json).get("start_lane")
            if lane not in actor.roles:
                raise StepFailed(f"用户 {spec['as']} 不能发起该流程（需要角色 {lane}）")
            department_id = actor.department_id
        else:
            department_id = active_department(spec["recording_department"], "登记单位").id
        self.case = start_case(self.key, spec["data"], actor=actor, recording_department_id=department_id,
                               origin="流程测试", version=self.version)

    def run_step(self, step: dict) -> None:
        """Run one (checked) step. Raises StepFailed, or the DomainError of a refused step."""
        if "complete" in step:
            self.complete(step)
        elif "message" in step:
            self.message(step)
        elif "advance" in step:
            months, rest = parse_duration(step["advance"])
            self.advance_to(add_months(clock.now(), months) + rest)
        elif "advance_working_days" in step:
            day = add_working_days(clock.today(), step["advance_working_days"])
            self.advance_to(local_midnight_after(day) + timedelta(seconds=1))
        elif "advance_to" in step:
            self.advance_to(parse_time(step["advance_to"]))
        else:
            self.expect(step["expect"])

    def expect(self, expect: dict) -> None:
        """Raises StepFailed with every difference between the case and `expect`."""
        found = differences(self.case, expect)
        if found:
            raise StepFailed(*found)

    def complete(self, step: dict) -> None:
        """Complete the open task at element step["complete"] the way a real completion does:
        the form data validated, the timeline and decisions recorded, the engine stepped."""
        task = self._open_task(step["complete"])
        actor = self._actor(task, step.get("as"))
        instance = db.session.get(engine.ProcessInstance, task.instance_id)
        form_version = forms.version_in(instance.version, task.form_key)
        data = dict(step.get("data") or {})
        if step.get("files"):
            data = self._attach(task, actor, data, step["files"], form_version)
        variables = task_variables(task, instance) if forms.reads_variables(
            forms.load_form(task.form_key, form_version)) else None
        try:
            data = forms.validate(task.form_key, data, form_version, variables, case=self.case.form_context())
            check_attachment_ids(self.case, task.form_key, data, form_version)
        except DomainError as exc:
            if "refused" in step:
                self._check_refusal(step["refused"], exc)
                return
            raise
        if "refused" in step:
            raise StepFailed(f"任务 {task.bpmn_id} 的提交应被拒绝（{_fields(step['refused'])}），实际已通过校验")
        now = clock.now()
        task.status, task.completed_by_id, task.completed_at = "completed", actor.id if actor else None, now
        if task.claimed_by_id is None and actor is not None:
            task.claimed_by_id, task.claimed_at = actor.id, now
        who = actor.full_name if actor else "系统"
        record_event(self.case, "task.completed", sentence(N_("%(actor)s 办理：%(task)s"), actor=who, task=task.name,
                                                          labels=("task",)),
                     {"task_id": task.id, "element": task.bpmn_id, "form": task.form_key, "form_version": form_version,
                      "data": data}, actor_id=actor.id if actor else None)
        decisions.record_from_form(self.case, task, forms.load_form(task.form_key, form_version), data, actor)
        result = engine.complete(instance, task.task_guid, data, bindings_for(self.case))
        apply_step(self.case, instance, result)

    @staticmethod
    def _check_refusal(expected: dict, exc: DomainError) -> None:
        """A refused completion must name each expected field with a message containing the
        expected text."""
        missing = [f"字段 {name} 应有包含“{text}”的提示，实际为 {'；'.join(exc.fields.get(name, [])) or '无'}"
                   for name, text in expected.items() if not any(text in m for m in exc.fields.get(name, []))]
        if missing:
            raise StepFailed(*missing)
    def message(self, step: dict) -> None:
        """Deliver the message step["message"] to the case as a sender does (its form validated,
        the sender's role and scope checked), e.g. a court revoking the source decision."""
        kind = events.MESSAGES.get(step["message"])
        if kind is None:
            raise StepFailed(f"未知的消息 {step['message']}（可用：{'、'.join(events.MESSAGES)}）")
        actor = self.users.named(step["as"]) if step.get("as") else None
        if actor is not None and not events.may_send(actor, self.case, kind):
            raise StepFailed(f"用户 {step['as']} 不能为该案件登记“{kind.label}”")
        events.deliver(self.case, kind.name, dict(step.get("data") or {}), actor, via=N_("流程测试"))

    def _open_task(self, element: str) -> HumanTask:
        tasks = open_tasks(self.case)
        task = next((t for t in tasks if t.bpmn_id == element), None)
        if task is None:
            now_open = "、".join(sorted(t.bpmn_id for t in tasks)) or "无"
            raise StepFailed(f"任务 {element} 当前不是待办（当前待办：{now_open}）")
        return task

    def _actor(self, task: HumanTask, name: str | None) -> User | None:
        """The named user, who must be able to act on the task (role and scope); without a name
        the first eligible user, or None (the system)."""
        if not name:
            return next((u for u in eligible_users(task)), None)
        actor = self.users.named(name)
        if not can_act_on(actor, task):
            raise StepFailed(f"用户 {name} 不能办理任务 {task.bpmn_id}（需要角色 {task.role}，且任务在其办理范围内）")
        return actor

    def _attach(self, task: HumanTask, actor: User | None, data: dict, files: dict, form_version) -> dict:
        """Placeholder attachments (name only, no content) put into the form's file fields."""
        if actor is None:
            raise StepFailed("上传附件需要办理人：请用 as 指定")
        file_fields = forms.file_fields(task.form_key, form_version)
        for name, filenames in files.items():
            if name not in file_fields:
                raise StepFailed(f"表单 {task.form_key} 没有文件字段 {name}（文件字段：{'、'.join(file_fields) or '无'}）")
            ids = list(data.get(name) or [])
            for filename in filenames:
                attachment = Attachment(case_id=self.case.id, filename=filename[:200],
                                        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
                                        size=0, sha256=hashlib.sha256(b"").hexdigest(), uploaded_by_id=actor.id,
                                        uploaded_at=clock.now())
                db.session.add(attachment)
                db.session.flush()
                record_event(self.case, "attachment.added", sentence(N_("%(actor)s 上传附件：%(file)s（测试占位）"),
                                                                    actor=actor.full_name, file=filename),
                             {"attachment_id": attachment.id}, actor_id=actor.id)
                ids.append(attachment.id)
            data[name] = ids
        return data

    def advance_to(self, when: datetime) -> None:
        """Move this context's clock to `when` (never backwards), then fire due timers."""
        now = clock.now()
        if when < now:
            raise StepFailed(f"时间不能倒退（当前测试时间为 {now.astimezone(LOCAL_TZ).isoformat(timespec='minutes')}）")
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
        raise StepFailed("定时器循环触发次数过多，已停止（请检查流程中的定时器）")

    def cases(self) -> list[Case]:
        """The case under test and every case linked to it in this run (e.g. an escalation)."""
        seen = {self.case.id}
        frontier = [self.case.id]
        while frontier:
            linked = set(db.session.scalars(select(CaseLink.linked_case_id).where(CaseLink.case_id.in_(frontier))))
            frontier = sorted(linked - seen)
            seen |= linked
        return list(db.session.scalars(select(Case).where(Case.id.in_(seen)).order_by(Case.id)))


def _fields(expected: dict) -> str:
    return "、".join(expected)


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
    problems = check_case(case) + check_users(users, "users")
    if problems:
        result.failures = [f"用例格式有误：{p}" for p in problems]
        result.duration_ms = round((time.perf_counter() - started) * 1000)
        return result
    start = case["start"]
    at = parse_time(start["at"]) if "at" in start else clock.now()
    where = "开始"
    try:
        with rolled_back(), clock.travel(at):
            run = CaseRun(key, process_version(key, version), {**(users or {}), **(case.get("users") or {})})
            run.start(start)
            for index, step in enumerate(case.get("steps", []), start=1):
                where = f"第 {index} 步 {step_label(step)}"
                result.steps_run = index
                run.run_step(step)
            if "expect" in case:
                where = "最终 expect"
                run.expect(case["expect"])
    except StepFailed as failed:
        result.failures = [f"{where}：{m}" for m in failed.messages]
    except Exception as exc:  # an engine or domain error fails this case, never the runner
        if not isinstance(exc, DomainError):
            log.exception("process test %s / %s crashed", key, name)
        result.failures = [f"{where}：{error_text(exc)}"]
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
        doc = read_tests(path)
    except TestFileError as exc:
        return [CaseResult(name=path.name, passed=False, failures=[exc.message])]
    return run_tests(doc, version=version)


def run_all(directory: str | Path | None = None, key: str | None = None) -> dict[str, list[CaseResult]]:
    """Run every test file in `directory` (default workflows/tests), or only those of process `key`.
    Returns {process key: results}."""
    directory = Path(directory) if directory is not None else tests_dir()
    results: dict[str, list[CaseResult]] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        process_key = file_key(path)
        if key is None or process_key == key:
            results.setdefault(process_key, []).extend(run_file(path))
    return results
