"""Decisions (决定) of a case, first-class (issue 14): who decided what, when, why and on which
legal basis. A person's decision is recorded when they complete a step whose form declares
`x-decision` (app/forms/decision.py), in the completion's transaction; the system's own decisions
(an escalation, the end of publication) are recorded by the actions that take them
(app/cases/actions.py), in the step's transaction. Each also leaves a `decision.recorded` event on
the timeline."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.models import Case, Decision
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.extensions import db
from app.forms import decision as declared
from app.core.i18n import N_, sentence
from app.org.models import User

# Display names of the kinds of decision the shipped forms and actions take; a designer's form may
# declare a new kind, shown by its step's name.
KINDS = {
    "entry_review": N_("入库审核"),
    "objection_review": N_("异议审查"),
    "publication": N_("公开决定"),
    "repair": N_("信用修复审核"),
    "plan_review": N_("审核整改方案"),
    "verification": N_("整改核验"),
    "supervision": N_("督办"),
    "escalation": N_("升级/通报"),
    "publication_end": N_("停止公开"),
    "provider_check": N_("数据提供单位核查"),
    "deletion": N_("删除失信记录"),
    "exemption": N_("免责容错"),
}
_POLICY = "《上海市人民政府印发〈关于本市加强政务诚信建设的实施意见〉的通知》（沪府发〔2017〕92号）"
# The legal basis of the system's decisions (the policy in shared/seed, DOMAIN.md).
ESCALATION_BASIS = (f"{_POLICY}二（一）2“各区、各部门存在政务失信记录的，要……书面说明原因并限期加以整改……"
                    "予以公开通报批评，对造成政务失信行为的主要负责人依法依规追究责任”")
EXEMPTION_BASIS = (f"{_POLICY}二（一）4“对符合免责和容错的行为，不作为政务失信记录”；“主动挽回损失、消除不良影响或者有效阻止"
                   "危害结果发生的，可从轻或免于实施失信惩戒措施”")
PUBLICATION_END_BASIS = (f"{_POLICY}二（一）1“审慎确定公开范围”、二（一）4“信用修复机制”；"
                         "国家发展改革委令第36号（公开期满停止公开，信用修复后停止公开）")


def kind_label(decision: Decision) -> str:
    """The kind's display name (a literal, to pass to `_`), else the step's name (data, for `tr`)."""
    return KINDS.get(decision.kind) or decision.step or decision.kind


def _record(case: Case, *, kind: str, outcome: str, outcome_label: str, reasons: str, legal_basis: str,
            actor: User | None, task=None) -> Decision:
    decision = Decision(case_id=case.id, task_id=task.id if task is not None else None,
                        step=task.name if task is not None else None, kind=kind, outcome=outcome[:64],
                        outcome_label=outcome_label[:200], reasons=reasons, legal_basis=legal_basis,
                        actor_id=actor.id if actor else None, at=clock.now())
    db.session.add(decision)
    record_event(case, "decision.recorded", sentence(N_("%(kind)s：%(outcome)s"), kind=kind_label(decision),
                                                    outcome=decision.outcome_label, labels=("kind", "outcome")),
                 {"kind": kind, "outcome": decision.outcome, "task_id": decision.task_id},
                 actor_id=decision.actor_id)
    return decision


def record_from_form(case: Case, task, schema: dict, data: dict, actor: User | None) -> Decision | None:
    """Record the decision a completed task takes, when its form (the version it was completed
    with) declares one; `data` is the validated submission. None for forms that decide nothing."""
    taken = declared.taken(schema, data)
    if taken is None:
        return None
    return _record(case, kind=taken.kind, outcome=taken.outcome, outcome_label=taken.outcome_label,
                   reasons=taken.reasons, legal_basis=taken.legal_basis, actor=actor, task=task)


def record_system(case: Case, kind: str, outcome: str, outcome_label: str, reasons: str, legal_basis: str) -> Decision:
    """A decision the system takes by itself (a timer, an escalation): no person, no task."""
    return _record(case, kind=kind, outcome=outcome, outcome_label=outcome_label, reasons=reasons,
                   legal_basis=legal_basis, actor=None)


def for_case(case: Case) -> list[Decision]:
    """The case's decisions, oldest first, with their actors."""
    return list(db.session.scalars(select(Decision).where(Decision.case_id == case.id)
                                   .options(joinedload(Decision.actor)).order_by(Decision.at, Decision.id)))
