"""`flask --app wsgi audit verify`: the tamper evidence of case timelines and the audit log."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.cases.integrity import describe, verify_all

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("cases", help="Case records: integrity checks.")


@cli.group("audit")
def audit_group():
    """Tamper evidence of case timelines and the administrative audit log."""


@audit_group.command("verify")
def verify_command():
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
