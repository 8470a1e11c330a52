"""The periodic work of an installation, on the top floor because it reaches across domains: fire
the timers that are due (and report missed deadlines), render documents issued in the background,
queue the daily mail digests, send queued mail, push the sharing feed to the credit platforms. `flask --app wsgi tick [--every N]` runs it in-process (what `make run` uses);
the Celery beat schedule of app/worker.py runs the same `run_due_work` on the workers."""
from __future__ import annotations

import time
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.calendar.service import missing_years
from app.cases.timers import fire_due_timers
from app.core.cli import fail
from app.core.clock import clock
from app.documents.service import render_pending
from app.notifications.digest import queue_digests
from app.notifications.mail import deliver_outbox
from app.sharing.delivery import deliver_due as deliver_sharing

# The commands of this module; the app factory adds each to `flask` at the top level.
cli = AppGroup("scheduler", help="The periodic work: timers, background documents, mail, the sharing feed.")


def run_due_work() -> dict:
    """One round of the periodic work; safe to run on several processes at once. Returns
    {"timers": {"fired", "failed", "missed"}, "documents": number rendered, "digests": daily
    digests queued, "mail": {"sent", "retried", "failed", "unconfigured"},
    "sharing": {"acknowledged", "retried", "failed"}}."""
    return {"timers": fire_due_timers(), "documents": render_pending(), "digests": queue_digests(),
            "mail": deliver_outbox(), "sharing": deliver_sharing()}


@cli.command("tick")
@click.option("--now", "now", default=None, help="开发用：以该时间（ISO，上海时间）为当前时间触发")
@click.option("--every", type=float, default=0, help="每隔 N 秒重复（后台运行）")
def tick_command(now: str | None, every: float):
    """Fire every timer that is due. `--now` only where the development clock is allowed (never
    in production: timers fired "as of" a later day would stamp the timeline with it for good)."""
    if now and not current_app.config.get("DEV_CLOCK"):
        fail("--now 只在开发环境中可用（生产环境只按真实时间触发定时器）")
    if now:
        try:
            clock.set(datetime.fromisoformat(now))
        except ValueError:
            fail(f"--now 不是 ISO 时间：{now}")
    for year in missing_years():
        click.echo(click.style(f"警告：{year} 年工作日历尚未导入，涉及该年的期限无法计算", fg="yellow"), err=True)
    while True:
        work = run_due_work()
        result, mail = work["timers"], work["mail"]
        if result["fired"] or result["failed"] or not every:
            click.echo(f"{datetime.now().isoformat(timespec='seconds')} 触发 {result['fired']} 个，失败 {result['failed']} 个")
        if any(mail.values()):
            click.echo(f"邮件：发送 {mail['sent']}，待重试 {mail['retried']}，失败 {mail['failed']}，"
                       f"未配置邮件服务器未发送 {mail['unconfigured']}")
        sharing = work["sharing"]
        if any(sharing.values()):
            click.echo(f"信用共享：已确认 {sharing['acknowledged']}，待重试 {sharing['retried']}，失败 {sharing['failed']}")
        if not every:
            break
        time.sleep(every)
