"""`flask --app wsgi …` commands: deploy, deploy-all, tick, send-mail, seed-demo, import-calendar,
test-processes."""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import click
from flask import Flask

from app.core.errors import DomainError
from app.demo.cli import cli as demo_cli
from app.designer.cli import cli as designer_cli


def _fail(message: str) -> None:
    click.echo(click.style(message, fg="red"), err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    from app.admin.devclock import register_dev_clock_cli
    from app.cases.integrity import register_audit_cli

    register_audit_cli(app)
    register_dev_clock_cli(app)
    for group in (designer_cli, demo_cli):
        for command in group.commands.values():
            app.cli.add_command(command)
    @app.cli.command("send-mail")
    def send_mail_cmd():
        """Send what is waiting in the e-mail outbox (tick does this too)."""
        from app.notifications.mail import deliver_outbox

        click.echo(deliver_outbox())

    @app.cli.command("tick")
    @click.option("--now", "now", default=None, help="开发用：以该时间（ISO，上海时间）为当前时间触发")
    @click.option("--every", type=float, default=0, help="每隔 N 秒重复（后台运行）")
    def tick_cmd(now: str | None, every: float):
        """Fire every timer that is due."""
        from app.calendar.service import missing_years
        from app.cases.timers import fire_due_timers
        from app.core.clock import clock
        from app.documents.service import render_pending
        from app.notifications.mail import deliver_outbox

        if now:
            try:
                clock.set(datetime.fromisoformat(now))
            except ValueError:
                _fail(f"--now 不是 ISO 时间：{now}")
        for year in missing_years():
            click.echo(click.style(f"警告：{year} 年工作日历尚未导入，涉及该年的期限无法计算", fg="yellow"), err=True)
        while True:
            result = fire_due_timers()
            render_pending()
            mail = deliver_outbox()
            if result["fired"] or result["failed"] or not every:
                click.echo(f"{datetime.now().isoformat(timespec='seconds')} 触发 {result['fired']} 个，失败 {result['failed']} 个")
            if any(mail.values()):
                click.echo(f"邮件：发送 {mail['sent']}，待重试 {mail['retried']}，失败 {mail['failed']}")
            if not every:
                break
            time.sleep(every)

    @app.cli.command("import-calendar")
    @click.argument("path", type=click.Path(dir_okay=False))
    def import_calendar_cmd(path: str):
        """Import a holiday schedule file: lines `YYYY-MM-DD,holiday|workday,名称`."""
        from app.admin.service import import_calendar

        if not Path(path).is_file():
            _fail(f"文件不存在：{path}")
        try:
            years = import_calendar(Path(path).name, Path(path).read_bytes())
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"已导入 {', '.join(map(str, years))} 年的节假日安排")

    @app.cli.group("documents")
    def documents_group():
        """Official documents: batch issue case reports, batch re-render as corrected versions."""

    @documents_group.command("reports")
    @click.option("--status", default=None, help="只为该状态的案件生成")
    def documents_reports(status: str | None):
        """Issue a case summary report for every case (or every case in a status)."""
        from sqlalchemy import select

        from app.cases.models import Case
        from app.documents.service import issue
        from app.core.transaction import unit_of_work
        from app.core.extensions import db

        query = select(Case.id).order_by(Case.id)
        if status:
            query = query.where(Case.record_status == status)
        ids = list(db.session.scalars(query))
        try:  # a refusal (e.g. no Chinese font) stops the batch with its message, not a traceback
            with click.progressbar(ids, label="生成案件报告", show_pos=True) as bar:
                for case_id in bar:
                    with unit_of_work():
                        issue(db.session.get(Case, case_id), "case_report")
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"已生成 {len(ids)} 份案件办理情况报告")

    @documents_group.command("rerender")
    @click.option("--type", "doc_type", required=True, help="文书类型，如 notification")
    @click.option("--reason", required=True, help="更正原因（写入每份新版本）")
    def documents_rerender(doc_type: str, reason: str):
        """Re-render the newest version of every document of a type as a corrected version
        (e.g. after a template fix); the old versions are kept."""
        from sqlalchemy import func, select

        from app.documents.models import Document
        from app.documents.service import check_reason, correct
        from app.core.extensions import db
        from app.org.models import User

        try:
            reason = check_reason(reason)
        except DomainError as exc:
            _fail(exc.message)
        latest = select(Document.number, func.max(Document.version).label("v")).where(
            Document.doc_type == doc_type).group_by(Document.number).subquery()
        ids = list(db.session.scalars(select(Document.id).join(latest, (Document.number == latest.c.number)
                                                                & (Document.version == latest.c.v))))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        if admin is None:
            _fail("需要 admin 用户作为更正人")
        try:  # a refusal (e.g. no Chinese font) stops the batch with its message, not a traceback
            with click.progressbar(ids, label="重新出具", show_pos=True) as bar:
                for document_id in bar:
                    correct(admin, document_id, reason)
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"已重新出具 {len(ids)} 份文书")
