"""BPMN messages from outside a case (条例 Art. 36–37): a court or review body revoking the source
decision (`source_revoked`), a unit's objection after the window or while the record is published
(`objection`). Each message has a form (JSON Schema in forms/) that validates its data and the
roles that may send it; the process decides what happens (a message boundary event in the model).
Correlation — which case a message is for — is by the case's id or by a key the case carries (the
source document number, `document_number`)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app import engine, forms
from app.cases.models import CASE_STATUSES, Case
from app.cases.timeline import record_event
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.core.transaction import unit_of_work
from app.org.models import User
from app.tasks.routing import can_view_case, case_filter
from app.tasks.sync import apply_step, bindings_for


@dataclass(frozen=True)
class MessageKind:
    """A message a user may send to a running case: its form and who may send it — `unit_roles`
    act for their own unit of the case (recorder: the recording unit; handler: the subject unit),
    `scoped_roles` within their district scope (reviewer), `any_roles` everywhere (admin)."""

    name: str
    label: str
    form: str
    unit_roles: tuple[str, ...] = ()
    scoped_roles: tuple[str, ...] = ()
    any_roles: tuple[str, ...] = ()


MESSAGES: dict[str, MessageKind] = {
    "source_revoked": MessageKind("source_revoked", N_("来源决定被撤销"), "source_revocation",
                                  unit_roles=("recorder",), scoped_roles=("reviewer",), any_roles=("admin",)),
    "objection": MessageKind("objection", N_("提出异议"), "late_objection", unit_roles=("handler",)),
}
# Messages one process sends another, never a person (no role may send them; not in the API's list):
# a record's publication ended, so its joint sanctions are lifted (app.sanctions.service.lift).
SYSTEM_MESSAGES: dict[str, MessageKind] = {
    "sanctions_lifted": MessageKind("sanctions_lifted", N_("解除联动惩戒"), "sanctions_lift"),
    # a record that opened a rectification was revoked, exempted or deleted (app.cases.actions.end_rectification)
    "record_withdrawn": MessageKind("record_withdrawn", N_("失信记录已撤销，终止整改"), "record_withdrawn"),
}


def message_kind(name) -> MessageKind | None:
    """The message called `name`, sent by people (MESSAGES) or by processes (SYSTEM_MESSAGES); None if unknown."""
    return (MESSAGES.get(name) or SYSTEM_MESSAGES.get(name)) if isinstance(name, str) else None


def _may_see(user: User, case: Case) -> bool:
    return "admin" in user.roles or can_view_case(user, case)


def may_send(user: User, case: Case, kind: MessageKind) -> bool:
    """Whether the user may send this message to the case (role and unit/district scope)."""
    if any(r in user.roles for r in kind.any_roles):
        return True
    if any(r in user.roles for r in kind.scoped_roles) and can_view_case(user, case):
        return True
    units = {"recorder": case.recording_department_id, "handler": case.subject_department_id}
    return any(r in user.roles and units.get(r) == user.department_id for r in kind.unit_roles)


def _instance(case: Case):
    return db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None


def waiting(case: Case, kinds: dict[str, MessageKind] = MESSAGES) -> set[str]:
    """The messages of `kinds` (default: those people send) the case's process waits for now."""
    instance = _instance(case)
    if instance is None:
        return set()
    return engine.waiting_messages(instance, bindings_for(case)) & set(kinds)


def offered(user: User, case: Case) -> list[MessageKind]:
    """The messages the user may send to the case now (for the case page)."""
    return [MESSAGES[name] for name in sorted(waiting(case)) if may_send(user, case, MESSAGES[name])]


def _kind(message) -> MessageKind:
    kind = MESSAGES.get(message) if isinstance(message, str) else None
    if kind is None:
        raise ValidationFailed(_("填写有误"), {"message": [_("未知的消息 %(value)s（可用：%(names)s）", value=repr(message)[:60],
                                                               names="、".join(MESSAGES))]})
    return kind


