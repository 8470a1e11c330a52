"""Case actions BPMN scripts may call (part of the engine's whitelist): record status, warning
stage, corrections, publication period, escalation. Each acts on the case the instance belongs to,
inside the transaction of the step that called it. The actions on tasks, notifications, documents
and supervision letters live with their own domain (`app.<domain>.actions`); a decision that the
units must hear about is announced with `app.cases.signals.case_decided`."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.cases import case_file, decisions, events, exemptions
from app.cases.models import (CASE_STATUSES, KEY_AREAS, PUNISHMENT_LEVELS, RECORD_STATUSES, SANCTION_STAGES, SOURCE_TYPES,
                              TIERS, WARNING_STAGES, Case, CaseLink)
from app.cases.service import start_case
from app.cases.signals import case_decided, publication_ended, publication_set, record_corrected
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.db_types import too_long_for
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.engine import ACTIVE_STATUSES, ActionError, ProcessInstance, register_action
from app.core.i18n import N_

# Status changes that are a decision the units concerned should hear about.
DECISION_STATUSES = {"returned", "confirmed", "published", "repaired", "revoked", "exempted", "expired", "escalated",
                     "withdrawn", "deleted", "under_objection"}
# Why publication is withdrawn early (withdraw_publication), and the legal basis of each.
_WITHDRAWAL = {
    "objection": ("异议成立，撤销记录", "《上海市社会信用条例》第三十六条（异议成立的，予以撤销）"),
    "exemption": ("符合免责、容错情形，不作为政务失信记录",
                  "《上海市人民政府印发〈关于本市加强政务诚信建设的实施意见〉的通知》（沪府发〔2017〕92号）二（一）4"
                  "“对符合免责和容错的行为，不作为政务失信记录”"),
    "source_revoked": ("来源决定已被行政复议或诉讼撤销，撤回公开并删除记录",
                       "《上海市社会信用条例》第三十七条（据以认定失信的决定被撤销的，应当在三个工作日内删除）"),
}
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
        case_decided.send(case, title=f"{case.number} {what}：{allowed[status]}", body=case.title)


def set_record_status(case: Case, status: str) -> None:
    _set_status(case, status, RECORD_STATUSES, "记录状态")


def set_warning_stage(case: Case, stage: str) -> None:
    _set_status(case, stage, WARNING_STAGES, "预警阶段")


def set_sanction_stage(case: Case, stage: str) -> None:
    """Where a joint-sanctions case (联动奖惩) stands: a key of SANCTION_STAGES."""
    _set_status(case, stage, SANCTION_STAGES, "联动奖惩阶段")


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
        record_corrected.send(case, changes=diff)


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
    publication_set.send(case, start=s, end=e)


END_REASONS = {"expiry": "公开期满", "repair": "准予信用修复", "revocation": "撤销记录", "deletion": "删除记录"}


def end_publication(case: Case, reason: str | None = None) -> None:
    """Stop publication today, for `reason` ("expiry", "repair", "revocation", "deletion"; see
    END_REASONS). Without one (processes deployed before issue 19): before the planned end it is a
    repair, at or after it the expiry. A decision of the system's, stating which; the publication
    register hears it (`publication_ended`)."""
    today = clock.today()
    planned = case.publication_end
    if reason is None:
        reason = "repair" if planned is not None and planned > today else "expiry"
    if reason not in END_REASONS:
        raise ActionError(f"未知的停止公开原因：{reason!r}（可用：{', '.join(END_REASONS)}）")
    if planned is None or planned > today:
        case.publication_end = today
    record_event(case, "publication.ended", f"停止公开（{today.isoformat()}）", {"ended_on": today.isoformat(), "reason": reason})
    if reason == "expiry":
        reasons = f"公开期满（{(planned or today).isoformat()}），{today.isoformat()} 起停止公开并停止共享"
    elif planned is not None and planned > today:
        reasons = f"{END_REASONS[reason]}，提前停止公开（原定公开至 {planned.isoformat()}），{today.isoformat()} 起停止公开并停止共享"
    else:
        reasons = f"{END_REASONS[reason]}，{today.isoformat()} 起停止公开并停止共享"
    decisions.record_system(case, "publication_end", "ended", "停止公开", reasons, decisions.PUBLICATION_END_BASIS)
    publication_ended.send(case, reason=reason, on=today)


def withdraw_publication(case: Case, reason: str) -> None:
    """Stop publication at once because the record is revoked (`reason` "objection", Art. 36) or its
    source decision was revoked (`reason` "source_revoked", Art. 37): a system decision with its
    basis. A record not (or no longer) published only gets the decision line."""
    if reason not in _WITHDRAWAL:
        raise ActionError(f"未知的撤回理由：{reason!r}（可用：{', '.join(_WITHDRAWAL)}）")
    text, basis = _WITHDRAWAL[reason]
    today = clock.today()
    published = case.publication_start is not None and (case.publication_end is None or case.publication_end > today)
    if published:
        case.publication_end = today
        record_event(case, "publication.ended", f"撤回公开（{today.isoformat()}）：{text}", {"ended_on": today.isoformat(),
                                                                                           "reason": reason})
        publication_ended.send(case, reason="revocation", on=today)  # the register and the sharing feed withdraw it
    decisions.record_system(case, "publication_end", "withdrawn", "撤回公开" if published else "不再公开",
                            f"{text}；{today.isoformat()} 起停止公开并停止共享", basis)


def set_punishment_level(case: Case, level: str, reasons) -> None:
    """从轻 / 免于惩戒 granted on a 免责容错 claim (policy §二(一)4): the case carries the level
    (`normal`, `lighter`, `none`) the sanction step honours."""
    if level not in PUNISHMENT_LEVELS:
        raise ActionError(f"未知的惩戒程度：{level!r}（可用：{', '.join(PUNISHMENT_LEVELS)}）")
    if case.punishment_level == level:
        return
    old, case.punishment_level = case.punishment_level, level
    record_event(case, "punishment.level", f"惩戒程度：{PUNISHMENT_LEVELS[old]} → {PUNISHMENT_LEVELS[level]}",
                 {"from": old, "to": level})
    decisions.record_system(case, "exemption", level, PUNISHMENT_LEVELS[level], str(reasons or "")[:2000],
                            decisions.EXEMPTION_BASIS)


def set_source_decided_on(case: Case, day) -> None:
    """The source decision's date (registration, a correction): publication counts from it."""
    try:
        value = date.fromisoformat(str(day)[:10]) if day else None
    except ValueError:
        raise ActionError(f"来源文书作出日期不是有效日期：{day!r}") from None
    if value != case.source_decided_on:
        old, case.source_decided_on = case.source_decided_on, value
        record_event(case, "record.corrected", f"来源文书作出日期：{old or '未填写'} → {value or '未填写'}",
                     {"source_decided_on": {"from": old.isoformat() if old else None,
                                            "to": value.isoformat() if value else None}})


