"""Domain actions BPMN scripts may call (the engine's whitelist). Each acts on the case the
instance belongs to, inside the transaction of the step that called it."""
from __future__ import annotations

from datetime import date, timedelta

from app.cases import case_file, decisions
from app.cases.models import CASE_STATUSES, KEY_AREAS, RECORD_STATUSES, SOURCE_TYPES, TIERS, WARNING_STAGES, Case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock
from app.core.db_types import too_long_for
from app.engine import ActionError, register_action
from app.core.i18n import N_

# Status changes that are a decision the units concerned should hear about.
DECISION_STATUSES = {"returned", "confirmed", "published", "repaired", "revoked", "exempted", "expired", "escalated"}
CORRECTABLE = {"title", "facts", "tier", "key_area", "source_type", "document_number"}


def _set_status(case: Case, status: str, allowed: dict, what: str) -> None:
    if status not in allowed:
        raise ActionError(f"未知的{what}：{status!r}（可用：{', '.join(allowed)}）")
    if case.record_status == status:
        return
    old, case.record_status = case.record_status, status
    case.updated_at = clock.now()
    record_event(case, "status.changed", f"{what}：{CASE_STATUSES.get(old, old)} → {allowed[status]}",
                 {"from": old, "to": status})
    if status in DECISION_STATUSES:  # other changes come with a new task, which is notified anyway
        from app.notifications.service import case_decision

        case_decision(case, f"{case.number} {what}：{allowed[status]}", case.title)


def set_record_status(case: Case, status: str) -> None:
    _set_status(case, status, RECORD_STATUSES, "记录状态")


def set_warning_stage(case: Case, stage: str) -> None:
    _set_status(case, stage, WARNING_STAGES, "预警阶段")


def correct_record(case: Case, changes: dict) -> None:
    if not isinstance(changes, dict):
        raise ActionError("correct_record 需要一个字段字典")
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise ActionError(f"不能更正这些字段：{', '.join(sorted(unknown))}")
    over = too_long_for(Case, {name: value for name, value in changes.items() if name in Case.__table__.c})
    if over:
        raise ActionError("更正内容过长：" + "、".join(f"{name} 最多 {n} 个字" for name, n in over.items()))
    allowed = {"tier": TIERS, "key_area": KEY_AREAS, "source_type": SOURCE_TYPES}
    diff = {}
    for name, value in changes.items():
        if value is None:
            continue
        if name in allowed and value not in allowed[name]:
            raise ActionError(f"{name} 的取值无效：{value!r}")
        if getattr(case, name) != value:
            diff[name] = {"from": getattr(case, name), "to": value}
            setattr(case, name, value)
    if diff:
        case.updated_at = clock.now()
        titles = case_file.record_titles(case)  # the record form's own names, never a raw key
        record_event(case, "record.corrected", "记录内容已更正：" + "、".join(titles.get(n, n) for n in diff), diff)


def set_publication(case: Case, start: str, end: str, repairable_from: str) -> None:
    try:
        s, e, r = (date.fromisoformat(str(x)[:10]) for x in (start, end, repairable_from))
    except ValueError:
        raise ActionError("公开期日期格式无效") from None
    if not s <= r <= e:
        raise ActionError("公开期无效：应满足 开始 ≤ 可修复日 ≤ 结束")
    case.publication_start, case.publication_end, case.repairable_from = s, e, r
    record_event(case, "publication.set", f"公开期：{s.isoformat()} 至 {e.isoformat()}，{r.isoformat()} 起可申请信用修复",
                 {"start": s.isoformat(), "end": e.isoformat(), "repairable_from": r.isoformat()})


def end_publication(case: Case) -> None:
    """Stop publication today: at the end of the period (a timer), or earlier after a repair. A
    decision of the system's, stating which."""
    today = clock.today()
    planned = case.publication_end
    if planned is None or planned > today:
        case.publication_end = today
    record_event(case, "publication.ended", f"停止公开（{today.isoformat()}）", {"ended_on": today.isoformat()})
    if planned is not None and planned > today:
        reasons = f"准予信用修复，提前停止公开（原定公开至 {planned.isoformat()}），{today.isoformat()} 起停止公开并停止共享"
    else:
        reasons = f"公开期满（{(planned or today).isoformat()}），{today.isoformat()} 起停止公开并停止共享"
    decisions.record_system(case, "publication_end", "ended", "停止公开", reasons, decisions.PUBLICATION_END_BASIS)


