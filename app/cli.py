"""`flask --app wsgi …` commands: deploy, deploy-all, tick, send-mail, seed-demo, import-calendar."""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import click
from flask import Flask

from app.errors import DomainError


def _fail(message: str) -> None:
    click.echo(click.style(message, fg="red"), err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    @app.cli.command("deploy")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--comment", default="", help="版本说明")
    def deploy_cmd(path: str, comment: str):
        """Validate and deploy one BPMN file (non-zero exit and the problems on any error)."""
        from app.processes import deploy_path

        if not Path(path).is_file():
            _fail(f"文件不存在：{path}")
        try:
            version, created = deploy_path(path, comment=comment)
        except DomainError as exc:
            _fail(exc.message)
        if created:
            click.echo(f"已部署 {version.definition.key} 第 {version.version} 版（{version.content_hash[:12]}）")
        else:
            click.echo(f"内容未变化：{version.definition.key} 仍为第 {version.version} 版")

    @app.cli.command("deploy-all")
    def deploy_all_cmd():
        """Deploy every changed file in workflows/."""
        from app.processes import deploy_workflows_dir

        try:
            for key, number, created in deploy_workflows_dir():
                click.echo(f"{key}: 第 {number} 版" + ("（新部署）" if created else "（未变化）"))
        except DomainError as exc:
            _fail(exc.message)

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
        from app.clock import clock
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
        from app.calendar.service import import_schedule

        if not Path(path).is_file():
            _fail(f"文件不存在：{path}")
        try:
            years = import_schedule(Path(path).read_text(encoding="utf-8"), source=Path(path).name)
        except DomainError as exc:
            _fail(exc.message)
        click.echo(f"已导入 {', '.join(map(str, years))} 年的节假日安排")

    @app.cli.command("seed-demo")
    def seed_demo_cmd():
        """Load departments, calendar, processes, demo users and cases (idempotent)."""
        from app.demo import seed_demo

        for line in seed_demo():
            click.echo(line)