def mark_objection(case: Case, grounds) -> None:
    """异议标注 (条例 Art. 36: within one working day of the objection — done on filing, so never
    late): the record shows "under objection" with the grounds on the timeline."""
    _set_status(case, "under_objection", RECORD_STATUSES, "记录状态")
    record_event(case, "objection.marked", "异议标注：" + (str(grounds or "")[:300] or "（未写理由）"), {})


def settle_objection(case: Case, previous_status) -> None:
    """An objection upheld or the record corrected: the record returns to where it stood (an
    objection in the window leaves it confirmed; one against a published record, published)."""
    back = previous_status if previous_status in {"confirmed", "published"} else "confirmed"
    _set_status(case, back, RECORD_STATUSES, "记录状态")


def transfer_deadline_passed(case: Case, element: str) -> None:
    """The two working days to transfer an objection to the data provider (Art. 36) have passed
    while the review is still open: the timeline says so (a later transfer is late)."""
    record_event(case, "task.transfer_due", "转交数据提供单位核查的期限（条例第三十六条：2个工作日）已届满，"
                 "如需核查应已转交", {"element": element})


def set_rectification_deadline(case: Case, day: str) -> None:
    try:
        case.due_on = date.fromisoformat(str(day)[:10])
    except ValueError:
        raise ActionError(f"整改期限不是有效日期：{day!r}") from None
    record_event(case, "rectification.deadline", f"整改完成期限：{case.due_on.isoformat()}", {"due_on": case.due_on.isoformat()})