def set_rectification_deadline(case: Case, day: str) -> None:
    try:
        case.due_on = date.fromisoformat(str(day)[:10])
    except ValueError:
        raise ActionError(f"整改期限不是有效日期：{day!r}") from None
    record_event(case, "rectification.deadline", f"整改完成期限：{case.due_on.isoformat()}", {"due_on": case.due_on.isoformat()})


def _still_open(case: Case, element: str) -> list:
    from sqlalchemy import select

    from app.core.extensions import db
    from app.tasks.models import HumanTask

    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == element, HumanTask.status == "open")))


def _open_tasks(case: Case, element: str) -> list:
    tasks = _still_open(case, element)
    if not tasks:
        raise ActionError(f"没有待办的任务“{element}”")
    return tasks


def task_open(case: Case, element: str) -> bool:
    """Whether the task at `element` still waits (a gateway after a supervision deadline)."""
    return bool(_still_open(case, element))


def task_deadline(case: Case, element: str) -> str:
    """The current deadline (ISO instant) of the open task at `element` — after a supervision
    letter or an extension moved it — or now when it is done, so a timer waiting on it goes on."""
    due = [t.due_at for t in _still_open(case, element) if t.due_at is not None]
    return (min(due) if due else clock.now()).isoformat()


def remind_if_open(case: Case, element: str) -> None:
    """A reminder before a moved deadline: only while the task still waits."""
    if _still_open(case, element):
        remind_assignees(case, element)


def remind_assignees(case: Case, element: str) -> None:
    from app.notifications.service import task_reminder

    tasks = _open_tasks(case, element)
    task_reminder(case, element)
    record_event(case, "task.reminded", f"已提醒办理：{tasks[0].name}", {"element": element})


def report_overdue(case: Case, element: str) -> None:
    from app.notifications.service import task_overdue

    tasks = _open_tasks(case, element)
    task_overdue(case, element)
    record_event(case, "task.overdue", f"任务逾期，已提请督办：{tasks[0].name}", {"element": element})


def _move_deadline(case: Case, element: str, working_days, kind: str, summary: str, reason: str) -> None:
    from app.calendar.service import add_working_days
    from app.core.clock import local_midnight_after

    if isinstance(working_days, bool) or not isinstance(working_days, int) or not 1 <= working_days <= 60:
        raise ActionError(f"工作日数应为 1 到 60 的整数，而不是 {working_days!r}")
    for task in _open_tasks(case, element):
        old = task.due_at
        # An extension adds to the current deadline day (the due instant is the end of that day).
        deadline_day = (old - timedelta(seconds=1)).astimezone(LOCAL_TZ).date() if old else clock.today()
        base = max(clock.today(), deadline_day) if kind == "task.extended" else clock.today()
        task.due_at = local_midnight_after(add_working_days(base, working_days))
        record_event(case, kind, f"{summary}：{task.name}，新期限 {add_working_days(base, working_days).isoformat()}",
                     {"element": element, "from": old.isoformat() if old else None, "to": task.due_at.isoformat(),
                      "reason": reason})


def send_supervision_letter(case: Case, element: str, working_days, reason: str) -> None:
    """督办函: the unit is told in writing to finish within a new, short deadline."""
    _move_deadline(case, element, working_days, "supervision.letter", "已发送督办函，限期办理", reason)
    task = _open_tasks(case, element)[0]
    issue_document(case, "supervision_letter", {"overdue_task": task.name, "supervision_reason": reason,
                                                "deadline": task.due_at.isoformat()})
    from app.notifications.service import case_decision

    case_decision(case, f"{case.number} 督办函：请限期办理", reason)


def issue_document(case: Case, doc_type: str, data: dict | None = None) -> None:
    """Issue an official document (PDF, numbered, verifiable) in this step's transaction."""
    from app.documents.service import issue
    from app.core.errors import ValidationFailed

    if data is not None and not isinstance(data, dict):
        raise ActionError("issue_document 的第二个参数必须是字段字典")
    try:
        issue(case, doc_type, data)
    except ValidationFailed as exc:
        raise ActionError(exc.message) from None


