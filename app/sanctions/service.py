"""Reading and writing the sanctions a case imposes (app/sanctions/models.py): honours eligibility
withdrawn by an escalation, and the joint rewards and punishments (联动奖惩, 沪府发〔2017〕92号 §二(一)2:
"记录单位主动发起、联动奖惩实施单位主动响应和实施结果主动反馈") of a published dishonesty record —
each measure at each implementing unit, its feedback and its lifting, the feedback matrix and the
eligibility check HR offices and award committees ask (评优评先、荣誉评选)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.cases import events
from app.cases.models import Case, CaseLink
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.engine import ACTIVE_STATUSES, ProcessInstance
from app.engine.helpers import add_months
from app.org.models import CivilServant, Department, User
from app.sanctions.models import APPLY_OUTCOMES, LIFT_REASONS, RESTRICTIONS, HonoursRestriction, SanctionMeasure
from app.tasks.models import HumanTask
from app.tasks.routing import can_view_case

# The forms of the two feedback steps (落实反馈, 解除反馈): what the matrix reads a task's kind by.
FEEDBACK_FORM, LIFTING_FORM = "sanction_feedback", "sanction_lifting"
# Who reads the feedback matrix: the recording unit's recorders, reviewers and supervisors (in their scope).
MATRIX_ROLES = ("recorder", "reviewer", "supervisor")
# Who may ask whether a subject may be put forward for honours: reviewers and supervisors (their
# district, or city-wide), admins, and a unit's HR/discipline office (纪检人事) for its own unit and staff.
ELIGIBILITY_ROLES = ("reviewer", "supervisor", "admin", "discipline")
NOTE_MAX = 2000


class SanctionError(ValueError):
    """A joint-sanctions step refused (an unknown unit or measure, a second answer…); the action turns
    it into the engine's ActionError, so the step fails with this message and nothing is saved."""


# ---------------------------------------------------------------- escalation: honours withdrawn

def withdraw_honours(case: Case, months: int, reason: str) -> HonoursRestriction:
    """Withdraw the honours eligibility of the case's subject unit for `months` calendar months
    from today (Asia/Shanghai), in the caller's transaction: from today to the day before the same
    day `months` later. `months` comes from the rules (warning_deadlines.honours_withdrawal_months);
    ValueError when it is not a positive integer."""
    if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
        raise ValueError(f"取消荣誉评选资格的期间必须是正整数（月），实际为 {months!r}")
    start = clock.today()
    end = date.fromisoformat(add_months(start, months)) - timedelta(days=1)
    restriction = HonoursRestriction(department_id=case.subject_department_id, starts_on=start, ends_on=end,
                                     reason=reason, source_case_id=case.id, created_at=clock.now())
    db.session.add(restriction)
    db.session.flush()
    record_event(case, "honours.withdrawn",
                 f"取消{case.subject_department.name}荣誉评选资格：{start.isoformat()} 至 {end.isoformat()}",
                 {"restriction_id": restriction.id, "department_id": case.subject_department_id,
                  "from": start.isoformat(), "until": end.isoformat(), "months": months})
    return restriction


def for_case(case: Case) -> list[HonoursRestriction]:
    """The restrictions a case imposed (for a dishonesty record: those its joint sanctions wrote),
    oldest first."""
    return list(db.session.scalars(select(HonoursRestriction).where(HonoursRestriction.source_case_id == case.id)
                                   .order_by(HonoursRestriction.id)))


def in_force(department_id: int | None = None, on: date | None = None, *,
             civil_servant_id: int | None = None) -> list[HonoursRestriction]:
    """The honours restrictions in force on `on` (default today, Asia/Shanghai) on a unit
    (`department_id`: the unit's own, not its staff's) or on one civil servant (`civil_servant_id`):
    started, not past their last day, not lifted by then. The one reading of every restriction,
    whoever wrote it (an escalation, a joint sanction); oldest first."""
    day = on or clock.today()
    query = select(HonoursRestriction).where(
        HonoursRestriction.starts_on <= day, HonoursRestriction.ends_on >= day,
        or_(HonoursRestriction.lifted_on.is_(None), HonoursRestriction.lifted_on > day))
    if civil_servant_id is not None:
        query = query.where(HonoursRestriction.civil_servant_id == civil_servant_id)
    else:
        query = query.where(HonoursRestriction.department_id == department_id,
                            HonoursRestriction.civil_servant_id.is_(None))
    return list(db.session.scalars(query.order_by(HonoursRestriction.starts_on, HonoursRestriction.id)))