def record_public_criticism(case: Case, subject: str) -> None:
    record_event(case, "public.criticism", f"通报批评：{case.subject_name}（{subject}）",
                 {"department_id": case.subject_department_id})


def link_cases(case: Case, other: Case, relation: str, back: str) -> None:
    """Link two cases both ways (`relation` from `case`, `back` from `other`: keys of CASE_RELATIONS)."""
    db.session.add_all([CaseLink(case_id=case.id, linked_case_id=other.id, relation=relation, created_at=clock.now()),
                        CaseLink(case_id=other.id, linked_case_id=case.id, relation=back, created_at=clock.now())])


def start_linked_record(case: Case, title: str, tier: str, source_type: str, document_number, facts: str,
                        decided_on=None) -> None:
    """Escalation (policy §二(一)2): the unit's refusal or failure to rectify becomes a dishonesty
    record (lifecycle 1) of the tier and source the supervisor chose when confirming the
    escalation, with the facts they confirmed, the decision's document number (None when there
    is none) and its date `decided_on` (an ISO date; None: today, the day of the escalation and its
    通报批评), linked both ways to the warning. The record knows it came from this warning
    (`Case.escalated_from`): its process opens no second rectification and gives its corrections and
    data-provider checks to the supervisor. A value the record's start form refuses (an unknown
    tier or source, a date in the future) refuses the step."""
    if tier not in TIERS:
        raise ActionError(f"失信程度无效：{tier!r}（可用：{', '.join(TIERS)}）")
    if source_type not in SOURCE_TYPES:
        raise ActionError(f"记录来源无效：{source_type!r}（可用：{', '.join(SOURCE_TYPES)}）")
    data = {
        "subject_type": "department", "subject_department": case.subject_department.code,
        "title": str(title or "")[:120], "source_type": source_type, "key_area": case.key_area or KEY_AREAS[0],
        "tier": tier, "facts": str(facts or "")[:5000],
        "decided_on": str(decided_on)[:10] if decided_on else clock.today().isoformat(),
    }
    if document_number:
        data["document_number"] = str(document_number)
    try:
        record = start_case("dishonesty_record", data, actor=None, recording_department_id=case.recording_department_id,
                            origin=f"预警 {case.number} 升级", escalated_from=case)
    except ValidationFailed as exc:
        details = "；".join(m for messages in exc.fields.values() for m in messages)
        raise ActionError(f"不能记入政务失信记录：{exc.message}（{details}）") from None
    link_cases(case, record, "escalated_to", "escalated_from")
    record_event(case, "case.linked", f"已记入政务失信记录：{record.number}", {"linked_case_id": record.id})
    decisions.record_system(case, "escalation", "escalated", "通报批评并记入政务失信记录",
                            f"{case.subject_name}：预警 {case.number} 升级处理，予以通报批评，"
                            f"记入政务失信记录 {record.number}（{TIERS[tier]}，{SOURCE_TYPES[source_type]}）",
                            decisions.ESCALATION_BASIS)
    record_event(record, "case.linked", f"由预警 {case.number} 升级而来", {"linked_case_id": case.id})


def start_rectification(case: Case) -> None:
    """A confirmed dishonesty record obliges its unit to explain in writing and rectify within a
    deadline (policy §二(一)2 “存在政务失信记录的，要……书面说明原因并限期加以整改”): a warning
    (lifecycle 2) for the record's unit, raised in the name of the recording unit, linked both ways
    to the record. Inside the step's transaction."""
    data = {
        "subject_department": case.subject_department.code, "title": f"存在政务失信记录：{case.title}"[:120],
        "trigger": "record", "key_area": case.key_area or KEY_AREAS[0],
        "reason": f"{case.subject_name} 存在政务失信记录 {case.number}（{case.title}），"
                  f"请书面说明原因并限期加以整改。\n失信事实：{case.facts}"[:5000],
    }
    try:
        warning = start_case("warning_rectification", data, actor=None,
                             recording_department_id=case.recording_department_id, origin=f"失信记录 {case.number}")
    except ValidationFailed as exc:
        details = "；".join(m for messages in exc.fields.values() for m in messages)
        raise ActionError(f"不能启动书面说明和整改：{exc.message}（{details}）") from None
    link_cases(case, warning, "rectification_opened", "rectification_of")
    record_event(case, "case.linked", f"已启动书面说明和限期整改：{warning.number}", {"linked_case_id": warning.id})
    record_event(warning, "case.linked", f"由失信记录 {case.number} 启动", {"linked_case_id": case.id})


