"""Domain actions BPMN scripts may call (the engine's whitelist). Each acts on the case the
instance belongs to, inside the transaction of the step that called it."""
from __future__ import annotations

from datetime import date

from app.cases.models import KEY_AREAS, RECORD_STATUSES, SOURCE_TYPES, TIERS, Case
from app.cases.timeline import record_event
from app.clock import clock
from app.engine import ActionError, register_action

CORRECTABLE = {"title", "facts", "tier", "key_area", "source_type", "document_number"}


def set_record_status(case: Case, status: str) -> None:
    if status not in RECORD_STATUSES:
        raise ActionError(f"未知的记录状态：{status!r}（可用：{', '.join(RECORD_STATUSES)}）")
    if case.record_status == status:
        return
    old, case.record_status = case.record_status, status
    case.updated_at = clock.now()
    record_event(case, "status.changed", f"记录状态：{RECORD_STATUSES.get(old, old)} → {RECORD_STATUSES[status]}",
                 {"from": old, "to": status})


def correct_record(case: Case, changes: dict) -> None:
    if not isinstance(changes, dict):
        raise ActionError("correct_record 需要一个字段字典")
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise ActionError(f"不能更正这些字段：{', '.join(sorted(unknown))}")
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
        record_event(case, "record.corrected", "记录内容已更正：" + "、".join(diff), diff)


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
    today = clock.today()
    if case.publication_end is None or case.publication_end > today:
        case.publication_end = today
    record_event(case, "publication.ended", f"停止公开（{today.isoformat()}）", {"ended_on": today.isoformat()})


def register_case_actions() -> None:
    register_action("set_record_status", set_record_status, "设置记录状态", ("status",))
    register_action("correct_record", correct_record, "更正记录内容", ("changes",))
    register_action("set_publication", set_publication, "设置公开期", ("start", "end", "repairable_from"))
    register_action("end_publication", end_publication, "停止公开")
