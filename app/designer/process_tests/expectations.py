"""What a test case may expect of a case, and how the case differs from it: status, open
tasks, whether the process ended, task deadlines, timeline events, documents issued (by type), case
fields and linked cases."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import engine
from app.cases.models import Case, CaseLink, TimelineEvent
from app.core.clock import LOCAL_TZ
from app.documents.models import Document
from app.core.extensions import db
from app.designer.process_tests.times import parse_date
from app.documents.models import Document
from app.tasks.models import HumanTask

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
    "source_decided_on": lambda c: c.source_decided_on,
    "punishment_level": lambda c: c.punishment_level,
}
EXPECT_KEYS = ("status", "open_tasks", "finished", "due", "events", "documents", "linked", *CASE_FIELDS)


def check_expect(expect) -> list[str]:
    """What is wrong with an "expect" object, in Chinese (empty when it can be checked)."""
    if not isinstance(expect, dict) or not expect:
        return ["expect 必须是非空对象"]
    problems = []
    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        problems.append(f"未知的期望项：{'、'.join(sorted(unknown))}（可用：{'、'.join(EXPECT_KEYS)}）")
    if "status" in expect and not isinstance(expect["status"], str):
        problems.append("status 必须是文本")
    for name in ("open_tasks", "events", "documents"):
        if name in expect and (not isinstance(expect[name], list) or not all(isinstance(x, str) for x in expect[name])):
            problems.append(f"{name} 必须是文本列表")
    if "finished" in expect and not isinstance(expect["finished"], bool):
        problems.append("finished 必须是 true 或 false")
    if "due" in expect:
        due = expect["due"]
        if not isinstance(due, dict) or not all(isinstance(v, str) and parse_date(v) for v in due.values()):
            problems.append("due 必须是对象：任务元素 id → YYYY-MM-DD")
    if "linked" in expect:
        linked = expect["linked"]
        if not isinstance(linked, dict) or not linked:
            problems.append("linked 必须是对象：关联关系 → 期望")
        else:
            for relation, sub in linked.items():
                problems += [f"linked.{relation}：{p}" for p in check_expect(sub)]
    return problems


def open_tasks(case: Case) -> list[HumanTask]:
    """The case's open human tasks, oldest first."""
    return list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "open")
                                   .order_by(HumanTask.id)))


def differences(case: Case, expect: dict) -> list[str]:
    """How the case differs from `expect` (a checked "expect" object), one Chinese sentence each;
    empty when it matches. A "linked" expectation is checked on the first case linked by that relation."""
    out = []
    if "status" in expect and case.record_status != expect["status"]:
        out.append(f"状态应为 {expect['status']}，实际为 {case.record_status}")
    tasks = open_tasks(case)
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
    if expect.get("documents"):
        issued = set(db.session.scalars(select(Document.doc_type).where(Document.case_id == case.id)))
        out += [f"应已出具 {kind} 文书，实际没有（已出具：{'、'.join(sorted(issued)) or '无'}）"
                for kind in expect["documents"] if kind not in issued]
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
            out += [f"关联案件（{relation}）{linked.number}：{d}" for d in differences(linked, sub)]
    return out


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

