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
from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core import i18n
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


def waiting(case: Case) -> set[str]:
    """The known messages the case's process waits for now."""
    instance = _instance(case)
    if instance is None:
        return set()
    return engine.waiting_messages(instance, bindings_for(case)) & set(MESSAGES)


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
    """Validate `data` with the message's form and deliver the message to the case's process in the
    caller's transaction (no commit: the process tests run this too). Returns the validated data.
    Raises ValidationFailed (422, per field), Conflict (409: the case is not running, or does not
    wait for this message now)."""
    kind = _kind(message)
    data = forms.validate(kind.form, data if data is not None else {})
    instance = _instance(case)
    if instance is None:
        raise engine.NotWaiting(_("该案件没有运行中的流程"))
    result = engine.deliver_message(instance, kind.name, data, bindings_for(case))
    who = actor.full_name if actor else N_("系统")
    record_event(case, "message.received", i18n.sentence(N_("%(actor)s 登记：%(message)s（%(via)s）"), actor=who, message=kind.label,
                                                        via=via, labels=("message", "via") if actor else ("actor", "message", "via")),
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


def send_by_key(user: User, message, document_number, data, *, via: str) -> list[Case]:
    """Deliver a message to every case in the user's scope whose source document number is
    `document_number` and that waits for it (correlation by key), in one transaction. NotFound
    (404) when none does; ValidationFailed (422) on a bad key or data."""
    kind = _kind(message)
    if not isinstance(document_number, str) or not document_number.strip() or len(document_number) > 80:
        raise ValidationFailed(_("填写有误"), {"document_number": [_("请填写来源文书编号（不超过 80 个字）")]})
    with unit_of_work():
        query = select(Case).where(Case.document_number == document_number.strip())
        if "admin" not in user.roles:
            query = query.where(case_filter(user))
        cases = [c for c in db.session.scalars(query.order_by(Case.id)) if may_send(user, c, kind)
                 and kind.name in waiting(c)]
        if not cases:
            raise NotFound(_("没有等待该消息的记录（来源文书编号 %(number)s）", number=document_number.strip()[:80]))
        for case in cases:
            deliver(case, kind.name, data, user, via=via)
    return cases