def deliver(case: Case, message: str, data, actor: User | None, *, via: str) -> dict:
    """Validate `data` with the message's form and deliver the message (one of MESSAGES or
    SYSTEM_MESSAGES: the caller has checked who sends it) to the case's process in the
    caller's transaction (no commit: the process tests run this too). Returns the validated data.
    Raises ValidationFailed (422, per field), Conflict (409: the case is not running, or does not
    wait for this message now)."""
    kind = message_kind(message) or _kind(message)
    data = forms.validate(kind.form, data if data is not None else {}, case=case.form_context())
    instance = _instance(case)
    if instance is None:
        raise engine.NotWaiting(_("该案件没有运行中的流程"))
    result = engine.deliver_message(instance, kind.name, data, bindings_for(case))
    who = actor.full_name if actor else "系统"  # stored on the timeline: always Chinese
    record_event(case, "message.received", f"{who} 登记：{kind.label}（{via}）",
                 {"message": kind.name, "form": kind.form, "data": data}, actor_id=actor.id if actor else None)
    apply_step(case, instance, result)
    return data


def send_to_case(user: User, case_id: int, message, data, *, via: str) -> Case:
    """A user sends a message to one case (page or API), in one transaction. NotFound (404) outside
    the user's scope, Forbidden (403) when their role may not send it, ValidationFailed (422) on bad
    data, Conflict (409) when the case does not wait for it."""
    with unit_of_work():
        case = db.session.get(Case, case_id)
        if case is None or not _may_see(user, case):
            raise NotFound(_("案件不存在"))
        kind = _kind(message)
        if not may_send(user, case, kind):
            raise Forbidden(_("您的角色不能为该案件登记“%(label)s”", label=_(kind.label)))
        deliver(case, kind.name, data, user, via=via)
    return case


@dataclass(frozen=True)
class Delivery:
    """What a message sent by correlation key did to one record: `outcome` "delivered" (the
    process caught it), "not_waiting" (the record is past it: already withdrawn and being deleted,
    ended …) or "not_permitted" (the sender's role may not send it to this record); `status` the
    record's status afterwards."""

    case: Case
    outcome: str
    status: str


def send_by_key(user: User, message, document_number, data, *, via: str) -> list[Delivery]:
    """Deliver a message to every case in the user's scope whose source document number is
    `document_number` (correlation by key), in one transaction: the process of a record in any live
    stage — entry review, correction, notice, objection, publication — catches a revocation
    (Art. 37). Returns one Delivery per such case. NotFound (404) when no case in scope has that
    number; Forbidden (403) when the user's role may send it to none of them; Conflict (409) when
    none of them takes the message now (the message names each); ValidationFailed (422) on a bad
    key or data, whatever the records' stages."""
    kind = _kind(message)
    if not isinstance(document_number, str) or not document_number.strip() or len(document_number) > 80:
        raise ValidationFailed(_("填写有误"), {"document_number": [_("请填写来源文书编号（不超过 80 个字）")]})
    data = forms.validate(kind.form, data if data is not None else {})
    number = document_number.strip()
    with unit_of_work():
        query = select(Case).where(Case.document_number == number)
        if "admin" not in user.roles:
            query = query.where(case_filter(user))
        cases = list(db.session.scalars(query.order_by(Case.id)))
        if not cases:
            raise NotFound(_("没有以该来源文书编号登记的记录（%(number)s）", number=number[:80]))
        if not any(may_send(user, case, kind) for case in cases):
            raise Forbidden(_("您的角色不能为这些记录登记“%(label)s”", label=_(kind.label)))
        deliveries = []
        for case in cases:
            if not may_send(user, case, kind):
                deliveries.append(Delivery(case, "not_permitted", case.record_status))
            elif kind.name not in waiting(case):
                deliveries.append(Delivery(case, "not_waiting", case.record_status))
            else:
                deliver(case, kind.name, data, user, via=via)
                deliveries.append(Delivery(case, "delivered", case.record_status))
        if not any(d.outcome == "delivered" for d in deliveries):
            raise Conflict(_("以该来源文书编号登记的记录当前都不接受“%(label)s”：%(cases)s", label=_(kind.label),
                             cases="；".join(f"{d.case.number}（{_(CASE_STATUSES.get(d.status, d.status))}）"
                                            for d in deliveries)))
    return deliveries