RECTIFICATION_END_MESSAGE = "record_withdrawn"  # the warning process's message (app.cases.events.SYSTEM_MESSAGES)
_RECTIFICATION_END_REASONS = ("revocation", "exemption", "deletion")


def end_rectification(case: Case, reason: str) -> None:
    """The record no longer stands — revoked on an objection (`reason` "revocation", Art. 36),
    免责不予记录 ("exemption", policy §二(一)4) or its source decision revoked ("deletion",
    Art. 37): the written explanation and rectification it opened (start_rectification) end with
    it — the message `record_withdrawn` to that warning, which stops its handling or a pending
    escalation (an obligation, or a public criticism and a new record, on the strength of a record
    that is gone). Nothing to do when the record opened none, or the warning is past it (closed,
    escalated). ActionError for an unknown reason, or when the warning is suspended or blocked (it
    cannot take the message now). In the step's transaction."""
    if reason not in _RECTIFICATION_END_REASONS:
        raise ActionError(f"未知的终止原因：{reason!r}（可用：{', '.join(_RECTIFICATION_END_REASONS)}）")
    warnings = db.session.scalars(select(Case).join(CaseLink, CaseLink.linked_case_id == Case.id).where(
        CaseLink.case_id == case.id, CaseLink.relation == "rectification_opened").order_by(Case.id))
    for warning in warnings:
        instance = db.session.get(ProcessInstance, warning.instance_id) if warning.instance_id else None
        if instance is None or instance.status not in ACTIVE_STATUSES:
            continue
        if instance.status != "running":
            raise ActionError(f"整改预警 {warning.number} 已暂停或因异常阻塞，暂不能终止：请先恢复或处理该案件")
        if RECTIFICATION_END_MESSAGE not in events.waiting(warning, events.SYSTEM_MESSAGES):
            continue
        events.deliver(warning, RECTIFICATION_END_MESSAGE, {"record_end_reason": reason, "record_number": case.number,
                                                            "ended_on": clock.today().isoformat()},
                       None, via=f"失信记录 {case.number}")


def register_actions() -> None:
    """Offer the case actions to BPMN scripts and the 免责容错 catalogue to forms (called once by the
    app factory)."""
    exemptions.register()
    register_action("set_record_status", set_record_status, N_("设置记录状态"), ("status",))
    register_action("correct_record", correct_record, N_("更正记录内容"), ("changes",))
    register_action("set_publication", set_publication, N_("设置公开期"), ("start", "end", "repairable_from"))
    register_action("end_publication", end_publication, N_("停止公开"), ("reason",))
    register_action("withdraw_publication", withdraw_publication, N_("撤回公开"), ("reason",))
    register_action("set_punishment_level", set_punishment_level, N_("设置惩戒程度（从轻/免于惩戒）"), ("level", "reasons"))
    register_action("set_source_decided_on", set_source_decided_on, N_("设置来源文书作出日期"), ("day",))
    register_action("mark_objection", mark_objection, N_("异议标注"), ("grounds",))
    register_action("settle_objection", settle_objection, N_("异议处理完毕"), ("previous_status",))
    register_action("transfer_deadline_passed", transfer_deadline_passed, N_("转交期限届满"), ("element",))
    register_action("set_warning_stage", set_warning_stage, N_("设置预警阶段"), ("stage",))
    register_action("set_sanction_stage", set_sanction_stage, N_("设置联动奖惩阶段"), ("stage",))
    register_action("set_rectification_deadline", set_rectification_deadline, N_("设置整改期限"), ("day",))
    register_action("record_public_criticism", record_public_criticism, N_("通报批评"), ("subject",))
    register_action("start_linked_record", start_linked_record, N_("记入政务失信记录（启动失信记录流程）"),
                    ("title", "tier", "source_type", "document_number", "facts", "decided_on"))
    register_action("start_rectification", start_rectification, N_("启动书面说明和限期整改（预警整改流程）"))
    register_action("end_rectification", end_rectification, N_("终止书面说明和限期整改（记录撤销、免责或删除）"), ("reason",))
