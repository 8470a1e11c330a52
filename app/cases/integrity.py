"""Tamper evidence: verify every case timeline chain and the administrative audit log
(`flask --app wsgi audit verify` in app/cases/cli.py, the badge on the case page). Issue 15."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.core import hashchain
from app.audit.models import AuditEvent
from app.audit.service import verify_audit
from app.cases.models import Case, TimelineEvent
from app.cases.timeline import verify_timeline
from app.core.extensions import db


@dataclass
class IntegrityReport:
    cases: int = 0
    events: int = 0
    audit_events: int = 0
    broken_cases: list[tuple[str, hashchain.Break]] = field(default_factory=list)  # (case number, break)
    audit_break: hashchain.Break | None = None

    @property
    def intact(self) -> bool:
        return not self.broken_cases and self.audit_break is None


def verify_all() -> IntegrityReport:
    """Verify every case's timeline and the audit log (read-only; O(events))."""
    report = IntegrityReport(events=db.session.scalar(select(func.count()).select_from(TimelineEvent)) or 0,
                             audit_events=db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    for case_id, number in db.session.execute(select(Case.id, Case.number).order_by(Case.id)):
        report.cases += 1
        problem = verify_timeline(case_id)
        if problem is not None:
            report.broken_cases.append((number, problem))
    report.audit_break = verify_audit()
    return report


def describe(problem: hashchain.Break) -> str:
    where = f"第 {problem.position + 1} 条（id {problem.record_id}）" if problem.record_id else f"第 {problem.position} 条之后"
    return f"{where}：{problem.reason}"