# ---------------------------------------------------------------- joint sanctions: the steps

def record_of(case: Case) -> Case | None:
    """The dishonesty record a joint-sanctions case follows: the case whose number is its source
    document number (set when the record started it); None when there is none."""
    if not case.document_number:
        return None
    return db.session.scalar(select(Case).where(Case.number == case.document_number, Case.id != case.id))


def sanctions_case_of(record: Case) -> Case | None:
    """The joint-sanctions case a record started (CaseLink `sanctions_opened`), the latest; None if none."""
    return db.session.scalar(select(Case).join(CaseLink, CaseLink.linked_case_id == Case.id)
                             .where(CaseLink.case_id == record.id, CaseLink.relation == "sanctions_opened")
                             .order_by(CaseLink.id.desc()).limit(1))


def _day(value, what: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SanctionError(f"{what}不是有效日期：{value!r}") from None


def _note(value) -> str:
    return str(value or "").strip()[:NOTE_MAX]


def plan(case: Case, measures, until) -> list[dict]:
    """Write the measures the rules (`sanction_measures`, one row per measure: `measure`, `label`,
    `units` — unit codes separated by blanks — and `restriction`) give a joint-sanctions case, one row
    per measure and implementing unit, each to last until `until` (the last day the record is
    published, YYYY-MM-DD). Returns one item per row for the multi-instance steps:
    {"id", "measure", "label", "unit" (code), "unit_name"}. SanctionError on an unknown or inactive
    unit code or a malformed rule output. In the step's transaction."""
    if not isinstance(measures, list):
        raise SanctionError(f"惩戒措施必须是决策表 sanction_measures 的输出列表，实际为 {type(measures).__name__}")
    last_day = _day(until, "惩戒期限")
    record = record_of(case)
    items, units = [], {}
    for row in measures:
        if not isinstance(row, dict) or not row.get("measure") or not isinstance(row.get("units"), str):
            raise SanctionError(f"决策表输出缺少措施代码或实施单位：{row!r}"[:300])
        restriction = row.get("restriction") or None
        if restriction is not None and restriction not in RESTRICTIONS:
            raise SanctionError(f"未知的限制类型：{restriction!r}（可用：{', '.join(RESTRICTIONS)}）")
        for code in row["units"].split():
            unit = units.get(code) or db.session.scalar(select(Department).where(Department.code == code,
                                                                                 Department.active.is_(True)))
            if unit is None:
                raise SanctionError(f"措施“{row.get('label') or row['measure']}”的实施单位“{code}”不存在或已停用")
            units[code] = unit
            measure = SanctionMeasure(case_id=case.id, record_case_id=record.id if record else None,
                                      measure=str(row["measure"])[:40], label=str(row.get("label") or row["measure"])[:100],
                                      restriction=restriction, unit_id=unit.id, until=last_day, status="pending",
                                      created_at=clock.now())
            db.session.add(measure)
            db.session.flush()
            items.append({"id": measure.id, "measure": measure.measure, "label": measure.label, "unit": code,
                          "unit_name": unit.name})
    summary = ("；".join(f"{i['label']}（{i['unit_name']}）" for i in items) or "无（免于惩戒）")[:380]
    record_event(case, "sanctions.planned", f"联动惩戒措施：{summary}", {"measures": items})
    if record is not None:
        record_event(record, "sanctions.planned", f"联动奖惩 {case.number}：{summary}",
                     {"linked_case_id": case.id, "measures": len(items)})
    return items


def _measure(case: Case, measure_id) -> SanctionMeasure:
    measure = db.session.get(SanctionMeasure, measure_id) if isinstance(measure_id, int) else None
    if measure is None or measure.case_id != case.id:
        raise SanctionError(f"本案没有编号为 {measure_id!r} 的惩戒措施")
    return measure


def record_answer(case: Case, measure_id, outcome, on, note) -> SanctionMeasure:
    """An implementing unit's feedback (落实反馈) on one measure: `outcome` "applied" or
    "not_applicable", the day (`on`, YYYY-MM-DD, not after today) and a note (evidence, or why it
    does not apply). An applied measure with a restriction (the rules' `restriction`: "honours")
    writes it: the record's subject (the unit, or the civil servant) may not be put forward for
    honours from `on` to the measure's `until`. SanctionError when the measure is not pending (or
    not this case's), the outcome unknown or the day bad (after today, or before the measure was
    asked for — the day it was planned, Asia/Shanghai). In the step's transaction."""
    measure = _measure(case, measure_id)
    if measure.status != "pending":
        raise SanctionError(f"“{measure.label}”（{measure.unit.name}）已反馈，不能再次反馈")
    if outcome not in APPLY_OUTCOMES:
        raise SanctionError(f"未知的落实情况：{outcome!r}（可用：{', '.join(APPLY_OUTCOMES)}）")
    day = _day(on, "落实日期")
    if day > clock.today():
        raise SanctionError(f"落实日期 {day.isoformat()} 晚于今天")
    asked_on = measure.created_at.astimezone(LOCAL_TZ).date()
    if day < asked_on:  # a measure is applied after it was asked for: the bar never reaches back
        raise SanctionError(f"落实日期 {day.isoformat()} 早于通知落实之日 {asked_on.isoformat()}")
    measure.status, measure.answered_on, measure.answer_note, measure.answered_at = outcome, day, _note(note), clock.now()
    line = f"{measure.unit.name}反馈：{measure.label}，{APPLY_OUTCOMES[outcome]}（{day.isoformat()}）"
    record_event(case, "sanctions.answered", line, {"measure_id": measure.id, "outcome": outcome, "on": day.isoformat()})
    if measure.record is not None:
        record_event(measure.record, "sanctions.answered", f"联动奖惩 {case.number}：{line}", {"linked_case_id": case.id})
    if outcome == "applied" and measure.restriction == "honours":
        _restrict_honours(case, measure, day)
    return measure


def _restrict_honours(case: Case, measure: SanctionMeasure, day: date) -> None:
    source = measure.record or case
    subject = source.civil_servant.name if source.civil_servant is not None else source.subject_department.name
    restriction = HonoursRestriction(
        department_id=source.subject_department_id, civil_servant_id=source.civil_servant_id, starts_on=day,
        ends_on=max(measure.until, day), reason=f"{source.number}：{measure.label}（{measure.unit.name}落实）",
        source_case_id=source.id, measure=measure.measure, sanction_measure_id=measure.id, created_at=clock.now())
    db.session.add(restriction)
    db.session.flush()
    record_event(source, "honours.withdrawn", f"{subject}：{measure.label}，{day.isoformat()} 至 {restriction.ends_on.isoformat()}",
                 {"restriction_id": restriction.id, "from": day.isoformat(), "until": restriction.ends_on.isoformat(),
                  "sanction_measure_id": measure.id})


def request_lifting(case: Case, reason) -> list[SanctionMeasure]:
    """The record's publication ended (`reason`: "repair", "expiry", "revocation", "deletion"):
    every measure of the case is to be lifted from today — each implementing unit gets a lifting
    task, a measure still unanswered is closed as not applied — and the restrictions the case wrote
    end today (the record no longer bars honours from this day on). SanctionError for an unknown
    reason. In the step's transaction."""
    if reason not in LIFT_REASONS:
        raise SanctionError(f"未知的解除原因：{reason!r}（可用：{', '.join(LIFT_REASONS)}）")
    today = clock.today()
    measures = list(db.session.scalars(select(SanctionMeasure).where(SanctionMeasure.case_id == case.id)
                                       .order_by(SanctionMeasure.id)))
    for measure in measures:
        measure.lift_reason, measure.lift_requested_on = reason, today
        if measure.status == "pending":
            measure.status = "not_applied"
    restrictions = db.session.scalars(select(HonoursRestriction).join(SanctionMeasure).where(
        SanctionMeasure.case_id == case.id, HonoursRestriction.lifted_on.is_(None)))
    for restriction in restrictions:
        restriction.lifted_on, restriction.lift_reason = today, LIFT_REASONS[reason][:200]
    line = f"{LIFT_REASONS[reason]}，{today.isoformat()} 起解除联动惩戒措施（{len(measures)} 项，逐一通知实施单位）"
    record_event(case, "sanctions.lifting", line, {"reason": reason, "on": today.isoformat()})
    record = record_of(case)
    if record is not None:
        record_event(record, "sanctions.lifting", f"联动奖惩 {case.number}：{line}", {"linked_case_id": case.id})
    return measures


def record_lifting(case: Case, measure_id, on, note) -> SanctionMeasure:
    """An implementing unit's feedback that it lifted one measure (解除反馈): the day (`on`, not
    before the lifting was asked for, not after today) and a note. SanctionError when lifting was
    not asked for or is already fed back. In the step's transaction."""
    measure = _measure(case, measure_id)
    if measure.lift_reason is None or measure.lifted_on is not None:
        raise SanctionError(f"“{measure.label}”（{measure.unit.name}）" + ("尚未通知解除" if measure.lift_reason is None
                                                                     else "已反馈解除，不能再次反馈"))
    day = _day(on, "解除日期")
    if day > clock.today():
        raise SanctionError(f"解除日期 {day.isoformat()} 晚于今天")
    measure.lifted_on, measure.lift_note, measure.lifted_at = max(day, measure.lift_requested_on), _note(note), clock.now()
    line = f"{measure.unit.name}反馈：已解除{measure.label}（{measure.lifted_on.isoformat()}）"
    record_event(case, "sanctions.lifted", line, {"measure_id": measure.id, "on": measure.lifted_on.isoformat()})
    if measure.record is not None:
        record_event(measure.record, "sanctions.lifted", f"联动奖惩 {case.number}：{line}", {"linked_case_id": case.id})
    return measure


LIFT_MESSAGE = "sanctions_lifted"  # the joint-sanctions process's message (app.cases.events.SYSTEM_MESSAGES)


def lift(record: Case, reason) -> Case | None:
    """The record's publication ended (`reason`: a key of LIFT_REASONS): deliver the message
    `sanctions_lifted` to the joint-sanctions case it started, which issues one lifting task per
    implementing unit (also to units that had not answered yet). Returns that case; None when there
    is nothing to lift (never published, no measures, already lifted, cancelled). SanctionError for
    an unknown reason, or when the joint-sanctions case is blocked or suspended. In the caller's
    transaction."""
    if reason not in LIFT_REASONS:
        raise SanctionError(f"未知的解除原因：{reason!r}（可用：{', '.join(LIFT_REASONS)}）")
    sanctions = sanctions_case_of(record)
    instance = db.session.get(ProcessInstance, sanctions.instance_id) if sanctions and sanctions.instance_id else None
    if instance is None or instance.status not in ACTIVE_STATUSES:
        return None
    if instance.status != "running":
        raise SanctionError(f"联动奖惩案件 {sanctions.number} 已暂停或因异常阻塞，暂不能解除惩戒措施：请先恢复或处理该案件")
    if LIFT_MESSAGE not in events.waiting(sanctions, events.SYSTEM_MESSAGES):
        return None
    events.deliver(sanctions, LIFT_MESSAGE, {"lift_reason": reason, "record_number": record.number,
                                             "ended_on": clock.today().isoformat()}, None, via=f"失信记录 {record.number}")
    return sanctions


def end_restrictions(case: Case, reason: str) -> int:
    """A joint-sanctions case cancelled (撤案: opened in error): the restrictions its measures wrote
    end today with `reason`. Returns how many ended. In the caller's transaction."""
    restrictions = list(db.session.scalars(select(HonoursRestriction).join(SanctionMeasure).where(
        SanctionMeasure.case_id == case.id, HonoursRestriction.lifted_on.is_(None))))
    for restriction in restrictions:
        restriction.lifted_on, restriction.lift_reason = clock.today(), reason[:200]
    return len(restrictions)


# ---------------------------------------------------------------- the feedback matrix

@dataclass(frozen=True)
class MatrixCell:
    """One measure at one implementing unit: `state` (a key of models.MEASURE_STATES, the latest
    stage), the open task's deadline day (`due_on`), what the unit answered and when, and the lifting."""

    measure_id: int
    measure: str
    label: str
    unit_code: str
    unit_name: str
    state: str
    due_on: date | None
    answer: str | None  # applied / not_applicable / not_applied, None while pending
    answered_on: date | None
    answer_note: str | None
    answered_by: str | None
    answered_at: datetime | None
    lift_reason: str | None
    lift_requested_on: date | None
    lifted_on: date | None
    lift_note: str | None
    lifted_by: str | None
    until: date


@dataclass(frozen=True)
class Matrix:
    """The feedback matrix of a joint-sanctions case: measures (code, label) × units (code, name)."""

    case: Case
    record: Case | None
    measures: list[tuple[str, str]]
    units: list[tuple[str, str]]
    cells: list[MatrixCell]

    def cell(self, measure: str, unit: str) -> MatrixCell | None:
        """The cell of measure code `measure` at unit code `unit`; None where the unit does not implement it."""
        return next((c for c in self.cells if c.measure == measure and c.unit_code == unit), None)


def _deadline_day(due: datetime | None) -> date | None:
    return (due - timedelta(seconds=1)).astimezone(LOCAL_TZ).date() if due else None


def _cell(measure: SanctionMeasure, tasks: list[HumanTask], now: datetime) -> MatrixCell:
    mine = [t for t in tasks if t.department_id == measure.unit_id and t.item == measure.label]
    answer_task = next((t for t in reversed(mine) if t.form_key == FEEDBACK_FORM and t.status == "completed"), None)
    lift_task = next((t for t in reversed(mine) if t.form_key == LIFTING_FORM and t.status == "completed"), None)
    open_task = next((t for t in mine if t.status == "open"), None)
    overdue = open_task is not None and open_task.due_at is not None and open_task.due_at <= now
    if measure.lifted_on is not None:
        state = "lifted"
    elif measure.lift_reason is not None:
        state = "lifting_overdue" if overdue else "lifting"
    elif measure.status == "pending":
        state = "overdue" if overdue else "pending"
    else:
        state = measure.status
    return MatrixCell(
        measure.id, measure.measure, measure.label, measure.unit.code, measure.unit.name, state,
        _deadline_day(open_task.due_at) if open_task else None,
        None if measure.status == "pending" else measure.status, measure.answered_on, measure.answer_note,
        answer_task.completed_by.full_name if answer_task and answer_task.completed_by else None, measure.answered_at,
        measure.lift_reason, measure.lift_requested_on, measure.lifted_on, measure.lift_note,
        lift_task.completed_by.full_name if lift_task and lift_task.completed_by else None, measure.until)


def _matrix(case: Case) -> Matrix | None:
    """The matrix of a joint-sanctions case, or of the one a record started; None when there is none."""
    sanctions_case = case if db.session.scalar(select(SanctionMeasure.id).where(SanctionMeasure.case_id == case.id)
                                               .limit(1)) is not None else sanctions_case_of(case)
    if sanctions_case is None:
        return None
    measures = list(db.session.scalars(select(SanctionMeasure).where(SanctionMeasure.case_id == sanctions_case.id)
                                       .order_by(SanctionMeasure.id)))
    tasks = list(db.session.scalars(select(HumanTask).where(HumanTask.case_id == sanctions_case.id,
                                                            HumanTask.item.is_not(None)).order_by(HumanTask.id)))
    now = clock.now()
    cells = [_cell(m, tasks, now) for m in measures]
    return Matrix(sanctions_case, record_of(sanctions_case),
                  list(dict.fromkeys((c.measure, c.label) for c in cells)),
                  list(dict.fromkeys((c.unit_code, c.unit_name) for c in cells)), cells)


def may_read_matrix(user: User, case: Case) -> bool:
    """The recording unit's recorders, and reviewers and supervisors in their scope."""
    if not can_view_case(user, case):
        return False
    if user.has_role("recorder") and user.department_id == case.recording_department_id:
        return True
    return user.has_role("reviewer") or user.has_role("supervisor")


def matrix_for(user: User, case: Case) -> Matrix | None:
    """What a case page shows: the matrix of the case (a joint-sanctions case, or a record that
    started one), None when the user may not read it or there is none."""
    return _matrix(case) if may_read_matrix(user, case) else None


def get_matrix(user: User, case_id: int) -> Matrix | None:
    """The feedback matrix of case `case_id` (a record or its joint-sanctions case); None when the case
    has none (yet). NotFound (404) outside the user's scope, Forbidden (403) for roles that may see
    the case but not the matrix."""
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise NotFound(_("案件不存在"))
    if not may_read_matrix(user, case):
        raise Forbidden(_("联动奖惩反馈情况仅记录单位、审核员和督导员可以查看"))
    return _matrix(case)


# ---------------------------------------------------------------- eligibility (评优评先、荣誉评选)

@dataclass(frozen=True)
class Reason:
    """Why a subject is restricted on a day: the case (record) that caused it, the measure, the
    implementing unit (None for an escalation's withdrawal) and the period (`until`: the last day)."""

    case_id: int
    case_number: str
    case_title: str
    measure: str
    label: str
    implementing_unit: str | None
    starts_on: date
    until: date
    lifted_on: date | None


@dataclass(frozen=True)
class Eligibility:
    subject_type: str  # "department" / "civil_servant"
    subject: str  # the unit's code, or the civil servant's staff number
    subject_name: str
    on: date
    reasons: list[Reason]

    @property
    def restricted(self) -> bool:
        return bool(self.reasons)


def _subject(text) -> Department | CivilServant:
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise ValidationFailed(_("请填写查询对象"), {"subject": [_("请填写单位代码、公务员编号（工号）或公务员 id")]})
    if len(value) <= 60:
        unit = db.session.scalar(select(Department).where(Department.code == value))
        if unit is not None:
            return unit
        servant = db.session.scalar(select(CivilServant).where(CivilServant.staff_number == value))
        if servant is None and re.fullmatch(r"[0-9]{1,9}", value):  # ASCII: "²".isdigit() yet int() refuses it
            servant = db.session.get(CivilServant, int(value))
        if servant is not None:
            return servant
    message = _("找不到单位或公务员“%(value)s”：请填写单位代码（如 fgw）、公务员编号（工号）或公务员 id", value=value[:60])
    raise ValidationFailed(message, {"subject": [message]})


def _may_ask(user: User, unit: Department) -> bool:
    """Whether the user may ask about a subject of `unit` (a unit, or a civil servant of it)."""
    if user.has_role("admin"):
        return True
    for role in ("reviewer", "supervisor"):
        if user.has_role(role) and (user.scope_district_id is None or unit.district_root_id == user.scope_district_id):
            return True
    return user.has_role("discipline") and user.department_id == unit.id


def _asks_city_wide(user: User) -> bool:
    """Admins, and reviewers or supervisors without a district: they may ask about any subject."""
    return user.has_role("admin") or any(user.has_role(role) and user.scope_district_id is None
                                         for role in ("reviewer", "supervisor"))


def _out_of_scope_message() -> str:
    return _("找不到该单位或公务员，或不在您的查询范围内")


def may_check_eligibility(user: User) -> bool:
    """Whether the user's roles may ask the eligibility check at all (ELIGIBILITY_ROLES)."""
    return any(user.has_role(role) for role in ELIGIBILITY_ROLES)


def eligibility(user: User, subject, on: date | None = None) -> Eligibility:
    """Whether `subject` — a unit's code, or a civil servant's staff number or id — may be put
    forward for honours (评优评先、荣誉评选) on `on` (default today, Asia/Shanghai), and why not: each
    restriction in force then (an escalation's withdrawal, a joint sanction applied and not yet
    lifted) with its case, measure, implementing unit and last day. Forbidden (403) for roles not in
    ELIGIBILITY_ROLES; ValidationFailed (422, field `subject`) for an empty subject, and for an
    unknown one asked by a city-wide asker; NotFound (404) for a subject outside the user's scope —
    and, for scoped askers, an unknown one, so they cannot tell who exists elsewhere (a district's
    staff ask about their district; a unit's 纪检人事 about the unit and its own civil servants)."""
    if not may_check_eligibility(user):
        raise Forbidden(_("只有审核员、督导员、管理员和纪检人事人员可以查询评优评先资格"))
    try:
        found = _subject(subject)
    except ValidationFailed:
        if _asks_city_wide(user) or not (subject.strip() if isinstance(subject, str) else ""):
            raise
        # A scoped asker learns nothing of who exists outside its scope: unknown looks like elsewhere.
        raise NotFound(_out_of_scope_message()) from None
    day = on or clock.today()
    if isinstance(found, CivilServant):
        unit, restrictions = found.department, in_force(on=day, civil_servant_id=found.id)
        kind, key, name = "civil_servant", found.staff_number, f"{found.name}（{found.department.name}）"
    else:
        unit, restrictions = found, in_force(found.id, day)
        kind, key, name = "department", found.code, found.name
    if not _may_ask(user, unit):
        raise NotFound(_out_of_scope_message())
    reasons = []
    for r in restrictions:
        measure = r.sanction_measure
        reasons.append(Reason(r.source_case_id, r.source_case.number, r.source_case.title, r.measure,
                              measure.label if measure else RESTRICTIONS["honours"],
                              measure.unit.name if measure else None, r.starts_on, r.last_day, r.lifted_on))
    return Eligibility(kind, key, name, day, reasons)
