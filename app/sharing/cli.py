"""`flask --app wsgi sharing push | resend`: the sharing feed to the credit platforms."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.cli import fail
from app.core.errors import DomainError
from app.sharing import service
from app.sharing.delivery import deliver_due

# The commands of this package; the app factory adds each to `flask` at the top level.
cli = AppGroup("sharing", help="The sharing feed to the credit platforms.")


@cli.group("sharing")
def sharing_group():
    """The sharing feed: push what is due now, queue failed events again."""


@sharing_group.command("push")
def push_command():
    """Send every due event of the outbox now (tick does this too)."""
    counts = deliver_due()
    click.echo(f"已确认 {counts['acknowledged']}，待重试 {counts['retried']}，失败 {counts['failed']}")


@sharing_group.command("resend")
@click.option("--failed", "failed", is_flag=True, help="重发全部失败的事件")
@click.option("--event", "event_id", default=None, help="重发该事件编号（UUID）的待发送或失败记录")
@click.option("--endpoint", default=None, help="与 --failed 一起：只重发该端点（national / creditchina / shanghai）")
def resend_command(failed: bool, event_id: str | None, endpoint: str | None):
    """Queue failed events (or one event) again; the next tick or `sharing push` sends them.
    Written to the audit log."""
    if failed == bool(event_id):
        fail("请指定 --failed 或 --event ID（二选一）")
    try:
        rows = service.resend_failed(None, endpoint) if failed else service.resend_event(None, event_id)
    except DomainError as exc:
        fail(" ".join([exc.message, *(m for ms in exc.fields.values() for m in ms)]))
    click.echo(f"已重新排队 {len(rows)} 条，将在下次 tick 或 sharing push 时发送")
