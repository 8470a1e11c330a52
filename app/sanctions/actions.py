"""Sanction actions BPMN steps may call (part of the engine's whitelist), in the transaction of
the step that called them: honours withdrawn by an escalation; joint rewards and punishments
(联动奖惩) started by a published record (`start_joint_sanctions`) and lifted when it ends
(`lift_joint_sanctions`); the steps of the joint-sanctions process (workflows/joint_sanctions.bpmn)
planning the measures, taking each implementing unit's feedback and lifting them."""
from __future__ import annotations

from datetime import timedelta

from app.cases.actions import link_cases
from app.cases.models import KEY_AREAS, TIERS, Case
from app.cases.service import start_case
from app.cases.timeline import record_event
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import N_
from app.engine import ActionError, register_action
from app.sanctions import service
from app.sanctions.service import SanctionError

PROCESS = "joint_sanctions"


def withdraw_honours_eligibility(case: Case, months, reason: str) -> None:
    """取消荣誉评选资格: the case's subject unit may not be put forward for honours for `months`
    months from today (the period from the rules: warning_deadlines.honours_withdrawal_months).
    A period that is not a positive integer refuses the step (ActionError)."""
    try:
        service.withdraw_honours(case, months, str(reason or "")[:2000])
    except ValueError as exc:
        raise ActionError(str(exc)) from None


def start_joint_sanctions(case: Case) -> None:
    """A record is published: its joint rewards and punishments (联动奖惩, policy §二(一)2 — the
    recording unit initiates, each implementing unit responds and feeds back) start as a linked case
    of the joint-sanctions process, in the recording unit's name, for the record's subject, tier, key
    area and punishment level (从轻 / 免于惩戒 reduce or skip measures in the rules), lasting until
    the last day the record is published. Linked both ways (sanctions_opened / sanctions_of)."""
    if case.publication_start is None or case.publication_end is None:
        raise ActionError("记录尚未确定公开期，不能启动联动奖惩")
    until = max(case.publication_end - timedelta(days=1), case.publication_start)
    data = {
        "subject_type": case.subject_type, "subject_department": case.subject_department.code,
        "title": f"联动奖惩：{case.title}"[:120], "tier": case.tier, "key_area": case.key_area or KEY_AREAS[0],
        "document_number": case.number, "punishment_level": case.punishment_level, "published_until": until.isoformat(),
        "facts": (f"{case.subject_name} 的政务失信记录 {case.number}（{TIERS.get(case.tier, case.tier)}，{case.key_area}）"
                  f"自 {case.publication_start.isoformat()} 起公开，至 {until.isoformat()}。请各联动奖惩实施单位按规定落实"
                  f"惩戒措施并反馈结果；记录修复、撤销、删除或公开期满时解除。")[:5000],
    }
    if case.civil_servant_id is not None:
        data["civil_servant_id"] = case.civil_servant_id
    try:
        sanctions = start_case(PROCESS, data, actor=None, recording_department_id=case.recording_department_id,
                               origin=f"失信记录 {case.number}")
    except ValidationFailed as exc:
        details = "；".join(m for messages in exc.fields.values() for m in messages)
        raise ActionError(f"不能启动联动奖惩：{exc.message}（{details}）") from None
    except NotFound as exc:  # the joint-sanctions process is not deployed: the step fails, naming it
        raise ActionError(f"不能启动联动奖惩：{exc.message}") from None
    link_cases(case, sanctions, "sanctions_opened", "sanctions_of")
    record_event(case, "case.linked", f"已启动联动奖惩：{sanctions.number}", {"linked_case_id": sanctions.id})
    record_event(sanctions, "case.linked", f"由失信记录 {case.number} 公开启动", {"linked_case_id": case.id})


def lift_joint_sanctions(case: Case, reason) -> None:
    """The record's publication ended (`reason`: "repair", "expiry", "revocation", "deletion"):
    its joint sanctions are lifted (the message `sanctions_lifted` to its joint-sanctions case). A
    record never published has none: nothing to do. ActionError when the joint-sanctions case is
    blocked or suspended (it cannot take the message now)."""
    try:
        service.lift(case, reason)
    except SanctionError as exc:
        raise ActionError(str(exc)) from None


def _step(function, *args):
    try:
        return function(*args)
    except SanctionError as exc:
        raise ActionError(str(exc)) from None


def plan_sanctions(case: Case, measures, until) -> list[dict]:
    """The joint-sanctions process's plan: one item per measure and implementing unit (service.plan)."""
    return _step(service.plan, case, measures, until)


def record_sanction_answer(case: Case, measure_id, outcome, on, note) -> None:
    """An implementing unit fed back on a measure (service.record_answer)."""
    _step(service.record_answer, case, measure_id, outcome, on, note)


def request_sanction_lifting(case: Case, reason) -> None:
    """The record ended: every measure is to be lifted (service.request_lifting)."""
    _step(service.request_lifting, case, reason)


def record_sanction_lifting(case: Case, measure_id, on, note) -> None:
    """An implementing unit fed back that it lifted a measure (service.record_lifting)."""
    _step(service.record_lifting, case, measure_id, on, note)


def register_actions() -> None:
    """Offer the sanction actions to BPMN steps (called once by the app factory)."""
    register_action("withdraw_honours_eligibility", withdraw_honours_eligibility, N_("取消荣誉评选资格"),
                    ("months", "reason"))
    register_action("start_joint_sanctions", start_joint_sanctions, N_("启动联动奖惩（联动奖惩流程）"))
    register_action("lift_joint_sanctions", lift_joint_sanctions, N_("解除联动奖惩"), ("reason",))
    register_action("plan_sanctions", plan_sanctions, N_("安排联动惩戒措施"), ("measures", "until"))
    register_action("record_sanction_answer", record_sanction_answer, N_("记录惩戒措施落实反馈"),
                    ("measure_id", "outcome", "on", "note"))
    register_action("request_sanction_lifting", request_sanction_lifting, N_("通知解除惩戒措施"), ("reason",))
    register_action("record_sanction_lifting", record_sanction_lifting, N_("记录惩戒措施解除反馈"),
                    ("measure_id", "on", "note"))
