"""Tamper evidence: verify every case timeline chain and the administrative audit log
(`flask --app wsgi audit verify`, the badge on the case page). Issue 15."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import click
from flask import Flask
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


def register_audit_cli(app: Flask) -> None:
    @app.cli.group("audit")
    def audit_group():
        """Tamper evidence of case timelines and the administrative audit log."""

    @audit_group.command("verify")
    def verify_cmd():
        """Verify every hash chain; exit status 1 when any is broken."""
        report = verify_all()
        for number, problem in report.broken_cases:
            click.echo(click.style(f"案件 {number} 的时间线在{describe(problem)}", fg="red"))
        if report.audit_break is not None:
            click.echo(click.style(f"审计日志在{describe(report.audit_break)}", fg="red"))
        summary = (f"已校验 {report.cases} 件案件的时间线（{report.events} 条记录）和审计日志（{report.audit_events} 条）："
                   + ("完好" if report.intact else "发现改动"))
        click.echo(summary)
        if not report.intact:
            sys.exit(1)