def extend_task(case: Case, element: str, working_days, reason: str) -> None:
    _move_deadline(case, element, working_days, "task.extended", "同意延期", reason)


def record_public_criticism(case: Case, subject: str) -> None:
    record_event(case, "public.criticism", f"通报批评：{case.subject_name}（{subject}）",
                 {"department_id": case.subject_department_id})


def notify_decision(case: Case, message: str) -> None:
    from app.notifications.service import case_decision

    case_decision(case, f"{case.number}：{message}", case.title)


def start_linked_record(case: Case, title: str) -> None:
    """Escalation (policy §二(一)2): the unit's failure to rectify becomes a dishonesty record
    (lifecycle 1), linked both ways to the warning."""
    from app.cases.models import CaseLink
    from app.cases.service import start_case
    from app.core.extensions import db

    data = {
        "subject_type": "department", "subject_department": case.subject_department.code,
        "title": f"预警整改不力：{title}"[:120], "source_type": "accountability_decision",
        "document_number": case.number, "key_area": case.key_area or KEY_AREAS[0], "tier": "general",
        "facts": f"{case.subject_name} 在政务诚信预警 {case.number}（{case.title}）中拒不整改或整改不力，"
                 f"经督办升级处理，予以通报批评并记入政务失信记录。\n预警事由：{case.facts}"[:5000],
    }
    record = start_case("dishonesty_record", data, actor=None, recording_department_id=case.recording_department_id,
                        origin=f"预警 {case.number} 升级")
    db.session.add_all([CaseLink(case_id=case.id, linked_case_id=record.id, relation="escalated_to", created_at=clock.now()),
                        CaseLink(case_id=record.id, linked_case_id=case.id, relation="escalated_from", created_at=clock.now())])
    record_event(case, "case.linked", f"已记入政务失信记录：{record.number}", {"linked_case_id": record.id})
    decisions.record_system(case, "escalation", "escalated", "通报批评并记入政务失信记录",
                            f"{case.subject_name} 拒不整改或整改不力，预警 {case.number} 升级处理：予以通报批评，"
                            f"记入政务失信记录 {record.number}", decisions.ESCALATION_BASIS)
    record_event(record, "case.linked", f"由预警 {case.number} 升级而来", {"linked_case_id": case.id})


def register_case_actions() -> None:
    register_action("set_record_status", set_record_status, N_("设置记录状态"), ("status",))
    register_action("correct_record", correct_record, N_("更正记录内容"), ("changes",))
    register_action("set_publication", set_publication, N_("设置公开期"), ("start", "end", "repairable_from"))
    register_action("end_publication", end_publication, N_("停止公开"))
    register_action("set_warning_stage", set_warning_stage, N_("设置预警阶段"), ("stage",))
    register_action("set_rectification_deadline", set_rectification_deadline, N_("设置整改期限"), ("day",))
    register_action("remind_assignees", remind_assignees, N_("提醒办理人"), ("element",))
    register_action("remind_if_open", remind_if_open, N_("任务仍未办理时提醒办理人"), ("element",))
    register_action("task_open", task_open, N_("任务是否仍待办理"), ("element",))
    register_action("task_deadline", task_deadline, N_("任务当前期限"), ("element",))
    register_action("report_overdue", report_overdue, N_("逾期通知"), ("element",))
    register_action("send_supervision_letter", send_supervision_letter, N_("发送督办函"), ("element", "working_days", "reason"))
    register_action("extend_task", extend_task, N_("延长任务期限"), ("element", "working_days", "reason"))
    register_action("record_public_criticism", record_public_criticism, N_("通报批评"), ("subject",))
    register_action("notify_decision", notify_decision, N_("通知办理结果"), ("message",))
    register_action("issue_document", issue_document, N_("出具文书（告知书、决定书、通知书、督办函）"), ("doc_type", "data"))
    register_action("start_linked_record", start_linked_record, N_("记入政务失信记录（启动失信记录流程）"), ("title",))
